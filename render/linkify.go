package render

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Bare URLs and e-mail addresses ("www.example.com", "https://...",
// "oncall@example.com") become links after parsing, in process, rather than
// by registering goldmark's linkify as an inline parser: registered, it makes
// goldmark stop at every space of the prose (a fifth of the whole render).
// Here a Text node is only looked at where "://", "www." or '@' occur, and
// goldmark's own linkify parser decides there what the link is, so the
// links are the ones it finds. As the GFM spec says, a link may start at the
// start of a line or after whitespace, '(', '*', '_' or '~'.

// newLinkifier returns goldmark's linkify parser; bare ftp:// URLs stay text.
func newLinkifier() parser.InlineParser {
	return extension.NewLinkifyParser(extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"}))
}

// linkify looks for the first bare link starting in t. When there is one it
// cuts t short before it and inserts the AutoLink and a Text node for the
// rest after it; the walk visits both next. goldmark has split the text of a
// line at unmatched delimiters ("...?a=1&WT.mc" "_" "id=2"), so the link may
// go on over the plain Text nodes that follow t on its line; they are merged
// into the link and the rest.
func (st *state) linkify(t *ast.Text) {
	seg := t.Segment
	sc := linkScanner{st: st, t: t, v: st.src[seg.Start:seg.Stop]}
	for from := 0; from < len(sc.v); {
		p := sc.candidate(from)
		if p < 0 {
			return
		}
		last := t // the run of Text nodes the link may cover ends at last
		for !last.SoftLineBreak() && !last.HardLineBreak() {
			next, ok := last.NextSibling().(*ast.Text)
			if !ok || next.IsRaw() || next.Segment.Start != last.Segment.Stop || next.Segment.Padding != 0 {
				break
			}
			last = next
		}
		lines := text.NewSegments()
		lines.Append(text.NewSegment(seg.Start+p, last.Segment.Stop))
		reader := text.NewBlockReader(st.src, lines)
		// p never starts at a delimiter, so the parser adds nothing to parent.
		link, ok := st.linkifier.Parse(t.Parent(), reader, st.pc).(*ast.AutoLink)
		if !ok {
			from = p + 1
			continue
		}
		_, end := reader.Position()
		link.SetPos(seg.Start + p)
		rest := ast.NewTextSegment(text.NewSegment(end.Start, last.Segment.Stop))
		rest.SetSoftLineBreak(last.SoftLineBreak())
		rest.SetHardLineBreak(last.HardLineBreak())
		parent := t.Parent()
		for n := t.NextSibling(); last != t; {
			next := n.NextSibling()
			parent.RemoveChild(parent, n)
			if n == last {
				break
			}
			n = next
		}
		t.Segment = seg.WithStop(seg.Start + p)
		t.SetSoftLineBreak(false)
		t.SetHardLineBreak(false)
		parent.InsertAfter(parent, t, link)
		parent.InsertAfter(parent, link, rest)
		return
	}
}

// linkScanner finds where bare links may start in v, the text of t. It
// remembers the next place of each kind, so that asking again from further
// on does not scan v again: linear however many places turn out not to be
// links.
type linkScanner struct {
	st   *state
	t    *ast.Text
	v    []byte
	next [3]int // per kind (URL, www., e-mail), the first place at or after from[k]
	from [3]int // +1, so that the zero value means not looked for yet
}

// candidate returns the first offset at or after from where a bare link may
// start, or -1.
func (sc *linkScanner) candidate(from int) int {
	best := len(sc.v)
	for k := range sc.next {
		if sc.from[k] == 0 || sc.next[k] < from {
			sc.next[k], sc.from[k] = sc.find(k, from), from+1
		}
		best = min(best, sc.next[k])
	}
	if best == len(sc.v) {
		return -1
	}
	return best
}

// find returns the first offset at or after from where a bare link of kind
// k may start, or len(v).
func (sc *linkScanner) find(k, from int) int {
	v := sc.v
	ok := func(p int) bool { return p >= from && sc.st.linkBoundary(sc.t, v, p) }
	switch k {
	case 0: // http:// and https://
		for i := from; i < len(v); {
			j := bytes.Index(v[i:], []byte("://"))
			if j < 0 {
				break
			}
			j += i
			if j >= 5 && string(v[j-5:j]) == "https" && ok(j-5) {
				return j - 5
			}
			if j >= 4 && string(v[j-4:j]) == "http" && ok(j-4) {
				return j - 4
			}
			i = j + 3
		}
	case 1: // www.
		for i := from; i < len(v); {
			j := bytes.Index(v[i:], []byte("www."))
			if j < 0 {
				break
			}
			if ok(i + j) {
				return i + j
			}
			i += j + 4
		}
	case 2: // local@domain
		for i := from; i < len(v); {
			j := bytes.IndexByte(v[i:], '@')
			if j < 0 {
				break
			}
			j += i
			p := j
			for p > from && j-p < maxLocalPart && isEmailLocal(v[p-1]) {
				p--
			}
			for p < j && isLinkDelimiter(v[p]) { // goldmark's linkify starts after these
				p++
			}
			if p < j && ok(p) {
				return p
			}
			i = j + 1
		}
	}
	return len(v)
}

// maxLocalPart is the longest local part of an e-mail address (RFC 5321).
const maxLocalPart = 64

// linkBoundary reports whether a bare link may start at offset p of v, the
// text of t: at the start of a line or of a table cell, or after whitespace
// or one of the delimiters.
func (st *state) linkBoundary(t *ast.Text, v []byte, p int) bool {
	if p > 0 {
		return isLinkDelimiter(v[p-1]) || v[p-1] == '\t'
	}
	prev := t.PreviousSibling()
	if prev == nil {
		return true
	}
	if pt, ok := prev.(*ast.Text); ok && (pt.SoftLineBreak() || pt.HardLineBreak()) {
		return true
	}
	start := t.Segment.Start
	return start > 0 && (isLinkDelimiter(st.src[start-1]) || st.src[start-1] == '\t' || st.src[start-1] == '\n')
}

func isLinkDelimiter(c byte) bool {
	return c == ' ' || c == '(' || c == '*' || c == '_' || c == '~'
}

// isEmailLocal reports whether c may be part of the local part of an e-mail
// address, as goldmark's util.FindEmailIndex accepts it.
func isEmailLocal(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c < 0x80 && bytes.IndexByte([]byte("!#$%&'*+-./=?^_`{|}~"), c) >= 0
}
