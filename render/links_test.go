package render_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/render"
)

func TestLinks(t *testing.T) {
	tests := []struct {
		name, src string
		want      render.Link // Dest and Line are filled in below
		noSite    bool        // render without a Resolver
		warn      bool
	}{
		{name: "article", src: "[x](backup.md)",
			want: render.Link{Kind: render.LinkArticle, Target: "runbooks/etcd/backup.md", URL: "/runbooks/etcd/backup"}},
		{name: "article with fragment", src: "[x](backup.md#restore)",
			want: render.Link{Kind: render.LinkArticle, Target: "runbooks/etcd/backup.md", URL: "/runbooks/etcd/backup#h-restore", Anchor: "restore"}},
		{name: "fragment already prefixed", src: "[x](backup.md#h-restore)",
			want: render.Link{Kind: render.LinkArticle, Target: "runbooks/etcd/backup.md", URL: "/runbooks/etcd/backup#h-restore", Anchor: "h-restore"}},
		{name: "query and fragment", src: "[x](./backup.md?tab=2#restore)",
			want: render.Link{Kind: render.LinkArticle, Target: "runbooks/etcd/backup.md", URL: "/runbooks/etcd/backup?tab=2#h-restore", Anchor: "restore"}},
		{name: "other folder", src: "[x](../prometheus/alerts.md)",
			want: render.Link{Kind: render.LinkArticle, Target: "runbooks/prometheus/alerts.md", URL: "/runbooks/prometheus/alerts"}},
		{name: "article URL escaped", src: "[x](../../kb/disk%20full.md)",
			want: render.Link{Kind: render.LinkArticle, Target: "kb/disk full.md", URL: "/kb/disk%20full"}},
		{name: "missing article", src: "[x](missing.md)", warn: true,
			want: render.Link{Kind: render.LinkArticle, Target: "runbooks/etcd/missing.md", URL: "/runbooks/etcd/missing", Broken: true}},
		{name: "no resolver", src: "[x](missing.md#a)", noSite: true,
			want: render.Link{Kind: render.LinkArticle, Target: "runbooks/etcd/missing.md", URL: "/runbooks/etcd/missing#h-a", Anchor: "a"}},
		{name: "root-relative article", src: "[x](/runbooks/etcd/backup.md)",
			want: render.Link{Kind: render.LinkArticle, Target: "runbooks/etcd/backup.md", URL: "/runbooks/etcd/backup"}},
		{name: "absolute path kept", src: "[x](/search?q=etcd+leader)",
			want: render.Link{Kind: render.LinkArticle, URL: "/search?q=etcd+leader"}},
		{name: "absolute attachment", src: "[x](/runbooks/etcd/img/diagram.png)",
			want: render.Link{Kind: render.LinkAttachment, Target: "runbooks/etcd/img/diagram.png", URL: "/runbooks/etcd/img/diagram.png"}},
		{name: "attachment", src: "[x](img/diagram.png)",
			want: render.Link{Kind: render.LinkAttachment, Target: "runbooks/etcd/img/diagram.png", URL: "/runbooks/etcd/img/diagram.png"}},
		{name: "attachment with space", src: "[x](<../../files/report 2024.pdf#page=2>)",
			want: render.Link{Kind: render.LinkAttachment, Target: "files/report 2024.pdf", URL: "/files/report%202024.pdf#page=2", Anchor: "page=2"}},
		{name: "attachment percent-encoded", src: "[x](../../files/report%202024.pdf)",
			want: render.Link{Kind: render.LinkAttachment, Target: "files/report 2024.pdf", URL: "/files/report%202024.pdf"}},
		{name: "percent-encoding not UTF-8", src: "[x](img/a%80b.png)", warn: true,
			want: render.Link{Kind: render.LinkAttachment, Target: "runbooks/etcd/img/a%80b.png", URL: "/runbooks/etcd/img/a%80b.png", Broken: true}},
		{name: "missing attachment", src: "[x](img/gone.png)", warn: true,
			want: render.Link{Kind: render.LinkAttachment, Target: "runbooks/etcd/img/gone.png", URL: "/runbooks/etcd/img/gone.png", Broken: true}},
		{name: "image", src: "![x](img/diagram.png)",
			want: render.Link{Kind: render.LinkAttachment, Target: "runbooks/etcd/img/diagram.png", URL: "/runbooks/etcd/img/diagram.png", Image: true}},
		{name: "outside the root", src: "[x](../../../etc/passwd)", warn: true,
			want: render.Link{Kind: render.LinkAttachment, Broken: true}},
		{name: "article outside the root", src: "[x](../../../other.md)", warn: true, noSite: true,
			want: render.Link{Kind: render.LinkArticle, Broken: true}},
		{name: "folder", src: "[x](../)",
			want: render.Link{Kind: render.LinkArticle, URL: "/runbooks/"}},
		{name: "anchor", src: "[x](#no-leader)\n\n## No leader",
			want: render.Link{Kind: render.LinkAnchor, URL: "#h-no-leader", Anchor: "no-leader"}},
		{name: "missing anchor", src: "[x](#nowhere)", warn: true,
			want: render.Link{Kind: render.LinkAnchor, URL: "#h-nowhere", Anchor: "nowhere"}},
		{name: "top", src: "[x](#top)",
			want: render.Link{Kind: render.LinkAnchor, URL: "#top", Anchor: "top"}},
		{name: "empty", src: "[x]()",
			want: render.Link{Kind: render.LinkAnchor}},
		{name: "https", src: "[x](https://example.com/a?b=1&c=2#d)",
			want: render.Link{Kind: render.LinkExternal, URL: "https://example.com/a?b=1&c=2#d", Anchor: "d"}},
		{name: "mailto", src: "[x](mailto:oncall@example.com)",
			want: render.Link{Kind: render.LinkExternal, URL: "mailto:oncall@example.com"}},
		{name: "protocol-relative", src: "[x](//example.com/x)",
			want: render.Link{Kind: render.LinkExternal, URL: "//example.com/x"}},
		{name: "non-ASCII", src: "[x](https://de.wikipedia.org/wiki/Äther)",
			want: render.Link{Kind: render.LinkExternal, URL: "https://de.wikipedia.org/wiki/%C3%84ther"}},
		{name: "reference", src: "[x][r]\n\n[r]: backup.md \"Backups\"",
			want: render.Link{Kind: render.LinkArticle, Target: "runbooks/etcd/backup.md", URL: "/runbooks/etcd/backup"}},
		{name: "autolink", src: "<https://example.com>",
			want: render.Link{Kind: render.LinkExternal, URL: "https://example.com"}},
		{name: "bare URL", src: "see www.example.com.",
			want: render.Link{Kind: render.LinkExternal, URL: "http://www.example.com"}},
		{name: "bare e-mail", src: "mail oncall@example.com",
			want: render.Link{Kind: render.LinkExternal, URL: "mailto:oncall@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := render.Input{Path: testPath, Source: []byte(tt.src), Links: testSite}
			if tt.noSite {
				in.Links = nil
			}
			doc := renderWith(t, render.New(render.Options{}), in)
			require.NotEmpty(t, doc.Links)
			got := doc.Links[0]
			assert.Equal(t, 1, got.Line)
			got.Dest, got.Line = "", 0
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.warn, len(doc.Warnings) > 0, "warnings: %v", doc.Warnings)
			if tt.want.URL != "" {
				attr := ` href="`
				if tt.want.Image {
					attr = ` src="`
				}
				assert.Contains(t, string(doc.HTML), attr+htmlEscape(tt.want.URL)+`"`)
			}
		})
	}
}

func htmlEscape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '&' {
			b = append(b, "&amp;"...)
		} else {
			b = append(b, s[i])
		}
	}
	return string(b)
}

func TestBrokenLinkMarkup(t *testing.T) {
	doc := renderDoc(t, "[gone](missing.md) ![pic](img/gone.png) [out](../../../x.md) ![out](../../../x.png)\n")
	assert.Equal(t, `<p><a href="/runbooks/etcd/missing" title="broken link &quot;missing.md&quot;: no article runbooks/etcd/missing.md" class="broken-link">gone</a> `+
		`<img src="/runbooks/etcd/img/gone.png" alt="pic" title="broken image &quot;img/gone.png&quot;: no file runbooks/etcd/img/gone.png" class="broken-link" loading="lazy"> `+
		`<a title="broken link &quot;../../../x.md&quot;: outside the content folder" class="broken-link">out</a> `+
		`<span class="broken-link" title="broken image &quot;../../../x.png&quot;: outside the content folder">out</span></p>`+"\n", string(doc.HTML))
	require.Len(t, doc.Warnings, 4)
	for _, w := range doc.Warnings {
		assert.Equal(t, 1, w.Line)
	}
}

func TestLinkLines(t *testing.T) {
	src := "\uFEFF# Title\r\n" + // 1
		"\r\n" + // 2
		"Text [one](backup.md) and\r\n" + // 3
		"more ![two](img/diagram.png \"t\").\r\n" + // 4
		"\r\n" + // 5
		"- item <https://example.com>\r\n" + // 6
		"  www.example.org [ref][r]\r\n" + // 7
		"\r\n" + // 8
		"| a | b |\n|---|---|\n| [cell](missing.md) | x |\n" + // 9-11
		"\n" + // 12
		"Note[^1].\n\n[^1]: See [three](#nowhere).\n" + // 13-15
		"\n[r]: https://example.com/ref\n" // 16-17
	doc := renderDoc(t, src)
	var lines []int
	for _, l := range doc.Links {
		lines = append(lines, l.Line)
	}
	assert.Equal(t, []int{3, 4, 6, 7, 7, 11, 15}, lines)
	assert.Equal(t, []render.Warning{
		{Kind: render.WarnBrokenLink, Line: 11, Message: `broken link "missing.md": no article runbooks/etcd/missing.md`},
		{Kind: render.WarnBrokenAnchor, Line: 15, Subject: "nowhere", Message: `no heading "#nowhere" in this document`},
	}, doc.Warnings)
}

func TestWarningKinds(t *testing.T) {
	tests := []struct {
		name, src string
		kind      render.WarningKind
		subject   string
	}{
		{name: "missing article", src: "[x](missing.md)", kind: render.WarnBrokenLink},
		{name: "missing file", src: "[x](notes.txt)", kind: render.WarnBrokenLink},
		{name: "link outside the root", src: "[x](../../../x.md)", kind: render.WarnBrokenLink},
		{name: "missing image", src: "![x](img/gone.png)", kind: render.WarnBrokenImage},
		{name: "image outside the root", src: "![x](../../../x.png)", kind: render.WarnBrokenImage},
		{name: "missing heading", src: "[x](#h-nowhere)", kind: render.WarnBrokenAnchor, subject: "nowhere"},
		{name: "scheme", src: "[x](JavaScript:alert(1))", kind: render.WarnLinkRemoved, subject: "javascript"},
		{name: "image scheme", src: "![x](xref:Foo)", kind: render.WarnLinkRemoved, subject: "xref"},
		{name: "nesting", src: strings.Repeat("> ", 100) + "x\n", kind: render.WarnShownAsText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := renderDoc(t, tt.src)
			require.Len(t, doc.Warnings, 1)
			assert.Equal(t, tt.kind, doc.Warnings[0].Kind, doc.Warnings[0].Message)
			assert.Equal(t, tt.subject, doc.Warnings[0].Subject)
			assert.Equal(t, 1, doc.Warnings[0].Line)
		})
	}
}
