package render

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// GitHub alerts ("callouts"): a block quote whose first line is one of
// [!NOTE], [!TIP], [!IMPORTANT], [!WARNING], [!CAUTION] (any case, alone on
// the line) renders as
//
//	<div class="callout callout-note" role="note">
//	<p class="callout-title">Note</p>
//	<p>The rest of the quote.</p>
//	</div>
//
// The published goldmark extensions for this (staticnoise/goldmark-callout,
// thiagokokada/goldmark-gh-alerts and its ZMT-Creative fork) describe
// themselves as unstable or deprecated and emit inline SVG, so kb carries
// these few lines instead.

// calloutAttr is the block quote attribute holding the callout's kind, an
// index into calloutKinds. Markdown cannot set block quote attributes.
const calloutAttr = "kb-callout"

var calloutKinds = [...]struct{ marker, class, title string }{
	{"[!note]", "callout-note", "Note"},
	{"[!tip]", "callout-tip", "Tip"},
	{"[!important]", "callout-important", "Important"},
	{"[!warning]", "callout-warning", "Warning"},
	{"[!caution]", "callout-caution", "Caution"},
}

// calloutTransformer is a paragraph transformer: it sees the first paragraph
// of a block quote before inline parsing, while the marker is still plain
// text, removes the marker line and marks the quote.
type calloutTransformer struct{}

func (calloutTransformer) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	quote, ok := node.Parent().(*ast.Blockquote)
	if !ok || quote.FirstChild() != node || node.Lines().Len() == 0 {
		return
	}
	lines := node.Lines()
	seg := lines.At(0)
	first := bytes.TrimSpace(seg.Value(reader.Source()))
	for i, k := range calloutKinds {
		if len(first) == len(k.marker) && bytes.EqualFold(first, []byte(k.marker)) {
			quote.SetAttributeString(calloutAttr, i)
			lines.SetSliced(1, lines.Len())
			if lines.Len() == 0 {
				quote.RemoveChild(quote, node)
			}
			return
		}
	}
}
