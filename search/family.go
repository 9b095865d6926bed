package search

import "strings"

// Word families (rule word-family). The Porter stemmer folds the
// inflections of a word (failed, failing, fails: fail) but leaves some
// derived words apart: failure is failur, configuration configur. So
// "rule failing" missed the runbook titled "Rule Failures" for the one
// titled "Missing Rule Evaluations". A stem also matches the other stems
// of its family, at familyWeight.

// familyWeight is the weight of a word matched through its family.
const familyWeight = 0.8

// familyEnding is a pair of stem endings that Porter leaves on words of
// one family: a stem ending in short also stands for the stem ending in
// long instead, and the other way round.
type familyEnding struct{ short, long string }

// familyEndings are the pairs: -ure beside its verb (fail, failure;
// configure, config). -ify beside -ification (notifi, notif) was tried
// too: it gained on dev and lost on a test half.
func familyEndings() []familyEnding {
	return []familyEnding{{"", "ur"}}
}

// minFamilyStem is the shortest stem that has a family, as it is without
// the longer ending: shorter ones (sec of secur, pur) are too ambiguous.
const minFamilyStem = 4

// family returns the other stems of stem's word family.
func family(stem string) []string {
	var out []string
	for _, e := range familyEndings() {
		if base, ok := strings.CutSuffix(stem, e.long); ok {
			if len(base+e.short) >= minFamilyStem {
				out = append(out, base+e.short)
			}
			continue
		}
		if base, ok := strings.CutSuffix(stem, e.short); ok && len(stem) >= minFamilyStem {
			out = append(out, base+e.long)
		}
	}
	return out
}
