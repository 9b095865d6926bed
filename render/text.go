package render

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/util"
)

// textBuilder collects plain text, putting a single separator between the
// pieces it is given: a newline after a block, a space after a soft line
// break, nothing between adjacent inline pieces.
type textBuilder struct {
	b   strings.Builder
	sep byte // separator owed before the next piece: 0, ' ' or '\n'
}

func (t *textBuilder) write(p []byte) {
	if len(p) == 0 {
		return
	}
	if t.sep != 0 && t.b.Len() > 0 {
		t.b.WriteByte(t.sep)
	}
	t.sep = 0
	t.b.Write(p)
}

func (t *textBuilder) space() {
	if t.sep == 0 {
		t.sep = ' '
	}
}

func (t *textBuilder) newline() { t.sep = '\n' }

// String returns the text, copied when the builder's spare capacity (it
// starts at half the source) would stay allocated with it for the life of
// the Doc.
func (t *textBuilder) String() string {
	if t.b.Cap()-t.b.Len() > t.b.Len()/8+64 {
		return strings.Clone(t.b.String())
	}
	return t.b.String()
}

// textValue returns the text of n as a reader sees it: backslash escapes and
// entity references resolved, nothing escaped.
func textValue(n *ast.Text, src []byte) []byte {
	v := n.Value(src)
	if n.IsRaw() || bytes.IndexByte(v, '&') < 0 && bytes.IndexByte(v, '\\') < 0 {
		return v
	}
	v = util.UnescapePunctuations(v)
	v = util.ResolveNumericReferences(v)
	return util.ResolveEntityNames(v)
}

// codeSpanText returns the content of a code span; line endings inside it
// count as spaces, as in the HTML.
func codeSpanText(n *ast.CodeSpan, src []byte) []byte {
	var b []byte
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			v := t.Value(src)
			if bytes.HasSuffix(v, []byte("\n")) {
				b = append(b, v[:len(v)-1]...)
				b = append(b, ' ')
			} else {
				b = append(b, v...)
			}
		}
	}
	return b
}

// inlineText returns the plain text of the inline content of n (a heading's
// text, an image's alt text), trimmed.
func inlineText(n ast.Node, src []byte) string {
	if t, ok := n.FirstChild().(*ast.Text); ok && t.NextSibling() == nil {
		return string(bytes.TrimSpace(textValue(t, src))) // most headings
	}
	var t textBuilder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || c == n {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			t.write(textValue(c, src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				t.space()
			}
		case *ast.String:
			t.write(c.Value)
		case *ast.CodeSpan:
			t.write(codeSpanText(c, src))
			return ast.WalkSkipChildren, nil
		case *ast.AutoLink:
			t.write(c.Label(src))
		case *ast.RawHTML, *east.FootnoteLink:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(t.String())
}
