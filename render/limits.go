package render

import (
	"fmt"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// goldmark's parsers are iterative, but several are quadratic on hostile
// input (measured on v1.8.7 with 200 KB inputs: "> " repeated 100k times
// 5.6 s, "1. " 8 s, "[a](" 6 s, "*a_" over 20 s), its renderer and AST walks
// recurse once per nesting level, and GFM tables pad every row to the header
// width (6 KB of pipes became 10 MB of HTML). The guards below clamp all of
// that while parsing, so the tree handed to anything recursive is shallow and
// Render's time grows linearly with its input (the worst input found, a 1 MB
// line of "[a](", takes under a second): what is beyond a limit renders as
// literal text and Render reports a Warning.
const (
	// maxNesting is how deep block containers (block quotes, lists, list
	// items, footnotes, definition lists) may nest.
	maxNesting = 64
	// maxDelimiters is how many emphasis or strikethrough delimiter runs one
	// inline block (paragraph, heading, table cell) may have.
	maxDelimiters = 1000
	// maxBrackets is how many '[', ']' and '![' one inline block may have.
	maxBrackets = 1000
	// maxRun is the longest run of '*', '_' or '~' that may still be emphasis.
	maxRun = 32
	// tableSlack is how many table cells beyond twice the table's bytes a
	// table may have (short rows are padded with empty cells).
	tableSlack = 10000
	// maxBracketWork bounds the bytes that link matching may scan in one
	// inline block: for every bracket, what follows it on its line (an
	// unclosed "[a](b" makes goldmark scan to the end; 200k of them on one
	// 1 MB line took 1.1 s). Real paragraphs stay far below it.
	maxBracketWork = 1 << 25
	// maxRefWork bounds link reference definitions times lines in one
	// paragraph: goldmark copies the rest of the paragraph for every
	// definition it takes out (140k one-line definitions took 28 s).
	maxRefWork = 1 << 24
)

// depthGuard is a block parser that runs before all others on the characters
// that open containers. Below maxNesting it declines and the real parsers run;
// at maxNesting it takes the rest of the line as a paragraph instead, so no
// deeper container is ever opened.
type depthGuard struct{}

func (depthGuard) Trigger() []byte {
	return []byte{'>', '-', '+', '*', ':', '[', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'}
}

func (depthGuard) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	switch parent.Kind() {
	case ast.KindList, east.KindDefinitionList:
		// Their parsers assume only items inside; the item is one level more.
		return nil, parser.NoChildren
	}
	if nesting(parent) < maxNesting {
		return nil, parser.NoChildren
	}
	st := stateOf(pc)
	if !st.clampedDepth {
		st.clampedDepth = true
		_, seg := reader.PeekLine()
		st.clampedAt(seg.Start, fmt.Sprintf("blocks nested more than %d deep are shown as text", maxNesting))
	}
	return parser.NewParagraphParser().Open(parent, reader, pc)
}

func (depthGuard) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	return parser.NewParagraphParser().Continue(node, reader, pc)
}

func (depthGuard) Close(node ast.Node, reader text.Reader, pc parser.Context) {
	parser.NewParagraphParser().Close(node, reader, pc)
}

func (depthGuard) CanInterruptParagraph() bool { return true }

func (depthGuard) CanAcceptIndentedLine() bool { return false }

// nesting returns how many blocks enclose n's children, up to maxNesting.
func nesting(n ast.Node) int {
	d := 0
	for ; n != nil && n.Kind() != ast.KindDocument && d < maxNesting; n = n.Parent() {
		d++
	}
	return d
}

// inlineGuard is an inline parser that runs before all others on delimiter
// and bracket characters. It counts them per inline block and, past the
// limits, turns them into literal text before the quadratic emphasis and link
// matching sees them.
type inlineGuard struct{}

func (inlineGuard) Trigger() []byte {
	return []byte{'*', '_', '~', '[', ']', '!'}
}

func (inlineGuard) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	st := stateOf(pc)
	if st.inlineBlock != parent {
		st.inlineBlock, st.delimiters, st.brackets, st.bracketWork = parent, 0, 0, 0
	}
	line, seg := block.PeekLine()
	c, n := line[0], 1
	switch c {
	case '*', '_', '~':
		for n < len(line) && line[n] == c {
			n++
		}
		st.delimiters++
		if n <= maxRun && st.delimiters <= maxDelimiters {
			return nil
		}
	case '!':
		if len(line) < 2 || line[1] != '[' {
			return nil
		}
		n = 2
		fallthrough
	default:
		st.brackets++
		st.bracketWork += len(line)
		if st.brackets <= maxBrackets && st.bracketWork <= maxBracketWork {
			return nil
		}
	}
	// Past a limit the rest of the line is text at once: one node, not one
	// per marker (a paragraph of a million markers would otherwise hold a
	// million nodes).
	if rest := len(line); rest > n {
		if line[rest-1] == '\n' {
			rest--
		}
		n = max(n, rest)
	}
	if st.clampedInline != parent {
		st.clampedInline = parent
		st.clampedAt(seg.Start, "too many emphasis or link markers in one paragraph; the rest are shown as text")
	}
	block.Advance(n)
	return ast.NewTextSegment(seg.WithStop(seg.Start + n))
}

// tableGuard is a paragraph transformer that runs just before the GFM table
// transformer. A paragraph that would become a table with many more cells
// than it has bytes (a wide header over many short rows) is replaced by a
// plain paragraph the table transformer never sees.
type tableGuard struct{}

func (tableGuard) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	lines := node.Lines()
	if lines.Len() < 2 {
		return
	}
	src := reader.Source()
	size := 0
	for i := range lines.Len() {
		seg := lines.At(i)
		size += seg.Len()
	}
	for i := 1; i < lines.Len(); i++ {
		// Every line that may be a delimiter row counts, not only the first,
		// so this never misses a table the real transformer builds.
		seg := lines.At(i)
		cols := delimiterColumns(seg.Value(src))
		if cols == 0 || cols*(lines.Len()-i+1) <= 2*size+tableSlack {
			continue
		}
		replaceParagraph(node, src)
		stateOf(pc).clampedAt(node.Pos(), fmt.Sprintf("table of %d columns and %d rows is too large; shown as text", cols, lines.Len()-i))
		return
	}
}

// refGuard is a paragraph transformer that runs just before goldmark's link
// reference definition transformer. A paragraph with so many lines that may
// start a definition that taking them out would be quadratic is replaced by
// a plain paragraph: its definitions stay text.
type refGuard struct{}

func (refGuard) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	lines := node.Lines()
	if lines.Len() < 2 {
		return
	}
	src := reader.Source()
	starts := 0 // lines starting with '[': at most that many definitions
	for i := range lines.Len() {
		seg := lines.At(i)
		line := seg.Value(src)
		j := 0
		for j < len(line) && j < 3 && line[j] == ' ' {
			j++
		}
		if j < len(line) && line[j] == '[' {
			starts++
		}
	}
	if starts*lines.Len() <= maxRefWork {
		return
	}
	replaceParagraph(node, src)
	stateOf(pc).clampedAt(node.Pos(), fmt.Sprintf("paragraph of %d lines with %d link reference definitions is too large; shown as text", lines.Len(), starts))
}

// replaceParagraph replaces node, which goldmark is closing, with a plain
// paragraph of the same lines that no later paragraph transformer sees.
func replaceParagraph(node *ast.Paragraph, src []byte) {
	lines := node.Lines()
	plain := ast.NewParagraph()
	plain.SetPos(node.Pos())
	plain.SetBlankPreviousLines(node.HasBlankPreviousLines())
	for j := range lines.Len() { // what the paragraph parser's Close would do
		seg := lines.At(j)
		seg = seg.TrimLeftSpace(src)
		if j == lines.Len()-1 {
			seg = seg.TrimRightSpace(src)
		}
		plain.Lines().Append(seg)
	}
	node.Parent().ReplaceChild(node.Parent(), node, plain)
}

// delimiterColumns returns how many columns line has if it may be a GFM table
// delimiter row ("| --- | :-: |"), else 0. It accepts a superset of what the
// table extension accepts.
func delimiterColumns(line []byte) int {
	cols, dash := 0, false
	for _, c := range line {
		switch c {
		case '-':
			if !dash {
				dash = true
				cols++
			}
		case '|':
			dash = false
		case ':', ' ', '\t', '\n':
		default:
			return 0
		}
	}
	return cols
}
