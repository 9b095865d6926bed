package render_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/render"
)

// TestUnsafeURLs: a link or image whose destination, once entities and
// escapes are resolved and whitespace and control characters dropped, has
// a scheme other than http, https or mailto is written as its text alone,
// with a warning, in both HTML modes.
func TestUnsafeURLs(t *testing.T) {
	tests := []struct{ name, src string }{
		{"javascript", "[click](javascript:alert(1))"},
		{"mixed case", "[click](JaVaScRiPt:alert(1))"},
		{"named entity colon", "[click](javascript&colon;alert(1))"},
		{"decimal entity", "[click](&#106;avascript:alert(1))"},
		{"hex entity", "[click](&#x6A;&#x61;vascript:alert(1))"},
		{"entity tab", "[click](java&#9;script:alert(1))"},
		{"named tab", "[click](java&Tab;script:alert(1))"},
		{"entity newline", "[click](java&NewLine;script:alert(1))"},
		{"raw tab", "[click](<java\tscript:alert(1)>)"},
		{"leading space", "[click](< javascript:alert(1)>)"},
		{"control character", "[click](<\x01javascript:alert(1)>)"},
		{"escaped colon", "[click](javascript\\:alert(1))"},
		{"comment in scheme", "[click](javascript://%0Aalert(1))"},
		{"data html", "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"},
		{"data image", "![pic](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)"},
		{"vbscript", "[click](vbscript:msgbox(1))"},
		{"file", "[click](file:///etc/passwd)"},
		{"image", "![pic](javascript:alert(1))"},
		{"title kept out", "[click](javascript:alert(1) \"a title\")"},
		{"reference", "[click][r]\n\n[r]: javascript:alert(1)"},
		{"reference entity", "[click][r]\n\n[r]: &#x6A;avascript:alert(1)"},
		{"autolink", "<javascript:alert(1)>"},
		{"autolink mixed case", "<JAVASCRIPT:alert(1)>"},
		{"autolink data", "<data:text/html,alert(1)>"},
		{"unknown scheme", "[click](xref:System.String)"},
		{"nested image", "[![pic](javascript:alert(1))](javascript:alert(2))"},
	}
	for _, unsafeHTML := range []bool{false, true} {
		r := render.New(render.Options{UnsafeHTML: unsafeHTML})
		for _, tt := range tests {
			name := tt.name
			if unsafeHTML {
				name += " with UnsafeHTML"
			}
			t.Run(name, func(t *testing.T) {
				doc, err := r.Render(render.Input{Path: testPath, Source: []byte(tt.src), Links: testSite})
				require.NoError(t, err)
				assertSafeHTML(t, doc.HTML)
				html := strings.ToLower(string(doc.HTML))
				assert.NotContains(t, html, "href=")
				assert.NotContains(t, html, "src=")
				require.NotEmpty(t, doc.Links)
				for _, l := range doc.Links {
					assert.Empty(t, l.URL, l.Dest)
				}
				require.NotEmpty(t, doc.Warnings)
				assert.Contains(t, doc.Warnings[0].Message, "removed: scheme")
				assert.Equal(t, 1, doc.Warnings[0].Line)
			})
		}
	}
}

// TestSafeURLs are kept as written.
func TestSafeURLs(t *testing.T) {
	tests := []struct{ src, href string }{
		{"[x](https://example.com/a_(b))", `href="https://example.com/a_(b)"`},
		{"[x](HTTP://EXAMPLE.COM)", `href="HTTP://EXAMPLE.COM"`},
		{"[x](mailto:a@example.com?subject=etcd%20down)", `href="mailto:a@example.com?subject=etcd%20down"`},
		{"[x](https://example.com/?a=1&b=\"2\")", `href="https://example.com/?a=1&amp;b=%222%22"`},
		{"[x](<https://example.com/a b>)", `href="https://example.com/a%20b"`},
		{"[x](/path:with-colon)", `href="/path:with-colon"`},
		{"[x](#fn:x)", `href="#h-fn:x"`},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			doc := renderDoc(t, tt.src)
			assert.Contains(t, string(doc.HTML), tt.href)
		})
	}
}
