package render

import (
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// stateKey finds the *state of one Render call in its parser.Context. Like
// the keys of goldmark's own extensions it is allocated once at start-up and
// never changes.
var stateKey = parser.NewContextKey()

// newMarkdown builds the goldmark pipeline once per Renderer; goldmark.Markdown
// is safe for concurrent use, and everything that differs between calls
// travels in the parser.Context (see state).
func newMarkdown(opts Options, code *highlighter) goldmark.Markdown {
	rendererOpts := []renderer.Option{
		// Priority 100 registers after goldmark's HTML renderer (1000) and the
		// extensions' (500), so these functions win for the kinds they handle.
		renderer.WithNodeRenderers(util.Prioritized(newHTMLRenderer(code), 100)),
	}
	if opts.UnsafeHTML {
		rendererOpts = append(rendererOpts, html.WithUnsafe())
	}
	return goldmark.New(
		goldmark.WithExtensions(
			// align="..." rather than style="text-align:..." keeps tables
			// aligned under a CSP that forbids inline styles.
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
			extension.TaskList,
			extension.NewFootnote(extension.WithFootnoteIDPrefix(opts.IDPrefix)),
			extension.DefinitionList,
			// Bare URLs and e-mail addresses: see linkify.go.
		),
		goldmark.WithParserOptions(
			parser.WithAttribute(), // ## Title {#custom-id}; ids are assigned in process, not by goldmark
			// Guards run before every other parser for their trigger characters.
			parser.WithBlockParsers(util.Prioritized(depthGuard{}, 1)),
			parser.WithInlineParsers(util.Prioritized(inlineGuard{}, 1)),
			parser.WithParagraphTransformers(
				util.Prioritized(refGuard{}, 99),            // before link reference definitions (100)
				util.Prioritized(calloutTransformer{}, 150), // after link reference definitions (100)
				util.Prioritized(tableGuard{}, 199),         // before tables (200)
			),
		),
		goldmark.WithRendererOptions(rendererOpts...),
	)
}
