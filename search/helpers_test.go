package search

import (
	"context"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/render"
)

// art builds an article as content would after loading and rendering it:
// body is Markdown-ish text whose "# " and "## " lines become the title and
// headings and whose `backticked` spans become code.
func art(p, body string, opts ...func(*content.Article)) *content.Article {
	a := &content.Article{
		Path: p,
		URL:  "/" + strings.TrimSuffix(p, ".md"),
		ID:   strings.ReplaceAll(strings.TrimSuffix(p, ".md"), "/", "-"),
		Type: content.TypeArticle,
	}
	for seg := range strings.SplitSeq(path.Dir(p), "/") {
		if seg == "runbooks" {
			a.Type = content.TypeRunbook
		}
	}
	var text, code []string
	for line := range strings.SplitSeq(body, "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			a.Doc.Title = strings.TrimPrefix(line, "# ")
			a.Doc.Headings = append(a.Doc.Headings, render.Heading{Level: 1, Text: a.Doc.Title})
		case strings.HasPrefix(line, "## "):
			a.Doc.Headings = append(a.Doc.Headings, render.Heading{Level: 2, Text: strings.TrimPrefix(line, "## ")})
		default:
			for i, part := range strings.Split(line, "`") {
				if i%2 == 1 {
					code = append(code, part)
				}
			}
			text = append(text, strings.ReplaceAll(line, "`", ""))
		}
	}
	a.Doc.Text = strings.Join(text, "\n")
	a.Doc.Code = strings.Join(code, "\n")
	a.Title = a.Doc.Title
	if a.Title == "" {
		a.Title = path.Base(a.URL)
	}
	a.Hash = hashOf(body)
	for _, o := range opts {
		o(a)
	}
	return a
}

func withFront(title, service string, alerts, tags []string) func(*content.Article) {
	return func(a *content.Article) {
		if title != "" {
			a.Title = title
		}
		a.Service, a.Alerts, a.Tags = service, alerts, tags
	}
}

func withSummary(s string) func(*content.Article) {
	return func(a *content.Article) { a.Summary = s }
}

func hashOf(s string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := range b {
		b[15-i] = digits[h&15]
		h >>= 4
	}
	return string(b[:])
}

func snapshot(version string, articles ...*content.Article) *content.Snapshot {
	return &content.Snapshot{Articles: articles, Version: version}
}

// openSynced opens an index in a temporary folder and syncs it to articles.
func openSynced(t testing.TB, opts Options, articles ...*content.Article) *Index {
	t.Helper()
	x, err := Open(t.TempDir(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	require.NoError(t, x.Sync(context.Background(), snapshot("v1", articles...)))
	return x
}

// ids returns the ids of the hits, best first.
func ids(res Results) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	return out
}
