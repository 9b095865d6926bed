package render

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

// Code highlighting uses chroma directly rather than goldmark-highlighting:
// that extension looks the lexer up for every block (chroma falls back to
// matching every lexer's file globs for unknown names such as "output": 35 s
// over the PowerShell docs), builds a formatter and converts the style to CSS
// for every block, and offers no way to cache. Here lexers come from an index
// built once, tokens become <span class="..."> with chroma's standard class
// names (never style attributes), and highlighted blocks are cached by
// content.

const (
	// maxHighlight is the largest code block highlighted; larger ones are
	// shown plain. chroma's regexp lexers manage about 1 MB/s.
	maxHighlight = 64 << 10
	// codeCacheBytes bounds the highlighted HTML a Renderer keeps.
	codeCacheBytes = 32 << 20
)

// highlighter turns code into chroma-classed HTML. It is safe for
// concurrent use.
type highlighter struct {
	lexers map[string]chroma.Lexer // read-only after newHighlighter

	mu       sync.Mutex
	seed     [2]maphash.Seed
	cur, old map[codeKey]string // two generations: cur fills up, then replaces old
	curBytes int
	maxBytes int
}

type codeKey struct {
	lexer  string
	h1, h2 uint64
	n      int
}

func newHighlighter(maxBytes int) *highlighter {
	return &highlighter{
		lexers:   lexerIndex(),
		seed:     [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		cur:      map[codeKey]string{},
		maxBytes: maxBytes,
	}
}

// lexerIndex maps the lower-case names, aliases and file extensions ("*.ps1"
// gives "ps1") of chroma's lexers to the lexers, as lexers.Get finds them,
// but in one map lookup and for a bounded set of keys: lexers.Get tries every
// file pattern of every lexer for an unknown name, milliseconds each. The
// plain-text lexer is left out: nothing to highlight.
func lexerIndex() map[string]chroma.Lexer {
	all := lexers.GlobalLexerRegistry.Lexers
	index := map[string]chroma.Lexer{}
	// Names win over aliases, as in lexers.Get; both match in any case.
	for _, l := range all {
		for _, alias := range l.Config().Aliases {
			index[strings.ToLower(alias)] = l
		}
	}
	for _, l := range all {
		index[strings.ToLower(l.Config().Name)] = l
	}
	// Then extensions, for the first lexer claiming each, as lexers.Get
	// matches them (case-sensitively).
	for _, l := range all {
		for _, pattern := range l.Config().Filenames {
			ext, ok := strings.CutPrefix(pattern, "*.")
			if !ok || ext == "" || ext != strings.ToLower(ext) || strings.ContainsAny(ext, ".*?[") {
				continue
			}
			if _, ok := index[ext]; !ok {
				index[ext] = l
			}
		}
	}
	for key, l := range index {
		if l.Config().Name == "plaintext" {
			delete(index, key)
			continue
		}
		index[key] = chroma.Coalesce(l)
	}
	return index
}

// plainAttr marks a code block that process decided to write without
// highlighting (Input.NoHighlight). Markdown cannot set it.
const plainAttr = "kb-plain"

// highlights reports whether highlight would try code of size bytes in lang.
func (h *highlighter) highlights(lang string, size int) bool {
	return lang != "" && size <= maxHighlight && h.lexers[lang] != nil
}

// highlight returns the HTML for code in lang, and false when it is not to
// be highlighted (unknown language, too large, or chroma failed).
func (h *highlighter) highlight(lang string, code []byte) (string, bool) {
	if !h.highlights(lang, len(code)) {
		return "", false
	}
	l := h.lexers[lang]
	key := codeKey{
		lexer: l.Config().Name,
		h1:    maphash.Bytes(h.seed[0], code),
		h2:    maphash.Bytes(h.seed[1], code),
		n:     len(code),
	}
	if s, ok := h.get(key); ok {
		return s, true
	}
	it, err := l.Tokenise(nil, string(code))
	if err != nil {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(code) * 3)
	for t := it(); t != chroma.EOF; t = it() {
		if class := tokenClass(t.Type); class != "" {
			b.WriteString(`<span class="`)
			b.WriteString(class)
			b.WriteString(`">`)
			escapeHTML(&b, t.Value)
			b.WriteString(`</span>`)
		} else {
			escapeHTML(&b, t.Value)
		}
	}
	s := b.String()
	h.put(key, s)
	return s, true
}

func (h *highlighter) get(k codeKey) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.cur[k]; ok {
		return s, true
	}
	if s, ok := h.old[k]; ok {
		h.add(k, s)
		return s, true
	}
	return "", false
}

func (h *highlighter) put(k codeKey, s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.add(k, s)
}

// add stores s under k; h.mu is held. When the current generation reaches
// half the budget it becomes the old one and the previous old one is
// dropped, so entries used since survive and memory stays under maxBytes.
func (h *highlighter) add(k codeKey, s string) {
	if h.curBytes+len(s) > h.maxBytes/2 {
		h.old, h.cur, h.curBytes = h.cur, map[codeKey]string{}, 0
	}
	if len(s) > h.maxBytes/2 {
		return
	}
	h.cur[k] = s
	h.curBytes += len(s)
}

// tokenClass returns chroma's CSS class for t ("k", "nf", "s2", ...), the
// nearest ancestor type's when t has none, "" for plain text and whitespace.
func tokenClass(t chroma.TokenType) string {
	if t == chroma.TextWhitespace {
		return ""
	}
	for ; t != 0; t = t.Parent() {
		if class, ok := chroma.StandardTypes[t]; ok {
			return class
		}
	}
	return ""
}

// escapeHTML writes s with &, <, > and " escaped.
func escapeHTML(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// ChromaCSS returns the stylesheet of chroma style name ("github",
// "github-dark", ... see chroma's styles package) for the code blocks Render
// writes. Every rule is prefixed with scope and a space when scope is not
// empty, so a dark style can sit beside a light one:
//
//	ChromaCSS("github", "")
//	ChromaCSS("github-dark", "[data-theme=dark]")
//	// and inside @media (prefers-color-scheme: dark) { ... }:
//	ChromaCSS("github-dark", ":root:not([data-theme=light])")
//
// The rules select ".chroma" (the <pre> of every code block) and
// ".chroma .<token class>".
func ChromaCSS(name, scope string) ([]byte, error) {
	style, ok := styles.Registry[name]
	if !ok {
		return nil, fmt.Errorf("chroma style %q: no such style", name)
	}
	if strings.ContainsAny(scope, "{};") {
		return nil, fmt.Errorf("css scope %q: must be a selector", scope)
	}
	var css bytes.Buffer
	f := chromahtml.New(chromahtml.WithClasses(true), chromahtml.WithCSSComments(false))
	if err := f.WriteCSS(&css, style); err != nil {
		return nil, fmt.Errorf("chroma style %q: %w", name, err)
	}
	if scope == "" {
		return css.Bytes(), nil
	}
	var out bytes.Buffer
	for _, rule := range bytes.SplitAfter(css.Bytes(), []byte("\n")) {
		if len(bytes.TrimSpace(rule)) == 0 {
			continue
		}
		out.WriteString(scope)
		out.WriteByte(' ')
		out.Write(rule)
	}
	return out.Bytes(), nil
}
