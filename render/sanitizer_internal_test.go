package render

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"kb/internal/race"
)

// tokens is b as a sequence of tags (attributes sorted) and unescaped text,
// one a line: two pages with the same tokens are the same document, however
// their entities are written.
func tokens(b []byte) string {
	b = emptyLinks.ReplaceAll(b, nil) // [text]() links to the page itself; the policy drops the empty href
	b = emptyFragment.ReplaceAll(b, []byte(`$1"`))
	z := html.NewTokenizer(bytes.NewReader(b))
	var out, text strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			out.WriteString(text.String())
			return out.String()
		case html.CommentToken:
			continue // goldmark's "raw HTML omitted" notes; comments show nothing
		case html.TextToken:
			text.WriteString(html.UnescapeString(string(z.Text())))
			continue
		}
		if text.Len() > 0 {
			fmt.Fprintf(&out, "text %q\n", text.String())
			text.Reset()
		}
		t := z.Token()
		attrs := make([]string, 0, len(t.Attr))
		for _, a := range t.Attr {
			if a.Key == "href" {
				a.Val = strings.ReplaceAll(a.Val, "%23", "#") // a second # in a fragment, escaped: the same target
			}
			attrs = append(attrs, a.Key+"="+a.Val)
		}
		slices.Sort(attrs)
		fmt.Fprintf(&out, "%d %s %q\n", tt, t.Data, attrs)
	}
}

// Two spellings the sanitizer changes without changing what a reader gets.
var (
	emptyLinks    = regexp.MustCompile(`<a href="">|</a>`)
	emptyFragment = regexp.MustCompile(`(href="[^"#]*)#"`)
)

// TestSanitizerKeepsKBOutput: the allow-list of unsafe_html lets through
// everything kb itself writes: every page of the corpora and the example,
// rendered in the normal mode, is the same document after it.
func TestSanitizerKeepsKBOutput(t *testing.T) {
	t.Parallel()
	roots := []string{"../example/kb", "../../shared/corpus"}
	if _, err := os.Stat(roots[1]); err != nil {
		t.Log("../shared/corpus not found; only the example is checked")
		roots = roots[:1]
	}
	r, policy := New(Options{}), newSanitizer()
	n, seen := 0, 0
	stride := 3 // a third of the corpora keeps make test quick; every markup kb writes occurs in it many times
	if race.Enabled || testing.Short() {
		stride = 30 // the race detector makes rendering ten times slower
	}
	for _, root := range roots {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
				return err
			}
			seen++
			if root != roots[0] && seen%stride != 0 {
				return nil
			}
			src, err := os.ReadFile(p)
			require.NoError(t, err)
			doc, err := r.Render(Input{Path: p, Source: src, NoHighlight: n%10 != 0}) // highlighted code now and then: its markup must pass too, and it is most of the cost
			if err != nil {
				return nil // over a limit: nothing rendered
			}
			n++
			want := tokens(doc.HTML)
			got := tokens(policy.SanitizeBytes(doc.HTML))
			if want != got {
				i := 0
				for i < len(want) && i < len(got) && want[i] == got[i] {
					i++
				}
				t.Errorf("%s: the sanitizer changes kb's own output at\n  kb:  %q\n  now: %q", p, want[max(0, i-100):min(len(want), i+100)], got[max(0, i-100):min(len(got), i+100)])
			}
			return nil
		})
		require.NoError(t, err)
	}
	t.Logf("%d pages compared", n)
	assert.Positive(t, n)
}

// TestUnsafeHTMLSanitized: with unsafe_html, raw HTML that formats stays,
// and what would run, navigate, submit or frame is removed.
func TestUnsafeHTMLSanitized(t *testing.T) {
	src := `<details><summary>More</summary><kbd>Ctrl</kbd> <table><tr><td>cell</td></tr></table></details>

<meta http-equiv="refresh" content="0;url=https://evil.example/">
<base href="https://evil.example/">
<form action="https://evil.example/"><input name="q"><button>go</button></form>
<iframe srcdoc="<script>alert(1)</script>"></iframe>
<iframe src="https://evil.example/"></iframe>
<script>alert(2)</script>
<img src="x.png" onerror="alert(3)" alt="a picture">
<a href="javascript:alert(4)">js</a> <a href="https://example.com/">ok</a>
<style>body{display:none}</style>
<object data="x.swf"></object><embed src="x.swf">
<p style="position:fixed">styled</p>
`
	doc, err := New(Options{UnsafeHTML: true}).Render(Input{Source: []byte(src)})
	require.NoError(t, err)
	got := string(doc.HTML)
	for _, keep := range []string{"<details>", "<summary>More</summary>", "<kbd>Ctrl</kbd>", "<td>cell</td>", `alt="a picture"`, `href="https://example.com/"`, "styled"} {
		assert.Contains(t, got, keep)
	}
	for _, gone := range []string{"<meta", "<base", "<form", "<iframe", "srcdoc", "<script", "onerror", "javascript:", "<style", "<object", "<embed", "position:fixed", "evil.example"} {
		assert.NotContains(t, got, gone)
	}
}

// FuzzUnsafeHTML: whatever raw HTML a file holds, a page rendered with
// UnsafeHTML has no element or attribute that could run or navigate.
func FuzzUnsafeHTML(f *testing.F) {
	f.Add(`<img src=x onerror=alert(1)>`)
	f.Add(`<a href="jav&#x09;ascript:alert(1)">x</a><svg><script>alert(1)</script></svg>`)
	f.Add("<details open ontoggle=alert(1)><summary>x</summary></details>\n\n<iframe srcdoc='<b>'>")
	r := New(Options{UnsafeHTML: true})
	f.Fuzz(func(t *testing.T, src string) {
		doc, err := r.Render(Input{Source: []byte(src)})
		if err != nil {
			return
		}
		z := html.NewTokenizer(bytes.NewReader(doc.HTML))
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "object", "embed", "form", "base", "meta", "link", "svg", "math":
				t.Fatalf("element %s in %q", tok.Data, doc.HTML)
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "srcdoc" || a.Key == "formaction" ||
					(a.Key == "href" || a.Key == "src") && !safeScheme(a.Val) {
					t.Fatalf("attribute %s=%q in %q", a.Key, a.Val, doc.HTML)
				}
			}
		}
	})
}

// safeScheme reports whether u is relative or http(s) or mailto.
func safeScheme(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch strings.ToLower(p.Scheme) {
	case "", "http", "https", "mailto":
		return true
	}
	return false
}
