package render

import (
	"path"
	"sort"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
)

// state is everything one Render call owns. The parser reaches it through
// the parser.Context (stateKey); process and finish use it directly. Nodes
// carry what the shared HTML renderer needs (ids, link URLs, callout kinds)
// as attributes, so the renderer itself holds no per-call state.
type state struct {
	opts  Options
	in    Input
	src   []byte // normalized Source: every position below refers to it
	dir   string // folder of in.Path, "." at the root
	lines lineIndex
	pc    parser.Context // of the parse, for the linkify parser

	linkifier parser.InlineParser // goldmark's, shared (linkify.go)
	highlight *highlighter        // the Renderer's, to tell which code blocks it would highlight
	inLink    int                 // depth of links and images being walked

	// Parse-time guards (limits.go).
	inlineBlock          ast.Node // the inline block being parsed
	delimiters, brackets int      // seen in inlineBlock
	bracketWork          int      // bytes after each bracket seen in inlineBlock: what link matching may scan
	clampedInline        ast.Node // last inline block warned about
	clampedDepth         bool     // warned about nesting

	// process (links.go, headings.go).
	linkBytes int             // destination and title bytes seen, against 4*MaxSize
	ids       map[string]bool // heading ids given
	suffix    map[string]int  // id → last -n suffix tried for it
	reserved  map[string]bool // explicit heading ids
	htmlIDs   map[string]bool // ids in raw HTML, with UnsafeHTML
	anchors   []anchorRef

	// The Doc.
	title         string
	unhighlighted bool
	headings      []Heading
	links         []Link
	warnings      []Warning
	text, code    textBuilder
}

// anchorRef is a link to a fragment of this document, checked once every
// heading has its id.
type anchorRef struct {
	id   string // as in the href, prefix included
	line int
}

func newState(r *Renderer, in Input, src []byte, pc parser.Context) *state {
	dir := path.Dir(path.Clean(strings.TrimPrefix(in.Path, "/")))
	st := &state{
		opts:      r.opts,
		pc:        pc,
		linkifier: r.linkifier,
		highlight: r.code,
		in:        in,
		src:       src,
		dir:       dir,
		lines:     lineIndex{src: src},
		ids:       map[string]bool{},
		suffix:    map[string]int{},
		reserved:  map[string]bool{},
		htmlIDs:   map[string]bool{},
	}
	st.text.b.Grow(len(src) / 2)
	return st
}

func stateOf(pc parser.Context) *state {
	return pc.Get(stateKey).(*state)
}

// clampedAt records that structure at source offset pos is shown as text.
func (st *state) clampedAt(pos int, msg string) {
	st.warnings = append(st.warnings, Warning{Kind: WarnShownAsText, Line: st.lines.lineOf(pos), Message: msg})
}

// process turns the parsed tree into kb's: the opening H1 becomes the title,
// headings get ids, links are resolved and checked, and the plain text and
// code are collected. It returns a *LimitError when link reference
// definitions expand beyond the budget.
func (st *state) process(root ast.Node) error {
	if h, ok := root.FirstChild().(*ast.Heading); ok && h.Level == 1 {
		st.title = inlineText(h, st.src)
		root.RemoveChild(root, h)
	}
	st.reserveIDs(root)
	err := ast.Walk(root, st.visit)
	if err != nil {
		return err
	}
	st.checkAnchors()
	return nil
}

func (st *state) visit(node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		switch node.Kind() {
		case ast.KindLink, ast.KindImage:
			st.inLink--
		}
		if node.Type() == ast.TypeBlock {
			st.text.newline()
		}
		return ast.WalkContinue, nil
	}
	switch n := node.(type) {
	case *ast.Heading:
		st.heading(n)
	case *ast.Text:
		if st.inLink == 0 && !n.IsRaw() {
			st.linkify(n)
		}
		st.text.write(textValue(n, st.src))
		if n.HardLineBreak() {
			st.text.newline()
		} else if n.SoftLineBreak() {
			st.text.space()
		}
	case *ast.String:
		st.text.write(n.Value)
	case *ast.CodeSpan:
		code := codeSpanText(n, st.src)
		st.text.write(code)
		st.code.write(code)
		st.code.newline()
		return ast.WalkSkipChildren, nil
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		if f, ok := n.(*ast.FencedCodeBlock); ok && st.in.NoHighlight {
			st.deferHighlight(f)
		}
		lines := n.Lines()
		for i := range lines.Len() {
			seg := lines.At(i)
			st.code.write(seg.Value(st.src))
		}
		st.code.newline()
		return ast.WalkSkipChildren, nil
	case *ast.HTMLBlock, *ast.RawHTML:
		return ast.WalkSkipChildren, nil
	case *ast.Link:
		st.inLink++
		return ast.WalkContinue, st.link(n, n.Destination, n.Title, false)
	case *ast.Image:
		st.inLink++
		return ast.WalkContinue, st.link(n, n.Destination, n.Title, true)
	case *ast.AutoLink:
		return ast.WalkContinue, st.autoLink(n)
	case *east.Table:
		// The theme scrolls wide tables in their own box; a keyboard
		// reaches that box only if it can take focus.
		n.SetAttributeString("tabindex", []byte("0"))
	case *ast.ListItem:
		if fc := n.FirstChild(); fc != nil {
			if _, ok := fc.FirstChild().(*east.TaskCheckBox); ok {
				n.SetAttributeString("class", []byte("task-list-item"))
				n.Parent().SetAttributeString("class", []byte("contains-task-list"))
			}
		}
	}
	return ast.WalkContinue, nil
}

// deferHighlight marks a fenced code block that the renderer would
// highlight to be written plain (Input.NoHighlight).
func (st *state) deferHighlight(n *ast.FencedCodeBlock) {
	lang := strings.ToLower(string(n.Language(st.src)))
	size := 0
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		size += seg.Len()
	}
	if st.highlight.highlights(lang, size) {
		n.SetAttributeString(plainAttr, true)
		st.unhighlighted = true
	}
}

// finish builds the Doc around the rendered HTML.
func (st *state) finish(html []byte) *Doc {
	sort.SliceStable(st.warnings, func(i, j int) bool { return st.warnings[i].Line < st.warnings[j].Line })
	return &Doc{
		HTML:     html,
		Title:    st.title,
		Headings: st.headings,
		Text:     st.text.String(),
		Code:     st.code.String(),
		Links:    st.links,
		Warnings: st.warnings,

		Unhighlighted: st.unhighlighted,
	}
}
