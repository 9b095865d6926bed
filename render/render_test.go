package render_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/render"
)

func TestTitle(t *testing.T) {
	tests := []struct {
		name, src, title string
		h1               bool // an <h1> stays in the HTML
	}{
		{name: "opening h1", src: "# Disk *full*\n\nText.", title: "Disk full"},
		{name: "setext h1", src: "Disk full\n=========\n\nText.", title: "Disk full"},
		{name: "second h1 stays", src: "# One\n\n# Two\n", title: "One", h1: true},
		{name: "paragraph first", src: "Intro.\n\n# Not the title\n", h1: true},
		{name: "h2 first", src: "## Sub\n\n# Late\n", h1: true},
		{name: "no heading", src: "Just text.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := renderDoc(t, tt.src)
			assert.Equal(t, tt.title, doc.Title)
			assert.Equal(t, tt.h1, strings.Contains(string(doc.HTML), "<h1"))
			for _, h := range doc.Headings {
				assert.NotEqual(t, tt.title, h.Text, "the title is not a heading of the body")
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	for _, src := range []string{"", "\n\n", "\uFEFF", "# Only a title\n"} {
		doc := renderDoc(t, src)
		assert.Empty(t, doc.HTML)
		assert.Empty(t, doc.Text)
		assert.Empty(t, doc.Headings)
		assert.Empty(t, doc.Links)
		assert.Empty(t, doc.Warnings)
	}
}

func TestHeadingIDs(t *testing.T) {
	tests := []struct{ heading, id string }{
		{"Install", "h-install"},
		{"Example 8: Find the owner of a process", "h-example-8-find-the-owner-of-a-process"},
		{"Background operator &", "h-background-operator-"}, // as GitHub: hyphens kept
		{"-Confirm", "h--confirm"},
		{"snake_case name", "h-snake_case-name"},
		{"`kubectl` and **bold**", "h-kubectl-and-bold"},
		{"A [link](backup.md) inside", "h-a-link-inside"},
		{"Über Straße", "h-über-straße"},
		{"日本語のタイトル", "h-日本語のタイトル"},
		{"Emoji 🚀 launch", "h-emoji--launch"},
		{"!!!", "h-section"},
		{"Cost &amp; time", "h-cost--time"},
	}
	for _, tt := range tests {
		t.Run(tt.heading, func(t *testing.T) {
			doc := renderDoc(t, "## "+tt.heading+"\n")
			require.Len(t, doc.Headings, 1)
			assert.Equal(t, tt.id, doc.Headings[0].ID)
			assert.Contains(t, string(doc.HTML), `<h2 id="`+tt.id+`">`)
			assert.Contains(t, string(doc.HTML), `<a class="anchor" href="#`+tt.id+`"`)
		})
	}
}

func TestHeadingIDsUnique(t *testing.T) {
	doc := renderDoc(t, `# Title

## Steps

## Steps

### Steps

## Check {#steps}

## Verify {#h-verify}

## Odd {#odd .wide onclick="alert(1)" style="color:red" data-x=1}
`)
	var ids []string
	for _, h := range doc.Headings {
		ids = append(ids, h.ID)
	}
	// The explicit {#steps} keeps its id; generated ones go around it.
	assert.Equal(t, []string{"h-steps-1", "h-steps-2", "h-steps-3", "h-steps", "h-verify", "h-odd"}, ids)
	assert.Equal(t, render.Heading{Level: 3, ID: "h-steps-3", Text: "Steps"}, doc.Headings[2])
	assert.Contains(t, string(doc.HTML), `<h2 id="h-odd">Odd<a`, "only the id attribute is kept")
}

func TestIDPrefix(t *testing.T) {
	r := render.New(render.Options{IDPrefix: "sec-"})
	doc := renderWith(t, r, render.Input{Path: testPath, Source: []byte(
		"## Install\n\nSee [install](#install) and [backup](backup.md#restore).[^1]\n\n[^1]: A note.\n")})
	html := string(doc.HTML)
	assert.Equal(t, "sec-install", doc.Headings[0].ID)
	assert.Contains(t, html, `href="#sec-install"`)
	assert.Contains(t, html, `href="/runbooks/etcd/backup#sec-restore"`)
	assert.Contains(t, html, `id="sec-fn:1"`)
	assert.Contains(t, html, `href="#sec-fnref:1"`)
}

func TestIDPrefixCleaned(t *testing.T) {
	r := render.New(render.Options{IDPrefix: `x" onclick="alert(1)`})
	doc := renderWith(t, r, render.Input{Source: []byte("## A\n\nB[^1]\n\n[^1]: C\n")})
	assert.Equal(t, "xonclickalert1a", doc.Headings[0].ID)
	assert.Contains(t, string(doc.HTML), `id="xonclickalert1fn:1"`)
}

func TestFootnotes(t *testing.T) {
	doc := renderDoc(t, "Restart the leader[^why].\n\n[^why]: Elections take *seconds*.\n")
	html := string(doc.HTML)
	assert.Contains(t, html, `<sup id="h-fnref:1"><a href="#h-fn:1" class="footnote-ref" role="doc-noteref">1</a></sup>`)
	assert.Contains(t, html, `<li id="h-fn:1">`)
	assert.Contains(t, html, `<a href="#h-fnref:1" class="footnote-backref" role="doc-backlink">`)
	assert.Contains(t, doc.Text, "Elections take seconds.")
	assert.Empty(t, doc.Links, "footnote references are not outgoing links")
	assert.Empty(t, doc.Warnings)
}

func TestGFM(t *testing.T) {
	doc := renderDoc(t, `| Alert | Severity |
|:------|---------:|
| EtcdNoLeader | critical |

- [x] page the owner
- [ ] write the postmortem

~~old~~ new, see https://example.com/status and www.example.org.

Term
: Its definition.
`)
	html := string(doc.HTML)
	assert.Contains(t, html, `<table tabindex="0">`, "a table that scrolls in its box is reachable by keyboard")
	assert.Contains(t, html, `<th align="left">Alert</th>`)
	assert.Contains(t, html, `<td align="right">critical</td>`)
	assert.Contains(t, html, `<ul class="contains-task-list">`)
	assert.Contains(t, html, `<li class="task-list-item"><input type="checkbox" class="task-check" aria-label="Done: page the owner" checked=""> page the owner</li>`)
	assert.Contains(t, html, `<del>old</del>`)
	assert.Contains(t, html, `<a href="https://example.com/status">https://example.com/status</a>`)
	assert.Contains(t, html, `<a href="http://www.example.org">www.example.org</a>`)
	assert.Contains(t, html, "<dl>\n<dt>Term</dt>\n<dd>Its definition.</dd>\n</dl>")
	assert.NotContains(t, html, "style=")
}

func TestBareLinks(t *testing.T) {
	tests := []struct {
		name, src string
		urls      []string
	}{
		{name: "sentence end", src: "See https://example.com/status.", urls: []string{"https://example.com/status"}},
		{name: "underscores", src: "Go to https://example.com/?a=1&WT.mc_id=ps_help now", urls: []string{"https://example.com/?a=1&WT.mc_id=ps_help"}},
		{name: "parentheses", src: "(see www.example.com/a_(b)) and (https://example.com)", urls: []string{"http://www.example.com/a_(b)", "https://example.com"}},
		{name: "e-mail", src: "Mail oncall+etcd@example.com, or call.", urls: []string{"mailto:oncall+etcd@example.com"}},
		{name: "after tab", src: "x	www.example.com", urls: []string{"http://www.example.com"}},
		{name: "in emphasis", src: "*www.example.com*", urls: []string{"http://www.example.com"}},
		{name: "heading", src: "## Status at https://status.example.com", urls: []string{"https://status.example.com"}},
		{name: "table cell", src: "| a |\n|---|\n|www.example.com|", urls: []string{"http://www.example.com"}},
		{name: "two on a line", src: "a@example.com and www.example.org", urls: []string{"mailto:a@example.com", "http://www.example.org"}},
		{name: "inside a word", src: "xwww.example.com and foohttps://example.com", urls: nil},
		{name: "link text", src: "[www.example.com](backup.md)", urls: []string{"/runbooks/etcd/backup"}},
		{name: "code span", src: "`www.example.com`", urls: nil},
		{name: "ftp stays text", src: "ftp://example.com/file", urls: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := renderDoc(t, tt.src)
			var urls []string
			for _, l := range doc.Links {
				urls = append(urls, l.URL)
			}
			assert.Equal(t, tt.urls, urls)
			assert.NotContains(t, doc.Text, "<")
		})
	}
}

func TestCallouts(t *testing.T) {
	for _, kind := range []string{"NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"} {
		t.Run(kind, func(t *testing.T) {
			doc := renderDoc(t, "> [!"+kind+"]\n> Drain the node **first**.\n")
			lower := strings.ToLower(kind)
			title := kind[:1] + lower[1:]
			assert.Equal(t, `<div class="callout callout-`+lower+`" role="note">
<p class="callout-title">`+title+`</p>
<p>Drain the node <strong>first</strong>.</p>
</div>
`, string(doc.HTML))
			assert.Equal(t, "Drain the node first.", doc.Text, "no marker, no title")
		})
	}
	tests := []struct{ name, src, want string }{
		{name: "lower case", src: "> [!warning]\n> Careful.\n", want: `<div class="callout callout-warning" role="note">`},
		{name: "marker alone", src: "> [!TIP]\n", want: "<p class=\"callout-title\">Tip</p>\n</div>"},
		{name: "blocks inside", src: "> [!NOTE]\n> - one\n> - two\n", want: "<p class=\"callout-title\">Note</p>\n<ul>"},
		{name: "paragraph after marker", src: "> [!NOTE]\n>\n> Text.\n", want: "Note</p>\n<p>Text.</p>"},
		{name: "unknown kind", src: "> [!DANGER]\n> Text.\n", want: "<blockquote>\n<p>[!DANGER]\nText.</p>\n</blockquote>"},
		{name: "text after marker", src: "> [!NOTE] Text.\n", want: "<blockquote>"},
		{name: "not first", src: "> Text.\n> [!NOTE]\n", want: "<blockquote>"},
		{name: "plain quote", src: "> Quoted.\n", want: "<blockquote>\n<p>Quoted.</p>\n</blockquote>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Contains(t, string(renderDoc(t, tt.src).HTML), tt.want)
		})
	}
}

func TestCodeBlocks(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
		highlight bool
	}{
		{
			name:      "go",
			src:       "```go\nfunc main() {}\n```\n",
			want:      []string{`<div class="code" data-lang="go"><pre class="chroma" tabindex="0"><code class="language-go"><span class="kd">func</span>`},
			highlight: true,
		},
		{
			name:      "language in upper case",
			src:       "```Bash\necho \"$HOME\"\n```\n",
			want:      []string{`data-lang="bash"`, `<span class="nb">echo</span>`},
			highlight: true,
		},
		{name: "yaml", src: "```yaml\nkey: value\n```\n", want: []string{`<span class="nt">key</span>`}, highlight: true},
		{name: "python", src: "```python\ndef f():\n    return 1\n```\n", want: []string{`<span class="k">def</span>`}, highlight: true},
		{
			name: "unknown language",
			src:  "```output\n<b>&amp;</b>\n```\n",
			want: []string{`<div class="code" data-lang="output"><pre class="chroma" tabindex="0"><code class="language-output">&lt;b&gt;&amp;amp;&lt;/b&gt;` + "\n</code></pre></div>"},
		},
		{
			name: "no language",
			src:  "```\nplain <text>\n```\n",
			want: []string{"<div class=\"code\"><pre class=\"chroma\" tabindex=\"0\"><code>plain &lt;text&gt;\n</code></pre></div>"},
		},
		{name: "indented", src: "    indented\n", want: []string{"<div class=\"code\"><pre class=\"chroma\" tabindex=\"0\"><code>indented\n</code></pre></div>"}},
		{name: "html in code", src: "```go\nx := \"</code><script>\"\n```\n", want: []string{`&lt;/code&gt;&lt;script&gt;`}, highlight: true},
		{name: "too large", src: "```go\n" + strings.Repeat("x := 1\n", 10000) + "```\n", want: []string{`<code class="language-go">x := 1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := renderDoc(t, tt.src)
			html := string(doc.HTML)
			for _, w := range tt.want {
				assert.Contains(t, html, w)
			}
			assert.Equal(t, tt.highlight, strings.Contains(html, "<span class="))
			assert.NotContains(t, html, "style=")
			assert.NotEmpty(t, doc.Code)
			assert.NotContains(t, doc.Text, strings.TrimSpace(doc.Code), "code stays out of the prose")
			assert.False(t, doc.Unhighlighted)

			// Deferred: the same page without the token spans, and the same
			// text, code, headings and links for the search index.
			plain := renderWith(t, render.New(render.Options{}), render.Input{Path: testPath, Source: []byte(tt.src), Links: testSite, NoHighlight: true})
			assert.Equal(t, spanRE.ReplaceAllString(html, ""), string(plain.HTML))
			assert.Equal(t, tt.highlight, plain.Unhighlighted, "Unhighlighted says whether highlighting would change the HTML")
			plain.HTML, plain.Unhighlighted, doc.HTML = nil, false, nil
			assert.Equal(t, doc, plain)
		})
	}
}

// spanRE matches chroma's token spans.
var spanRE = regexp.MustCompile(`</?span[^>]*>`)

func TestTextAndCode(t *testing.T) {
	doc := renderDoc(t, `# Etcd has no leader

Check the **members** with `+"`etcdctl member list`"+` &amp; compare \*carefully\*.
A [link to the backup](backup.md) and ![a diagram](img/diagram.png).

| Member | State |
|--------|-------|
| etcd-0 | <b>down</b> |

> [!WARNING]
> Never delete the data dir.

`+"```bash\netcdctl endpoint health\n```"+`
`)
	assert.Equal(t, "Check the members with etcdctl member list & compare *carefully*. "+
		"A link to the backup and a diagram.\n"+
		"Member\nState\netcd-0\ndown\n"+
		"Never delete the data dir.", doc.Text)
	assert.Equal(t, "etcdctl member list\netcdctl endpoint health\n", doc.Code)
}

func TestSourceNormalization(t *testing.T) {
	lf := renderDoc(t, "# T\n\nLine one\nline two [x](backup.md).\n\n- a\n- b\n")
	crlf := renderDoc(t, "\uFEFF# T\r\n\r\nLine one\r\nline two [x](backup.md).\r\n\r\n- a\r\n- b\r\n")
	cr := renderDoc(t, "# T\r\rLine one\rline two [x](backup.md).\r\r- a\r- b\r")
	assert.Equal(t, string(lf.HTML), string(crlf.HTML))
	assert.Equal(t, string(lf.HTML), string(cr.HTML))
	assert.Equal(t, lf.Text, crlf.Text)
	assert.Equal(t, "T", crlf.Title, "the byte order mark is not part of the title")
	assert.Equal(t, 4, crlf.Links[0].Line)
	assert.Equal(t, 4, cr.Links[0].Line)

	bad := renderDoc(t, "# Bad \xff\xfe bytes\n\nText \x00 with NUL and \xc3 cut.\n")
	assert.True(t, utf8.Valid(bad.HTML))
	assert.True(t, utf8.ValidString(bad.Text))
	assert.True(t, utf8.ValidString(bad.Title))
	assert.Contains(t, bad.Text, "Text \uFFFD with NUL")
}

func TestRawHTML(t *testing.T) {
	src := "<div onclick=\"alert(1)\">block</div>\n\nInline <img src=x onerror=alert(1)> and <b>bold</b>.\n\n<script>alert(1)</script>\n"
	doc := renderDoc(t, src)
	assert.NotContains(t, string(doc.HTML), "<b>")
	assert.Contains(t, string(doc.HTML), "<!-- raw HTML omitted -->")

	unsafe, err := render.New(render.Options{UnsafeHTML: true}).Render(render.Input{Source: []byte(src)})
	require.NoError(t, err)
	assert.Contains(t, string(unsafe.HTML), "<b>bold</b>")
	assert.Contains(t, string(unsafe.HTML), "<div>block</div>", "raw HTML that formats is kept")
	assert.NotContains(t, string(unsafe.HTML), "onclick", "but even UnsafeHTML passes an allow-list")
	assert.NotContains(t, string(unsafe.HTML), "onerror")
	assert.NotContains(t, string(unsafe.HTML), "<script")
}

// TestUnsafeHTMLAnchors: with raw HTML rendered, links to ids written in it
// do not get the prefix.
func TestUnsafeHTMLAnchors(t *testing.T) {
	r := render.New(render.Options{UnsafeHTML: true})
	doc, err := r.Render(render.Input{Source: []byte("See [the MSI](#msi) and [steps](#steps).\n\n<a id=\"msi\"></a>The installer.\n\n## Steps\n")})
	require.NoError(t, err)
	assert.Contains(t, string(doc.HTML), `href="#msi"`)
	assert.Contains(t, string(doc.HTML), `href="#h-steps"`)
	assert.Empty(t, doc.Warnings)
}

func TestChromaCSS(t *testing.T) {
	light, err := render.ChromaCSS("github", "")
	require.NoError(t, err)
	assert.Contains(t, string(light), ".chroma .kd {")
	assert.Contains(t, string(light), ".chroma {")

	dark, err := render.ChromaCSS("github-dark", "[data-theme=dark]")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(dark)), "\n")
	assert.Greater(t, len(lines), 10)
	for _, l := range lines {
		assert.True(t, strings.HasPrefix(l, "[data-theme=dark] ."), l)
		assert.True(t, strings.HasSuffix(l, "}"), l)
	}

	_, err = render.ChromaCSS("no-such-style", "")
	assert.Error(t, err)
	_, err = render.ChromaCSS("github", "x { } y")
	assert.Error(t, err)
}

// TestConcurrentRender renders different documents with different paths and
// resolvers at once: per-call state must not leak between calls.
func TestConcurrentRender(t *testing.T) {
	r := render.New(render.Options{})
	input := func(i int) render.Input {
		var links render.Resolver
		if i%2 == 0 {
			links = testSite
		}
		return render.Input{
			Path: fmt.Sprintf("dir%d/doc.md", i%3),
			Source: []byte(fmt.Sprintf("# Doc %d\n\n## Part %d\n\n[a](backup.md#x) ![i](img/%d.png) [b](#part-%d)\n\n```go\nvar x = %d\n```\n",
				i, i, i, i, i%5)),
			Links: links,
		}
	}
	want := make([]*render.Doc, 24)
	for i := range want {
		want[i] = renderWith(t, r, input(i))
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range want {
				doc, err := r.Render(input(i))
				if assert.NoError(t, err) {
					assert.Equal(t, want[i], doc)
				}
			}
		})
	}
	wg.Wait()
}
