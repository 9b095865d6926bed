package search

import (
	"strings"

	"kb/word"
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

// identForms holds the ways an identifier is written.
type identForms struct {
	parts []string // lower-cased parts: kube pod crash looping
	whole string   // parts joined: kubepodcrashlooping
}

// identOf returns the forms of token s; ok is false when s is a single part
// (a plain word such as "leader" has nothing to add).
func identOf(s string) (f identForms, ok bool) { return identOfWith(s, nil) }

// identOfWith is identOf with the learned words of sp kept whole (rule 2).
func identOfWith(s string, sp splitter) (f identForms, ok bool) {
	parts := word.Parts(s)
	if len(parts) < 2 {
		return f, false
	}
	for i, p := range parts {
		parts[i] = strings.ToLower(p)
	}
	whole := strings.Join(parts, "")
	if sp != nil {
		if parts = sp(parts); len(parts) < 2 {
			return f, false
		}
	}
	return identForms{parts: parts, whole: whole}, true
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

// identExpansion returns the parts and whole forms of every distinct
// identifier in texts, space-separated, for indexing beside the text itself.
// With runs, the joined runs of adjacent parts are added too.
func identExpansion(texts []string, runs bool, sp splitter) (expansion, joined string) {
	seen := map[string]bool{}
	var b, j strings.Builder
	for _, t := range texts {
		for start, end := range word.Spans(t) {
			tok := t[start:end]
			if !word.MayHaveParts(tok) {
				continue // a plain word: cheaper to skip here than to split
			}
			key := strings.ToLower(tok)
			if seen[key] {
				continue
			}
			seen[key] = true
			f, ok := identOfWith(tok, sp)
			if !ok {
				continue
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
		}
	}
	return b.String(), j.String()
}

// acronyms returns the acronyms of the long CamelCase identifiers in text,
// space-separated (rule 6): PersistentVolumeClaim is also pvc,
// VirtualMachineInstance vmi, HorizontalPodAutoscaler hpa, as operations
// people write them. Only identifiers of three to five capitalised parts
// make one, so that the acronyms are those in use.
func acronyms(text string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for start, end := range word.Spans(text) {
		tok := text[start:end]
		if !word.MayHaveParts(tok) || strings.ContainsAny(tok, "_-./") {
			continue
		}
		parts := word.Parts(tok)
		if len(parts) < 3 || len(parts) > 5 {
			continue
		}
		var ac strings.Builder
		for _, p := range parts {
			r := p[0]
			if r < 'A' || r > 'Z' || len(p) < 2 {
				ac.Reset()
				break
			}
			ac.WriteByte(r + 'a' - 'A')
		}
		if a := ac.String(); a != "" && !seen[a] {
			seen[a] = true
			b.WriteString(a)
			b.WriteByte(' ')
		}
	}
	return b.String()
}
