package render

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// linkify wraps goldmark's linkify parser, which runs at every space of the
// prose and scans the following word for an e-mail address (about a tenth
// of the whole render). The wrapper hands it only the words that can start
// a link: those beginning with "http" or "www.", and those with an '@'
// close enough ahead to be inside them. Bare ftp:// URLs stay text.
type linkify struct {
	p parser.InlineParser
}

// maxLocalPart is the longest local part of an e-mail address (RFC 5321),
// plus room for a tab expanded at the start of a line.
const maxLocalPart = 64 + 8

func newLinkify() linkify {
	return linkify{extension.NewLinkifyParser(extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"}))}
}

func (l linkify) Trigger() []byte { return l.p.Trigger() }

func (l linkify) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, seg := block.PeekLine()
	rest, pos := line, seg.Start
	switch line[0] {
	case ' ', '*', '_', '~', '(':
		rest, pos = line[1:], pos+1
	}
	if bytes.HasPrefix(rest, []byte("http")) || bytes.HasPrefix(rest, []byte("www.")) ||
		stateOf(pc).atAhead(block.Source(), pos) {
		return l.p.Parse(parent, block, pc)
	}
	return nil
}

// atAhead reports whether the source has an '@' at most maxLocalPart bytes
// from pos. Inline parsing moves forward, so the position of the next '@'
// is found once and reused until the parser passes it.
func (st *state) atAhead(src []byte, pos int) bool {
	if pos < st.atFrom || pos > st.at {
		st.atFrom, st.at = pos, len(src)
		if pos < len(src) {
			if i := bytes.IndexByte(src[pos:], '@'); i >= 0 {
				st.at = pos + i
			}
		}
	}
	return st.at < len(src) && st.at-pos <= maxLocalPart
}
