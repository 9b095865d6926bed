package render_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/render"
)

// FuzzRender: whatever the Markdown, Render does not panic, refuses only
// with a *LimitError, never hangs, writes no executable HTML and
// returns valid UTF-8 with positioned links.
func FuzzRender(f *testing.F) {
	inputs, err := filepath.Glob("testdata/*.md")
	require.NoError(f, err)
	for _, in := range inputs {
		f.Add(mustRead(f, in))
	}
	for _, s := range []string{
		"> [!NOTE]\n> x",
		"[x](javascript&colon;alert(1)) <javascript:x> ![i](data:x)",
		"## A {#a onclick=x}\n\n[a](#a)",
		"|a|b|\n|-|-|\n|[x](../../../y)|`z`|",
		"- [ ] a\n  - [x] b\n\n1. c\n\n> > > d",
		"[^1]\n\n[^1]: [x](x.md)",
		"```go\nfunc(){}\n```\n```unknown\n<b>\n```",
		"*a **b _c ~~d~~ c_ b** a*",
		"\uFEFF# T\r\nx\r\n\x00\xff",
		"<div onclick=x>\n\n*y*\n\n</div>",
		strings.Repeat("> ", 70) + "- - - x",
	} {
		f.Add([]byte(s))
	}
	safe := render.New(render.Options{})
	unsafe := render.New(render.Options{UnsafeHTML: true})
	f.Fuzz(func(t *testing.T, src []byte) {
		in := render.Input{Path: testPath, Source: src, Links: testSite}
		doc, err := renderBounded(t, safe, in)
		if err != nil {
			var le *render.LimitError
			require.ErrorAs(t, err, &le)
			return
		}
		assertSafeHTML(t, doc.HTML)
		assert.True(t, utf8.Valid(doc.HTML), "HTML is valid UTF-8")
		assert.True(t, utf8.ValidString(doc.Text), "Text is valid UTF-8")
		assert.True(t, utf8.ValidString(doc.Code), "Code is valid UTF-8")
		assert.True(t, utf8.ValidString(doc.Title), "Title is valid UTF-8")
		lines := strings.Count(string(src), "\n") + strings.Count(string(src), "\r") + 1
		for _, l := range doc.Links {
			assert.True(t, l.Line >= 1 && l.Line <= lines, "link %q on line %d of %d", l.Dest, l.Line, lines)
			assert.True(t, utf8.ValidString(l.Dest+l.Target+l.URL+l.Anchor), "link %q is valid UTF-8", l.Dest)
		}
		for _, w := range doc.Warnings {
			assert.True(t, w.Line >= 0 && w.Line <= lines, "warning %q on line %d of %d", w.Message, w.Line, lines)
			assert.True(t, utf8.ValidString(w.Message), "warning %q is valid UTF-8", w.Message)
		}
		for _, h := range doc.Headings {
			assert.True(t, utf8.ValidString(h.ID+h.Text), "heading %q is valid UTF-8", h.Text)
		}
		_, err = renderBounded(t, unsafe, in) // no panic, no hang with raw HTML either
		if err != nil {
			var le *render.LimitError
			require.ErrorAs(t, err, &le)
		}
	})
}

// renderBounded renders in and fails t if that takes more than 30 seconds:
// a hang, not a slow machine (an input takes milliseconds).
func renderBounded(t *testing.T, r *render.Renderer, in render.Input) (*render.Doc, error) {
	t.Helper()
	type result struct {
		doc *render.Doc
		err error
	}
	done := make(chan result, 1)
	go func() {
		doc, err := r.Render(in)
		done <- result{doc, err}
	}()
	select {
	case res := <-done:
		return res.doc, res.err
	case <-time.After(30 * time.Second):
		t.Fatalf("Render of %d bytes took more than 30s", len(in.Source))
		return nil, errors.New("timeout")
	}
}
