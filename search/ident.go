package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Identifier analysis. Alert names, error codes, metric names and commands
// are written as one word made of several (KubePodCrashLooping,
// nf_conntrack, kube-state-metrics, etcd_mvcc_db_total_size_in_bytes,
// x509), while people type them whole, lower-cased, or as separate words.
// kb indexes such an identifier as written and also as its parts and as
// the parts joined, and analyses every query word the same way, so all
// spellings meet. This runs in Go before bleve's analysis, which keeps the
// bleve mapping free of custom (globally registered) analysis components.

// maxRunParts bounds the number of parts whose adjacent runs are all
// indexed (n parts give n(n-1)/2 runs); longer identifiers index their
// parts and their whole form only.
const maxRunParts = 6

// isConnector reports whether r joins the parts of one identifier
// (snake_case, kebab-case, dotted.names, paths/like/this).
func isConnector(r rune) bool {
	return r == '_' || r == '-' || r == '.' || r == '/'
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// splitIdent splits one token into its parts at connectors, at lower-to-upper
// case changes (kubePod), before the last capital of a run of capitals that
// starts a word (APIDown → API Down) and at letter/digit boundaries (x509 →
// x 509). Parts keep their case.
func splitIdent(s string) []string {
	var parts []string
	start := -1
	var prev rune
	flush := func(end int) {
		if start >= 0 && end > start {
			parts = append(parts, s[start:end])
		}
		start = -1
	}
	for i, r := range s {
		if !isWordRune(r) {
			flush(i)
			prev = 0
			continue
		}
		if start < 0 {
			start = i
			prev = r
			continue
		}
		boundary := false
		switch {
		case unicode.IsDigit(r) != unicode.IsDigit(prev):
			boundary = true
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			boundary = true
		case unicode.IsLower(r) && unicode.IsUpper(prev):
			// "APIDown": the D starts a new part when it follows capitals.
			pi := i - utf8.RuneLen(prev)
			if pi > start {
				before, _ := utf8.DecodeLastRuneInString(s[:pi])
				if unicode.IsUpper(before) {
					flush(pi)
					start = pi
				}
			}
		}
		if boundary {
			flush(i)
			start = i
		}
		prev = r
	}
	flush(len(s))
	return parts
}

// identForms holds the ways an identifier is written.
type identForms struct {
	parts []string // lower-cased parts: kube pod crash looping
	whole string   // parts joined: kubepodcrashlooping
}

// identOf returns the forms of token s; ok is false when s is a single part
// (a plain word such as "leader" has nothing to add).
func identOf(s string) (f identForms, ok bool) {
	parts := splitIdent(s)
	if len(parts) < 2 {
		return f, false
	}
	for i, p := range parts {
		parts[i] = strings.ToLower(p)
	}
	return identForms{parts: parts, whole: strings.Join(parts, "")}, true
}

// runs returns every run of two or more adjacent parts joined into one word,
// shorter than the whole: crashlooping, podcrash, podcrashlooping, ...
func (f identForms) runs() []string {
	n := len(f.parts)
	if n < 3 {
		return nil
	}
	if n > maxRunParts {
		out := make([]string, 0, n-1)
		for i := 0; i+1 < n; i++ {
			out = append(out, f.parts[i]+f.parts[i+1])
		}
		return out
	}
	var out []string
	for size := 2; size < n; size++ {
		for i := 0; i+size <= n; i++ {
			out = append(out, strings.Join(f.parts[i:i+size], ""))
		}
	}
	return out
}

// identTokens calls fn for every identifier-shaped token of text: a run of
// letters and digits, possibly joined by connectors, that has two or more
// parts. Leading and trailing connectors are not part of the token.
func identTokens(text string, fn func(tok string)) {
	start := -1
	lastWord := -1 // end of the last letter or digit in the current token
	flush := func() {
		if start >= 0 && lastWord > start {
			tok := text[start:lastWord]
			if hasIdentShape(tok) {
				fn(tok)
			}
		}
		start, lastWord = -1, -1
	}
	for i, r := range text {
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
			lastWord = i + utf8.RuneLen(r)
		case isConnector(r) && start >= 0:
			// stays in the token if a letter or digit follows
		default:
			flush()
		}
	}
	flush()
}

// hasIdentShape reports cheaply whether tok would split into two or more
// parts, without allocating.
func hasIdentShape(tok string) bool {
	var prev rune
	for i, r := range tok {
		if i > 0 {
			switch {
			case !isWordRune(r):
				return true
			case unicode.IsDigit(r) != unicode.IsDigit(prev):
				return true
			case unicode.IsUpper(r) && unicode.IsLower(prev):
				return true
			case unicode.IsLower(r) && unicode.IsUpper(prev) && i > 1:
				return true
			}
		}
		prev = r
	}
	return false
}

// identExpansion returns the parts and whole forms of every distinct
// identifier in texts, space-separated, for indexing beside the text itself.
// With runs, the joined runs of adjacent parts are added too.
func identExpansion(texts []string, runs bool) (expansion, joined string) {
	seen := map[string]bool{}
	var b, j strings.Builder
	for _, t := range texts {
		identTokens(t, func(tok string) {
			key := strings.ToLower(tok)
			if seen[key] {
				return
			}
			seen[key] = true
			f, ok := identOf(tok)
			if !ok {
				return
			}
			for _, p := range f.parts {
				b.WriteString(p)
				b.WriteByte(' ')
			}
			b.WriteString(f.whole)
			b.WriteString(" \n")
			if runs {
				for _, r := range f.runs() {
					j.WriteString(r)
					j.WriteByte(' ')
				}
			}
		})
	}
	return b.String(), j.String()
}
