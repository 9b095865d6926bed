package search

import (
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
}

// sectionsOf returns the sections of a's body: one per heading of its
// outline (outlineHeadings, in the same order) after the untitled start.
// A heading is found as a line of the body text at or after the previous
// one; a heading the text does not have starts where the previous one did.
func sectionsOf(a *content.Article) []section {
	out := []section{{}}
	text := a.Doc.Text
	pos := 0
	for _, hd := range a.Doc.Headings {
		if hd.Level == 1 && strings.EqualFold(hd.Text, a.Doc.Title) {
			continue
		}
		off := pos
		if i := lineIndex(text[pos:], hd.Text); i >= 0 {
			off = pos + i
			pos = off + len(hd.Text)
		}
		out = append(out, section{off: off, id: hd.ID, title: hd.Text})
	}
	return out
}

// lineIndex returns the offset in text of the first line that is line, or -1.
func lineIndex(text, line string) int {
	if line == "" {
		return -1
	}
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], line)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(line)
		if (i == 0 || text[i-1] == '\n') && (end == len(text) || text[end] == '\n') {
			return i
		}
		from = i + 1
	}
	return -1
}

// encodeSections writes sections as the stored field fieldSecs: one record
// per section after the first, "offset\x1fid\x1ftitle", separated by \x1e.
func encodeSections(secs []section) string {
	var b strings.Builder
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
