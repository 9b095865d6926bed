package render

import (
	"bytes"
	"unicode/utf8"
)

var (
	bom         = []byte("\uFEFF")
	replacement = []byte("\uFFFD")
)

// normalize returns src without a leading byte order mark, with CRLF and lone
// CR line endings turned into LF, NUL bytes and invalid UTF-8 turned into
// U+FFFD. Line numbers are unchanged: every line ending is still exactly one
// '\n'. Clean input (the common case) is returned as is, without a copy.
func normalize(src []byte) []byte {
	src = bytes.TrimPrefix(src, bom)
	hasCR := bytes.IndexByte(src, '\r') >= 0
	hasNUL := bytes.IndexByte(src, 0) >= 0
	valid := utf8.Valid(src)
	if !hasCR && !hasNUL && valid {
		return src
	}
	if !valid {
		src = bytes.ToValidUTF8(src, replacement) // copies
	} else {
		src = bytes.Clone(src)
	}
	if hasNUL {
		src = bytes.ReplaceAll(src, []byte{0}, replacement)
	}
	if hasCR {
		out := src[:0] // shrinks in place: never writes ahead of reading
		for i := 0; i < len(src); i++ {
			c := src[i]
			if c == '\r' {
				if i+1 < len(src) && src[i+1] == '\n' {
					continue
				}
				c = '\n'
			}
			out = append(out, c)
		}
		src = out
	}
	return src
}

// lineIndex turns byte offsets in a source into 1-based line numbers. Links
// and warnings come mostly in source order, so it counts newlines forward
// from the previous answer and starts over only when asked about an earlier
// offset.
type lineIndex struct {
	src  []byte
	pos  int // offset of the previous answer
	line int // its line, 0 before the first
}

// lineOf returns the 1-based line of offset pos, or 0 when pos is unknown (< 0).
func (x *lineIndex) lineOf(pos int) int {
	if pos < 0 {
		return 0
	}
	pos = min(pos, len(x.src))
	if x.line == 0 || pos < x.pos {
		x.pos, x.line = 0, 1
	}
	x.line += bytes.Count(x.src[x.pos:pos], []byte{'\n'})
	x.pos = pos
	return x.line
}
