package check

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"strings"

	"kb/content"
	"kb/scaffold"
)

// minGuidance is the shortest template prose that counts: shorter lines
// ("The next one.") could be written on purpose.
const minGuidance = 20

// guidance returns the prose of the kb new template for type t (the
// content folder's own template, else the built-in one): its paragraphs and
// list items, whitespace folded, without headings and code. A page that
// still holds one was created with kb new and never filled in.
func (c *checker) guidance(t content.Type) map[string]bool {
	if g, ok := c.templates[t]; ok {
		return g
	}
	if c.templates == nil {
		c.templates = map[content.Type]map[string]bool{}
	}
	g := map[string]bool{}
	if tmpl, _, err := scaffold.Template(c.opts.Files, t); err == nil {
		_, body, _ := content.SplitFrontMatter(tmpl)
		for _, b := range proseBlocks(body) {
			if len(b.text) >= minGuidance {
				g[b.text] = true
			}
		}
	}
	c.templates[t] = g
	return g
}

// block is one paragraph or list item of Markdown, whitespace folded, and
// the line it starts on.
type block struct {
	text string
	line int
}

// proseBlocks splits Markdown into paragraphs and list items, leaving out
// headings, fenced code and HTML.
func proseBlocks(src []byte) []block {
	var out []block
	var cur []string
	start, line := 0, 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, block{text: strings.Join(strings.Fields(strings.Join(cur, " ")), " "), line: start})
		}
		cur = nil
	}
	fence := ""
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		switch {
		case fence != "":
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
			continue
		case strings.HasPrefix(t, "```"), strings.HasPrefix(t, "~~~"):
			flush()
			fence = t[:3]
			continue
		case t == "", strings.HasPrefix(t, "#"), strings.HasPrefix(t, "<"):
			flush()
			continue
		case strings.HasPrefix(t, "- "), strings.HasPrefix(t, "* "), strings.HasPrefix(t, "+ "):
			flush() // each list item on its own
		}
		if len(cur) == 0 {
			start = line
		}
		cur = append(cur, t)
	}
	flush()
	return out
}

// unfilled reports the paragraphs of a that are still the guidance text of
// the kb new template: the page was never filled in.
func (c *checker) unfilled(a *content.Article) {
	if c.opts.Files == nil || a.Unrendered != "" {
		return
	}
	g := c.guidance(a.Type)
	if len(g) == 0 {
		return
	}
	src, err := fs.ReadFile(c.opts.Files, a.Path)
	if err != nil {
		return // unreadable files have their own finding
	}
	_, body, _ := content.SplitFrontMatter(src)
	var left []block
	for _, b := range proseBlocks(body) {
		if g[b.text] {
			left = append(left, b)
		}
	}
	if len(left) == 0 {
		return
	}
	msg := fmt.Sprintf("still holds the kb new template's text (%q): replace it with what this %s needs", clipText(left[0].text, 60), a.Type)
	if len(left) > 1 {
		msg = fmt.Sprintf("%d paragraphs are still the kb new template's text, the first %q: replace them with what this %s needs", len(left), clipText(left[0].text, 60), a.Type)
	}
	c.add(Finding{Path: a.Path, Line: a.FileLine(left[0].line), Kind: KindUnfilled, Level: Error, Message: msg})
}

// clipText shortens s to at most n runes, with an ellipsis.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
