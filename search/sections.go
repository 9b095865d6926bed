package search

import (
	"slices"
	"strconv"
	"strings"

	"kb/content"
)

// section is one part of an article's body: the text from its heading to
// the next heading. Section 0 is the text before the first heading, which
// has no id.
type section struct {
	off   int    // byte offset of the heading line in the body text
	id    string // the heading's anchor, as in the page's HTML
	title string
	// toc is set on section 0 when it is a table of contents (it repeats
	// headings as lines): its words are the headings', which count in
	// their own sections, and it never is the best section.
	toc bool
}

// tocMark starts the stored sections of an article whose section 0 is a
// table of contents.
const tocMark = "toc\x1e"

// minTOCLines is the number of heading lines before the first heading that
// make the text there a table of contents.
const minTOCLines = 3

// sectionsOf returns the sections of a's body, whose plain text is text:
// one per heading of its outline (outlineHeadings, in the same order)
// after the untitled start.
// Headings are found from the last one back, each as the last line of the
// body text that is the heading, before where the next one was found: a
// table of contents at the top repeats every heading as a line, and
// matching forwards would put every section inside it. A heading the text
// does not have starts where the next one does.
func sectionsOf(a *content.Article, text string) []section {
	var heads []section
	for _, hd := range a.Doc.Headings {
		if hd.Level == 1 && strings.EqualFold(hd.Text, a.Doc.Title) {
			continue
		}
		heads = append(heads, section{id: hd.ID, title: hd.Text})
	}
	end := len(text)
	for i := len(heads) - 1; i >= 0; i-- {
		if j := lastLineIndex(text[:end], heads[i].title); j >= 0 {
			end = j
		}
		heads[i].off = end
	}
	start := section{}
	if len(heads) > 0 {
		n := 0
		for _, line := range strings.Split(text[:heads[0].off], "\n") {
			if slices.ContainsFunc(heads, func(h section) bool { return h.title == line }) {
				n++
			}
		}
		start.toc = n >= minTOCLines
	}
	return append([]section{start}, heads...)
}

// lastLineIndex returns the offset in text of the last line that is line,
// or -1.
func lastLineIndex(text, line string) int {
	if line == "" {
		return -1
	}
	for to := len(text); to > 0; {
		i := strings.LastIndex(text[:to], line)
		if i < 0 {
			return -1
		}
		end := i + len(line)
		if (i == 0 || text[i-1] == '\n') && (end == len(text) || text[end] == '\n') {
			return i
		}
		to = i + len(line) - 1
	}
	return -1
}

// encodeSections writes sections as the stored field fieldSecs: one record
// per section after the first, "offset\x1fid\x1ftitle", separated by \x1e.
func encodeSections(secs []section) string {
	var b strings.Builder
	if len(secs) > 0 && secs[0].toc {
		b.WriteString(tocMark)
	}
	for i, s := range secs {
		if i == 0 {
			continue
		}
		if i > 1 {
			b.WriteByte('\x1e')
		}
		b.WriteString(strconv.Itoa(s.off))
		b.WriteByte('\x1f')
		b.WriteString(s.id)
		b.WriteByte('\x1f')
		b.WriteString(s.title)
	}
	return b.String()
}

// decodeSections reads what encodeSections wrote; damaged records are
// skipped, so a stored field never fails a search.
func decodeSections(s string) []section {
	out := []section{{}}
	s, out[0].toc = strings.CutPrefix(s, tocMark)
	if s == "" {
		return out
	}
	for _, rec := range strings.Split(s, "\x1e") {
		f := strings.SplitN(rec, "\x1f", 3)
		if len(f) != 3 {
			continue
		}
		off, err := strconv.Atoi(f[0])
		if err != nil || off < 0 {
			continue
		}
		out = append(out, section{off: off, id: f[1], title: f[2]})
	}
	return out
}

// sectionAt returns the index of the section holding byte offset off of
// the body.
func sectionAt(secs []section, off int) int {
	i := 0
	for j := 1; j < len(secs); j++ {
		if secs[j].off > off {
			break
		}
		i = j
	}
	return i
}
