package render

import (
	"strings"
	"testing"

	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLexerIndex: the index finds the lexers lexers.Get finds by name,
// alias and extension, and nothing for plain text or unknown names.
func TestLexerIndex(t *testing.T) {
	index := lexerIndex()
	for _, lang := range []string{
		"go", "golang", "bash", "sh", "shell", "zsh", "yaml", "yml", "python", "py", "powershell",
		"ps1", "pwsh", "csharp", "c#", "cs", "xml", "json", "promql", "docker", "dockerfile",
		"hcl", "tf", "sql", "js", "javascript", "typescript", "ts", "toml", "ini", "diff", "rust",
	} {
		got := index[lang]
		if assert.NotNil(t, got, lang) {
			assert.Equal(t, lexers.Get(lang).Config().Name, got.Config().Name, lang)
		}
	}
	for _, lang := range []string{"output", "syntax", "text", "plaintext", "txt", "", strings.Repeat("x", 1000)} {
		assert.Nil(t, index[lang], lang)
	}
	for _, l := range lexers.GlobalLexerRegistry.Lexers { // every name and alias
		for _, name := range append([]string{l.Config().Name}, l.Config().Aliases...) {
			key := strings.ToLower(name)
			want := lexers.Get(key)
			if want.Config().Name == "plaintext" {
				assert.Nil(t, index[key], key)
			} else if assert.NotNil(t, index[key], key) {
				assert.Equal(t, want.Config().Name, index[key].Config().Name, key)
			}
		}
	}
}

func TestHighlightCache(t *testing.T) {
	h := newHighlighter(1 << 10)
	code := []byte("package main\n")
	first, ok := h.highlight("go", code)
	require.True(t, ok)
	again, ok := h.highlight("go", code)
	require.True(t, ok)
	assert.Equal(t, first, again)
	assert.Len(t, h.cur, 1)
	for i := range 40 { // overflow both generations
		_, ok := h.highlight("go", []byte(strings.Repeat("x := 1\n", i+1)))
		require.True(t, ok)
	}
	assert.LessOrEqual(t, h.curBytes, 1<<10/2)
	size := h.curBytes
	for _, s := range h.old {
		size += len(s)
	}
	assert.LessOrEqual(t, size, 1<<10, "memory stays within the budget")

	_, ok = h.highlight("no-such-language", code)
	assert.False(t, ok)
	_, ok = h.highlight("go", make([]byte, maxHighlight+1))
	assert.False(t, ok, "too large")
}
