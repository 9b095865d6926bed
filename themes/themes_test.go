package themes

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTheme creates a theme folder with the given files (slash paths).
func writeTheme(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
	return dir
}

func TestOpenDefault(t *testing.T) {
	th, err := Open("")
	require.NoError(t, err)
	for _, name := range []string{"app.css", "app.js", "theme.js", "favicon.svg"} {
		u, ok := th.URL(name)
		require.True(t, ok, name)
		assert.Regexp(t, `^/static/[a-z]+\.[0-9a-f]{10}\.[a-z]+$`, u)
		a, hashed, ok := th.Asset(strings.TrimPrefix(u, "/static/"))
		require.True(t, ok)
		assert.True(t, hashed)
		assert.NotEmpty(t, a.Body)
		assert.NotEmpty(t, a.ContentType)
	}
	a, hashed, ok := th.Asset("app.css")
	require.True(t, ok, "plain names resolve too")
	assert.False(t, hashed)
	assert.Contains(t, a.ContentType, "text/css")
	require.NotNil(t, a.Gzip)
	zr, err := gzip.NewReader(bytes.NewReader(a.Gzip))
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	assert.Equal(t, a.Body, plain)
	assert.NotEqual(t, a.ETag, a.GzipETag)

	_, _, ok = th.Asset("nope.css")
	assert.False(t, ok)
}

func TestRenderNeedsGeneratedAssets(t *testing.T) {
	th, err := Open("")
	require.NoError(t, err)
	// Without the generated stylesheets the layout cannot resolve their URLs.
	err = th.Render(io.Discard, PageError, map[string]any{"SiteTitle": "x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "chroma-light.css")

	th, err = th.WithAssets(map[string][]byte{"chroma-light.css": []byte(".a{}"), "chroma-dark.css": []byte(".b{}")})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, th.Render(&buf, PageError, map[string]any{
		"SiteTitle": "Docs <&>", "Title": "Not found", "Status": 404, "Message": "no page at /x",
	}))
	out := buf.String()
	assert.Contains(t, out, "<title>Not found · Docs &lt;&amp;&gt;</title>")
	u, _ := th.URL("chroma-dark.css")
	assert.Contains(t, out, `href="`+u+`"`)

	assert.Error(t, th.Render(io.Discard, "nope", nil))
}

func TestWithAssetsThemeFileWins(t *testing.T) {
	dir := writeTheme(t, map[string]string{"static/chroma-dark.css": "/* mine */"})
	th, err := Open(dir)
	require.NoError(t, err)
	th, err = th.WithAssets(map[string][]byte{"chroma-dark.css": []byte("/* generated */")})
	require.NoError(t, err)
	a, _, ok := th.Asset("chroma-dark.css")
	require.True(t, ok)
	assert.Equal(t, "/* mine */", string(a.Body))
}

func TestOverrideFileByFile(t *testing.T) {
	dir := writeTheme(t, map[string]string{
		"templates/error.html": `{{define "main"}}<p class="custom">{{.Message}}</p>{{end}}`,
		"static/app.css":       "body{color:red}",
		"static/img/logo.png":  "png",
	})
	th, err := Open(dir)
	require.NoError(t, err)
	th, err = th.WithAssets(map[string][]byte{"chroma-light.css": nil, "chroma-dark.css": nil})
	require.NoError(t, err)

	a, _, ok := th.Asset("app.css")
	require.True(t, ok)
	assert.Equal(t, "body{color:red}", string(a.Body))
	_, _, ok = th.Asset("app.js")
	assert.True(t, ok, "files the folder lacks come from the default theme")
	u, ok := th.URL("img/logo.png")
	require.True(t, ok)
	assert.Regexp(t, `^/static/img/logo\.[0-9a-f]{10}\.png$`, u)

	var buf bytes.Buffer
	require.NoError(t, th.Render(&buf, PageError, map[string]any{"SiteTitle": "x", "Message": "gone"}))
	assert.Contains(t, buf.String(), `<p class="custom">gone</p>`)
	assert.Contains(t, buf.String(), `class="site-header"`, "the default layout still wraps the page")
}

func TestBrokenThemeFailsOpen(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error
	}{
		{
			name:  "syntax error in a page",
			files: map[string]string{"templates/article.html": "{{define \"main\"}}\n<h1>{{.Title}</h1>{{end}}"},
			want:  []string{"templates/article.html:2", "bad character"},
		},
		{
			name:  "unknown function",
			files: map[string]string{"templates/home.html": `{{define "main"}}{{frobnicate .}}{{end}}`},
			want:  []string{"templates/home.html:1", "frobnicate"},
		},
		{
			name:  "syntax error in the layout",
			files: map[string]string{"templates/layout.html": "{{define \"layout\"}}\n\n{{if}}{{end}}"},
			want:  []string{"templates/layout.html:3", "missing value for if"},
		},
		{
			name:  "ambiguous URL context found when escaping",
			files: map[string]string{"templates/folder.html": `{{define "main"}}<a href="{{.URL}}{{.URL}}>x</a>{{end}}`},
			want:  []string{"templates/folder.html"},
		},
		{
			name:  "no layout",
			files: map[string]string{"templates/layout.html": `{{define "other"}}{{end}}`},
			want:  []string{"layout"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTheme(t, tt.files)
			_, err := Open(dir)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			for p := range tt.files {
				if strings.HasPrefix(p, "templates/") && !strings.Contains(tt.name, "layout") {
					assert.Contains(t, err.Error(), filepath.Join(dir, filepath.FromSlash(p)), "the error names the file in the theme folder")
				}
			}
		})
	}
}

func TestOpenMissingFolder(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope")

	_, err = Open(t.TempDir())
	require.Error(t, err, "an empty folder is almost certainly the wrong folder")
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"critical": "critical", "Critical!": "critical", `warning" onclick="x`: "warning-onclick-x", "": "", "--a--b--": "a-b", "ü": "",
	} {
		assert.Equal(t, want, slug(in), in)
	}
}

func TestRenderPart(t *testing.T) {
	th, err := Open("")
	require.NoError(t, err)
	var slot bytes.Buffer
	require.NoError(t, th.RenderPart(&slot, PageArticle, PartLabels, nil))
	assert.Equal(t, `<div class="filled-labels" hidden></div>`, slot.String())

	type label struct{ Name, Value string }
	note := struct {
		Helped bool
		Labels []label
		Filled int
		Back   string
	}{Helped: true, Labels: []label{{"namespace", "shop"}, {"pod", `<x>`}}, Filled: 2, Back: "/runbooks/x?mode=incident"}
	var buf bytes.Buffer
	require.NoError(t, th.RenderPart(&buf, PageArticle, PartLabels, note))
	assert.Equal(t, `<div class="filled-labels" role="note"><p class="thanks" role="status">Thanks: recorded that this page helped.</p>`+
		`<p><strong>Filled in from the alert:</strong> <code class="label">namespace=shop</code> <code class="label">pod=&lt;x&gt;</code></p>`+
		`<p class="muted">Highlighted values in the commands are these labels. <a href="/runbooks/x?mode=incident">Show the placeholders instead</a></p></div>`,
		buf.String())

	assert.Error(t, th.RenderPart(io.Discard, PageHome, PartLabels, nil), "a part belongs to its page")
	assert.Error(t, th.RenderPart(io.Discard, "nope", PartLabels, nil))
}

func TestBrokenPartFailsOpen(t *testing.T) {
	tests := []struct {
		name, labels, want string
	}{
		{name: "no part", labels: `{{define "other"}}{{end}}`, want: `"filled-labels"`},
		{name: "empty slot", labels: `{{define "filled-labels"}}{{with .}}<div>{{.Back}}</div>{{end}}{{end}}`, want: "writes nothing without data"},
		{name: "fails without data", labels: `{{define "filled-labels"}}<div class="{{static "nope.css"}}"></div>{{end}}`, want: `"filled-labels" without data`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(writeTheme(t, map[string]string{"templates/labels.html": tt.labels}))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
