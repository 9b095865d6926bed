// Package textdiff shows what changed between two versions of a file: a
// unified diff, line by line with hunks, parsed from git or computed from the
// two texts, and inside a changed line the words that differ.
package textdiff

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Line is one line of a unified diff with its kind for styling:
// "add", "del", "hunk", "meta" or "" for context.
type Line struct {
	Kind, Text string
	Parts      []Part // a changed line that replaces another: its words, the changed ones marked
}

// Part is a piece of a changed line: Changed marks the words that differ
// from the line it replaced (or replaces).
type Part struct {
	Text    string
	Changed bool
}

// contextLines is how many unchanged lines a hunk shows around a change.
const contextLines = 3

// maxWordDiffLine bounds the lines compared word by word: a minified line
// of megabytes would make the word diff slow for little use.
const maxWordDiffLine = 2000

// Files is a unified diff of two versions of a file, line by line,
// with hunks of contextLines lines around each change; it feeds the same
// page as git's diff of one commit.
func Files(a, b string) []Line {
	dmp := diffmatchpatch.New()
	ca, cb, lines := dmp.DiffLinesToRunes(a, b)
	diffs := dmp.DiffMainRunes(ca, cb, false)
	// Each diff's text is a run of whole lines (each ending in "\n" but
	// perhaps the file's last).
	type line struct {
		kind   string // "", "add" or "del"
		text   string
		na, nb int // line numbers in a and b (1-based) before this line
	}
	var all []line
	na, nb := 0, 0
	for _, d := range dmp.DiffCharsToLines(diffs, lines) {
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l == "" {
				continue
			}
			l = strings.TrimSuffix(l, "\n")
			switch d.Type {
			case diffmatchpatch.DiffEqual:
				all = append(all, line{"", " " + l, na, nb})
				na++
				nb++
			case diffmatchpatch.DiffDelete:
				all = append(all, line{"del", "-" + l, na, nb})
				na++
			case diffmatchpatch.DiffInsert:
				all = append(all, line{"add", "+" + l, na, nb})
				nb++
			}
		}
	}
	var out []Line
	for i := 0; i < len(all); {
		if all[i].kind == "" {
			i++
			continue
		}
		// A hunk: from contextLines lines before this change to contextLines
		// lines after the last change closer than 2*contextLines to the next.
		start := max(0, i-contextLines)
		end := i
		for j := i; j < len(all); j++ {
			if all[j].kind != "" {
				end = j
			} else if j-end > 2*contextLines {
				break
			}
		}
		end = min(len(all), end+contextLines+1)
		ca, cb := 0, 0
		for _, l := range all[start:end] {
			if l.kind != "add" {
				ca++
			}
			if l.kind != "del" {
				cb++
			}
		}
		out = append(out, Line{Kind: "hunk", Text: fmt.Sprintf("@@ -%d,%d +%d,%d @@", all[start].na+1, ca, all[start].nb+1, cb)})
		for _, l := range all[start:end] {
			out = append(out, Line{Kind: l.kind, Text: l.text})
		}
		if len(out) >= maxDiffLines {
			out = append(out[:maxDiffLines], Line{Kind: "meta", Text: "… the rest of this change is not shown"})
			break
		}
		i = end
	}
	return out
}

// MarkWords gives each changed line that replaces another (a run of
// removed lines followed by a run of added ones, paired in order) the words
// that differ, so the page highlights them inside the line.
func MarkWords(lines []Line) {
	for i := 0; i < len(lines); {
		if lines[i].Kind != "del" {
			i++
			continue
		}
		d := i
		for d < len(lines) && lines[d].Kind == "del" {
			d++
		}
		a := d
		for a < len(lines) && lines[a].Kind == "add" {
			a++
		}
		for k := 0; k < d-i && d+k < a; k++ {
			del, add := &lines[i+k], &lines[d+k]
			if len(del.Text) > maxWordDiffLine || len(add.Text) > maxWordDiffLine {
				continue
			}
			del.Parts, add.Parts = Words(del.Text[1:], add.Text[1:])
			del.Parts = append([]Part{{Text: "-"}}, del.Parts...)
			add.Parts = append([]Part{{Text: "+"}}, add.Parts...)
		}
		i = a
	}
}

// Words compares two lines word by word (a word is a run of letters and
// digits, every other character a token of its own) and returns each line
// as parts, changed words marked.
func Words(a, b string) (pa, pb []Part) {
	words := map[string]rune{}
	var vocab []string
	encode := func(s string) []rune {
		var rs []rune
		for _, w := range splitWords(s) {
			r, ok := words[w]
			if !ok {
				// Private-use runes never collide with the text's own.
				r = rune(0xF0000 + len(vocab))
				words[w] = r
				vocab = append(vocab, w)
			}
			rs = append(rs, r)
		}
		return rs
	}
	ra, rb := encode(a), encode(b)
	dmp := diffmatchpatch.New()
	diffs := dmp.DiffCleanupSemantic(dmp.DiffMainRunes(ra, rb, false))
	add := func(parts []Part, rs string, changed bool) []Part {
		var sb strings.Builder
		for _, r := range rs {
			sb.WriteString(vocab[r-0xF0000])
		}
		if n := len(parts); n > 0 && parts[n-1].Changed == changed {
			parts[n-1].Text += sb.String()
			return parts
		}
		return append(parts, Part{Text: sb.String(), Changed: changed})
	}
	for _, d := range diffs {
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			pa = add(pa, d.Text, false)
			pb = add(pb, d.Text, false)
		case diffmatchpatch.DiffDelete:
			pa = add(pa, d.Text, true)
		case diffmatchpatch.DiffInsert:
			pb = add(pb, d.Text, true)
		}
	}
	return pa, pb
}

// splitWords cuts s into words and the single characters between them;
// joined, the tokens are s again.
func splitWords(s string) []string {
	var out []string
	start := -1
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		word := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
		switch {
		case word && start < 0:
			start = i
		case !word:
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			out = append(out, s[i:i+n])
		}
		i += n
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// maxDiffLines bounds the diff shown; a huge change is cut with a note.
const maxDiffLines = 5000

// ParseUnified reads git's unified diff into lines with their kinds, at
// most maxDiffLines of them.
func ParseUnified(diff string) []Line {
	var out []Line
	for line := range strings.SplitSeq(strings.TrimRight(diff, "\n"), "\n") {
		if len(out) == maxDiffLines {
			out = append(out, Line{Kind: "meta", Text: "… the rest of this change is not shown"})
			break
		}
		kind := ""
		switch {
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"), strings.HasPrefix(line, "diff "), strings.HasPrefix(line, "index "),
			strings.HasPrefix(line, "similarity "), strings.HasPrefix(line, "rename "), strings.HasPrefix(line, "new file"), strings.HasPrefix(line, "deleted file"):
			kind = "meta"
		case strings.HasPrefix(line, "@@"):
			kind = "hunk"
		case strings.HasPrefix(line, "+"):
			kind = "add"
		case strings.HasPrefix(line, "-"):
			kind = "del"
		}
		out = append(out, Line{Kind: kind, Text: line})
	}
	return out
}
