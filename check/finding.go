package check

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Level is how serious a finding is: errors fail kb check, warnings fail it
// only with --strict, infos never do.
type Level string

// The levels of a finding.
const (
	Error   Level = "error"
	Warning Level = "warning"
	Info    Level = "info"
)

// Kind groups findings by what is wrong, for counting and filtering.
type Kind string

// The kinds of finding.
const (
	KindFrontMatter  Kind = "front-matter"  // invalid YAML, wrong types, bad dates or values
	KindUnknownKey   Kind = "unknown-key"   // a front-matter key kb does not know
	KindDuplicate    Kind = "duplicate"     // an id, URL, alias or alert claimed twice
	KindBrokenLink   Kind = "broken-link"   // a link to an article or file that does not exist
	KindBrokenAnchor Kind = "broken-anchor" // a link to a heading that does not exist
	KindBrokenImage  Kind = "broken-image"  // an image that is missing or not an image
	KindReserved     Kind = "reserved-path" // a path that one of kb's own routes shadows
	KindMissingField Kind = "missing-field" // a runbook without alerts, service or owners
	KindStale        Kind = "stale-review"  // reviewed longer ago than review_every
	KindUnfilled     Kind = "unfilled"      // a page still holding the kb new template's guidance text
	KindSize         Kind = "size"          // a file over the size cap
	KindFile         Kind = "file"          // unreadable, binary, not UTF-8, merge conflicts
	KindLink         Kind = "link"          // links removed (scheme) or to renamed files
	KindRender       Kind = "render"        // Markdown shown as text or not rendered
	KindSite         Kind = "site"          // kb.yaml
	KindAccess       Kind = "access"        // a read rule that matches nothing, front matter that tries to widen
	KindOther        Kind = "other"         // anything else content reported
)

// Finding is one problem, positioned in a file of the content folder.
type Finding struct {
	Path    string `json:"path,omitempty"` // root-relative slash path; "" for the whole content folder
	Line    int    `json:"line,omitempty"` // 1-based; 0 for the whole file
	Level   Level  `json:"level"`
	Kind    Kind   `json:"kind"`
	Message string `json:"message"`
}

// String formats f as "path:line: level: message", the form editors and CI
// understand.
func (f Finding) String() string {
	switch {
	case f.Path == "":
		return fmt.Sprintf("%s: %s", f.Level, f.Message)
	case f.Line > 0:
		return fmt.Sprintf("%s:%d: %s: %s", f.Path, f.Line, f.Level, f.Message)
	}
	return fmt.Sprintf("%s: %s: %s", f.Path, f.Level, f.Message)
}

// Count returns the number of errors and warnings among findings.
func Count(findings []Finding) (errors, warnings int) {
	for _, f := range findings {
		switch f.Level {
		case Error:
			errors++
		case Warning:
			warnings++
		}
	}
	return errors, warnings
}

// sortFindings orders findings by path and line, findings about the whole
// folder last, so output never depends on load order.
func sortFindings(fs []Finding) {
	slices.SortFunc(fs, func(a, b Finding) int {
		if (a.Path == "") != (b.Path == "") {
			if a.Path == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(
			strings.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line),
			strings.Compare(string(a.Level), string(b.Level)),
			strings.Compare(string(a.Kind), string(b.Kind)),
			strings.Compare(a.Message, b.Message),
		)
	})
}

// merge folds findings with the same file, level and message (a broken
// image used 400 times in one table) into the first, which lists the lines
// of the others. fs must be sorted.
func merge(fs []Finding) []Finding {
	type key struct {
		path, msg string
		level     Level
	}
	first := map[key]int{}
	lines := map[int][]int{}
	out := fs[:0]
	for _, f := range fs {
		k := key{f.Path, f.Message, f.Level}
		if i, ok := first[k]; ok && f.Path != "" {
			lines[i] = append(lines[i], f.Line)
			continue
		}
		first[k] = len(out)
		out = append(out, f)
	}
	for i, more := range lines {
		times := "times"
		if len(more) == 1 {
			times = "time"
		}
		out[i].Message += fmt.Sprintf(" (%d more %s in this file%s)", len(more), times, lineList(more))
	}
	return out
}

func lineList(lines []int) string {
	const shown = 5
	var b strings.Builder
	for i, l := range lines {
		if l == 0 {
			continue
		}
		if i == shown {
			b.WriteString(", ...")
			break
		}
		if b.Len() == 0 {
			b.WriteString(": lines ")
		} else {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, l)
	}
	return b.String()
}
