package search

import (
	"html"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"

	"kb/word"
)

// highlighter makes snippets: an excerpt of an article around the words a
// query matched. Article text and query are both untrusted, so every byte
// of the excerpt is HTML-escaped and the only markup is the <mark> added
// here.
type highlighter struct {
	marks    marks
	analyzer analysis.Analyzer
	heads    map[string]bool // first two bytes of every marked term, to skip stemming most words
	// ascii has a bit for every head of ASCII bytes (asciiHead) of a
	// marked term or prefix, for cannotMatch; short is set when a marked
	// prefix is shorter than a head, and cannotMatch then decides nothing.
	ascii [128 * 128 / 64]uint64
	short bool
}

type span struct {
	start, end int
	key        string // the term matched, to count distinct ones
}

// snippet returns the excerpt of text (or, failing a match there, of
// summary) with the most distinct matched words.
func (h *highlighter) snippet(text, summary string) template.HTML {
	if s, ok := h.excerpt(text); ok {
		return s
	}
	if s, ok := h.excerpt(summary); ok {
		return s
	}
	if text == "" {
		text = summary
	}
	end := cutAt(text, snippetWidth)
	out := escapeCollapsed(text[:end])
	if end < len(text) {
		out += "…"
	}
	return template.HTML(out) //nolint:gosec // G203: built from escaped text only
}

// excerpt finds the window of text with the best matches; ok is false when
// nothing in text matches.
func (h *highlighter) excerpt(text string) (template.HTML, bool) {
	matches := h.find(text)
	if len(matches) == 0 {
		return "", false
	}
	// slide a window of snippetWidth bytes over the matches, keeping the
	// one with the most distinct terms, then the most matches
	bestI, bestJ, bestDistinct, bestCount := 0, 0, -1, -1
	for i := range matches {
		distinct := map[string]bool{}
		j := i
		for ; j < len(matches) && matches[j].end-matches[i].start <= snippetWidth; j++ {
			distinct[matches[j].key] = true
		}
		if len(distinct) > bestDistinct || len(distinct) == bestDistinct && j-i > bestCount {
			bestI, bestJ, bestDistinct, bestCount = i, j, len(distinct), j-i
		}
	}
	if bestJ == bestI {
		bestJ = bestI + 1
	}
	first, last := matches[bestI], matches[bestJ-1]
	// context before the first match, then fill the width
	start := max(0, first.start-(snippetWidth-(last.end-first.start))/3)
	start = wordStart(text, start)
	end := max(last.end, cutAt(text, start+snippetWidth))
	end = min(end, len(text))
	if end < last.end {
		end = last.end
	}

	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	pos := start
	for _, m := range matches[bestI:] {
		if m.start >= end {
			break
		}
		if m.start < pos {
			continue
		}
		b.WriteString(escapeCollapsed(text[pos:m.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[m.start:m.end]))
		b.WriteString("</mark>")
		pos = m.end
	}
	if pos < end {
		b.WriteString(escapeCollapsed(text[pos:end]))
	}
	if end < len(text) {
		b.WriteString("…")
	}
	return template.HTML(b.String()), true //nolint:gosec // G203: built from escaped text only
}

// find returns the words of text that the query matched, in order.
func (h *highlighter) find(text string) []span {
	if len(h.marks.terms) == 0 && len(h.marks.prefixes) == 0 {
		return nil
	}
	if h.heads == nil {
		h.heads = map[string]bool{}
		for t := range h.marks.terms {
			h.heads[head(t)] = true
			if i, ok := asciiHead(t); ok {
				h.ascii[i/64] |= 1 << (i % 64)
			}
		}
		for _, p := range h.marks.prefixes {
			if i, ok := asciiHead(p); ok {
				h.ascii[i/64] |= 1 << (i % 64)
			}
			h.short = h.short || len(p) < 2 // starts no head of its own (completions start at three letters)
		}
	}
	var out []span
	for start, end := range word.Spans(text) {
		w := text[start:end]
		if h.cannotMatch(w) {
			continue
		}
		if key, ok := h.match(w); ok {
			out = append(out, span{start: start, end: end, key: key})
		}
	}
	return out
}

// cannotMatch reports, without lower-casing or analysing w, that match
// would find nothing in it: a word of one part matches a term, a prefix
// or, once stemmed, a term only when its first two bytes lower-cased begin
// one (head), and most words of a snippet's text begin none. Only words
// starting with two ASCII bytes are decided here; the rest go to match.
// Snippets scan the whole stored text of every hit on the page, so this
// is most of their cost.
func (h *highlighter) cannotMatch(w string) bool {
	if h.short {
		return false
	}
	i, ok := asciiHead(w)
	return ok && h.ascii[i/64]&(1<<(i%64)) == 0 && !word.MayHaveParts(w)
}

// asciiHead numbers head(strings.ToLower(w)) when w starts with two ASCII
// bytes (or is one), which lower-casing leaves two (one) bytes long.
func asciiHead(w string) (uint, bool) {
	lower := func(c byte) uint {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return uint(c)
	}
	switch {
	case len(w) == 0 || w[0] >= utf8.RuneSelf:
		return 0, false
	case len(w) == 1:
		return lower(w[0]) * 128, true // no word holds a NUL: no two-byte head is numbered so
	case w[1] >= utf8.RuneSelf:
		return 0, false
	}
	return lower(w[0])*128 + lower(w[1]), true
}

// match reports whether the word w (an identifier or a plain word) is one
// the query matched, and which term it matched.
func (h *highlighter) match(w string) (string, bool) {
	lw := strings.ToLower(w)
	if key, ok := h.matchWord(lw); ok {
		return key, true
	}
	if !word.MayHaveParts(w) {
		return "", false
	}
	if f, ok := identOf(w); ok {
		if key, ok := h.matchWord(f.whole); ok {
			return key, true
		}
		for _, p := range f.parts {
			if key, ok := h.matchWord(p); ok {
				return key, true
			}
		}
	}
	return "", false
}

func (h *highlighter) matchWord(lw string) (string, bool) {
	if h.marks.terms[lw] {
		return lw, true
	}
	for _, p := range h.marks.prefixes {
		if strings.HasPrefix(lw, p) {
			return p, true
		}
	}
	if !h.heads[head(lw)] {
		return "", false // no marked term starts like this word: its stem would not either
	}
	for _, t := range h.analyzer.Analyze([]byte(lw)) {
		if term := string(t.Term); h.marks.terms[term] {
			return term, true
		}
	}
	return "", false
}

// head is the first two bytes of s, the part stemming never changes.
func head(s string) string {
	if len(s) > 2 {
		return s[:2]
	}
	return s
}

// cutAt returns an index at most n into s that ends a word, or n if s is
// shorter.
func cutAt(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for i := n; i > n-40 && i > 0; i-- {
		if r, _ := utf8.DecodeRuneInString(s[i:]); unicode.IsSpace(r) {
			return i
		}
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// wordStart moves i back to the start of the word it is in.
func wordStart(s string, i int) int {
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsSpace(r) {
			break
		}
		i -= size
	}
	return i
}

// escapeCollapsed escapes s for HTML and collapses runs of white space.
func escapeCollapsed(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return html.EscapeString(b.String())
}
