package render

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// TestLinkifyMatchesGoldmark: the linkify wrapper, which skips words that
// cannot start a link, finds exactly the links goldmark's linkify finds.
func TestLinkifyMatchesGoldmark(t *testing.T) {
	inputs := []string{
		"see www.example.com, https://example.com/a?b=c and http://x.y/z.",
		"mail oncall@example.com or first.last+tag@sub.example.co.uk today",
		"(www.example.com) and (https://example.com/a_(b)) in parentheses",
		"ftp://example.com is text; so is www; and a@b; and @user.",
		"an address at the end of a very long word " + strings.Repeat("x", 100) + "@example.com",
		"tabs\twww.example.com\tand\tme@example.com",
		"a@b.c a@b a.b@c.d e@f.g.h",
	}
	const corpus = "../../shared/corpus"
	if _, err := os.Stat(corpus); err == nil {
		i := 0
		err := filepath.WalkDir(corpus, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
				return err
			}
			if i++; i%10 == 0 {
				b, err := os.ReadFile(p)
				inputs = append(inputs, string(b))
				return err
			}
			return nil
		})
		require.NoError(t, err)
	}
	goldmarks := goldmark.New(goldmark.WithExtensions(
		extension.NewLinkify(extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"}))))
	r := New(Options{})
	found, extra := 0, 0
	for _, in := range inputs {
		src := []byte(in)
		want := autoLinks(goldmarks.Parser().Parse(text.NewReader(src)), src)
		pc := parser.NewContext()
		st := newState(r, Input{Source: src}, src, pc)
		pc.Set(stateKey, st)
		root := r.md.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
		require.NoError(t, st.process(root))
		got := autoLinks(root, src)
		// Every link goldmark finds, in order; and more only where goldmark
		// misses a link after an emphasis delimiter.
		i := 0
		for _, g := range got {
			if i < len(want) && g == want[i] {
				i++
				continue
			}
			extra++
			t.Logf("also linked: %q", g)
		}
		assert.Equal(t, len(want), i, "links found by goldmark in %.100q: %q, by kb: %q", in, want, got)
		found += len(want)
	}
	assert.Greater(t, found, 10)
	assert.LessOrEqual(t, extra, found/20+2)
}

func autoLinks(root ast.Node, src []byte) []string {
	var links []string
	_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if l, ok := n.(*ast.AutoLink); ok && entering {
			links = append(links, string(l.URL(src)))
		}
		return ast.WalkContinue, nil
	})
	return links
}
