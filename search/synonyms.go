package search

import "strings"

// Synonyms (ranking rule 6). Operations people shorten what runbooks spell
// out (oom, cert, k8s, db) and the other way round. kb ships a short list
// of such pairs, general to operations text; kb.yaml may add more
// (Options.Synonyms). The acronyms of the collection's own identifiers
// (pvc for PersistentVolumeClaim) are indexed with the text instead.

// synonymWeight is the weight of a word matched through a synonym.
const synonymWeight = 0.8

// defaultSynonyms maps a word, lower-cased, to what it also means; each
// meaning is one or more words, all of which must match.
func defaultSynonyms() map[string][]string {
	return map[string][]string{
		"oom":        {"out of memory", "oomkilled"},
		"oomkilled":  {"out of memory", "oom"},
		"cert":       {"certificate"},
		"certs":      {"certificates"},
		"k8s":        {"kubernetes"},
		"db":         {"database"},
		"pg":         {"postgres", "postgresql"},
		"postgres":   {"postgresql"},
		"postgresql": {"postgres"},
		"auth":       {"authentication"},
		"authn":      {"authentication"},
		"authz":      {"authorization"},
		"config":     {"configuration"},
		"conf":       {"configuration"},
		"repo":       {"repository"},
		"repos":      {"repositories"},
		"ns":         {"namespace"},
		"env":        {"environment"},
		"mem":        {"memory"},
		"perms":      {"permissions"},
		"creds":      {"credentials"},
		"deps":       {"dependencies"},
		"svc":        {"service"},
		"ssl":        {"tls"},
		"tls":        {"ssl"},
		"tmp":        {"temporary"},
		"dir":        {"directory"},
		"vm":         {"virtual machine"},
		"lb":         {"load balancer"},
		"crashloop":  {"crashloopbackoff", "crash loop"},
	}
}

// synonymsOf returns the meanings of the lower-case word w: the defaults
// and extra (kb.yaml) together.
func synonymsOf(w string, extra map[string][]string) []string {
	out := defaultSynonyms()[w]
	if e := extra[w]; len(e) > 0 {
		out = append(append([]string{}, out...), e...)
	}
	return out
}

// normaliseSynonyms lower-cases the keys and values of kb.yaml's synonyms
// and makes them work both ways.
func normaliseSynonyms(in map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, vs := range in {
		k = strings.ToLower(strings.TrimSpace(k))
		for _, v := range vs {
			v = strings.ToLower(strings.Join(strings.Fields(v), " "))
			if k == "" || v == "" || v == k {
				continue
			}
			out[k] = append(out[k], v)
			if !strings.Contains(v, " ") {
				out[v] = append(out[v], k)
			}
		}
	}
	return out
}
