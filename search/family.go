package search

import "strings"

// Word families (rule word-family). The Porter stemmer folds the
// inflections of a word (failed, failing, fails: fail) but leaves some
// derived nouns apart: failure is failur, so "rule failing" missed the
// runbook titled "Rule Failures" and found the one titled "Missing Rule
// Evaluations". A stem also matches the stems that differ from it only by
// such a suffix, at familyWeight.

// familyWeight is the weight of a word matched through its family.
const familyWeight = 0.8

// familySuffixes are the endings Porter leaves on derived words of a stem:
// -ure (failure, closure, exposure).
func familySuffixes() []string { return []string{"ur"} }

// minFamilyStem is the shortest stem that has a family: shorter ones
// (sec of secur, pur) are too ambiguous.
const minFamilyStem = 4

// family returns the other stems of stem's word family: stem with each
// family suffix, and stem without one.
func family(stem string) []string {
	var out []string
	for _, suf := range familySuffixes() {
		base, ok := strings.CutSuffix(stem, suf)
		switch {
		case ok && len(base) >= minFamilyStem:
			out = append(out, base)
		case !ok && len(stem) >= minFamilyStem:
			out = append(out, stem+suf)
		}
	}
	return out
}
