package search

import (
	"strings"

	"kb/content"
	"kb/word"
)

// Learned words (ranking rule 2). CamelCase splits KubePodCrashLooping
// into the words it is made of, but also OpenShift into open and shift and
// GitLab into git and lab, words that mean something else. A run of
// adjacent CamelCase parts that the collection also writes in lower case
// as a word of its own (openshift-ingress, gitlab.com) is one word: it is
// kept whole, in the index and in queries.

// learnedWords are the lower-case words made of two or three CamelCase
// parts that the collection writes as one word.
type learnedWords map[string]bool

const (
	minLearnedUses = 2 // documents writing the lower-case word, at least
	maxLearnedLen  = 3 // parts merged into one word, at most
)

// learnWords finds the learned words of a collection: runs of two or
// three adjacent parts of its CamelCase words that appear, lower-cased, as
// a word or an identifier part (connectors only) in minLearnedUses
// articles or more.
// An article whose text cannot be read (Article.Text) counts by its title
// and path alone.
func learnWords(articles []*content.Article) learnedWords {
	candidates := map[string]bool{}
	lowerUses := map[string]int{}
	for _, a := range articles {
		seen := map[string]bool{}
		body, code, _ := a.Text() // the index build says which texts are missing
		for _, text := range []string{a.Title, a.Doc.Title, body, code, a.Path} {
			for start, end := range word.Spans(text) {
				tok := text[start:end]
				if hasUpperAfterLower(tok) {
					parts := word.Parts(tok)
					for i := range parts {
						run := strings.ToLower(parts[i])
						for j := i + 1; j < len(parts) && j < i+maxLearnedLen; j++ {
							run += strings.ToLower(parts[j])
							candidates[run] = true
						}
					}
					continue
				}
				for _, f := range word.Fields(tok) {
					if isLowerWord(f) && !seen[f] {
						seen[f] = true
						lowerUses[f]++
					}
				}
			}
		}
	}
	out := learnedWords{}
	for c := range candidates {
		if lowerUses[c] >= minLearnedUses {
			out[c] = true
		}
	}
	return out
}

// hasUpperAfterLower reports whether tok has a capital after a lower-case
// letter: it is CamelCase (OpenShift, kubePod), not a capitalised word.
func hasUpperAfterLower(tok string) bool {
	lower := false
	for _, r := range tok {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z' && lower:
			return true
		}
	}
	return false
}

// isLowerWord reports whether s is a lower-case word of ASCII letters, of
// four letters or more.
func isLowerWord(s string) bool {
	if len(s) < 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// splitter merges the adjacent lower-case parts of an identifier that make
// a learned word; nil merges nothing.
type splitter func(parts []string) []string

// splitter returns the merging of w, or nil when the rule is off or the
// collection taught nothing.
func (w learnedWords) splitter(off ruleSet) splitter {
	if len(w) == 0 || !off.on(RuleLearnedWords) {
		return nil
	}
	return func(parts []string) []string {
		out := parts[:0:0]
		for i := 0; i < len(parts); {
			n := 1
			for k := min(maxLearnedLen, len(parts)-i); k >= 2; k-- {
				if w[strings.Join(parts[i:i+k], "")] {
					n = k
					break
				}
			}
			out = append(out, strings.Join(parts[i:i+n], ""))
			i += n
		}
		return out
	}
}
