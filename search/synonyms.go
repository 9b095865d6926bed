package search

import (
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
)

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
		"oom":              {"out of memory", "oomkilled"},
		"oomkilled":        {"out of memory", "oom"},
		"cert":             {"certificate"},
		"certs":            {"certificates"},
		"k8s":              {"kubernetes"},
		"db":               {"database"},
		"pg":               {"postgres", "postgresql"},
		"postgres":         {"postgresql"},
		"postgresql":       {"postgres"},
		"auth":             {"authentication"},
		"authn":            {"authentication"},
		"authz":            {"authorization"},
		"config":           {"configuration"},
		"conf":             {"configuration"},
		"repo":             {"repository"},
		"repos":            {"repositories"},
		"ns":               {"namespace"},
		"env":              {"environment"},
		"mem":              {"memory"},
		"perms":            {"permissions"},
		"creds":            {"credentials"},
		"deps":             {"dependencies"},
		"svc":              {"service"},
		"ssl":              {"tls"},
		"tls":              {"ssl"},
		"tmp":              {"temporary"},
		"dir":              {"directory"},
		"vm":               {"virtual machine"},
		"lb":               {"load balancer"},
		"crashloop":        {"crashloopbackoff", "crash loop"},
		"crashloopbackoff": {"crashloop", "crash loop"},
		"max":              {"maximum"},
		"maximum":          {"max"},
		"min":              {"minimum"},
		"minimum":          {"min"},
		"flip":             {"flap"},
		"dup":              {"duplicate"},
		"dupe":             {"duplicate"},
		"same":             {"duplicate"},
		// Kubernetes' short names, as kubectl takes them
		"hpa":  {"horizontal pod autoscaler", "horizontalpodautoscaler"},
		"pv":   {"persistent volume", "persistentvolume"},
		"pvc":  {"persistent volume claim", "persistentvolumeclaim"},
		"sts":  {"statefulset"},
		"ds":   {"daemonset"},
		"rs":   {"replicaset"},
		"cm":   {"configmap"},
		"crd":  {"custom resource definition", "customresourcedefinition"},
		"sa":   {"service account", "serviceaccount"},
		"fd":   {"file descriptor"},
		"fds":  {"file descriptors"},
		"fs":   {"filesystem"},
		"gc":   {"garbage collection"},
		"wal":  {"write ahead log"},
		"conn": {"connection"},
		"req":  {"request"},
		"reqs": {"requests"},
		// an HTTP status and its class, as runbooks and dashboards write it
		"400": {"4xx"}, "401": {"4xx", "unauthorized"}, "403": {"4xx", "forbidden"},
		"404": {"4xx"}, "429": {"4xx", "rate limit"},
		"500": {"5xx"}, "502": {"5xx", "bad gateway"}, "503": {"5xx", "unavailable"},
		"504": {"5xx", "gateway timeout"},
		// a symptom and the figure that measures it
		"slow":    {"latency"},
		"latency": {"slow"},
	}
}

// synonymTable is every synonym kb knows, the defaults and kb.yaml's
// (normalised) together, by the lower-case word and by its stem: a
// synonym listed for flip also serves flipping and flips.
type synonymTable map[string][]string

// stemKey is the key of a stem in a synonymTable; no word starts with NUL.
func stemKey(stem string) string { return "\x00" + stem }

// newSynonymTable builds the table of the defaults and extra, stemming
// each listed word with analyze.
func newSynonymTable(extra map[string][]string, analyze func(string) []string) synonymTable {
	t := synonymTable{}
	add := func(m map[string][]string) {
		for k, vs := range m {
			t[k] = append(t[k], vs...)
			if st := analyze(k); len(st) == 1 && st[0] != k {
				t[stemKey(st[0])] = append(t[stemKey(st[0])], vs...)
			}
		}
	}
	add(defaultSynonyms())
	add(extra)
	return t
}

// of returns the meanings of the lower-case word w, whose stem is stem
// ("" when it has none): those listed for it, for its stem and for any
// word of the same stem, each once.
func (t synonymTable) of(w, stem string) []string {
	out := t[w]
	if stem == "" {
		return out
	}
	for _, vs := range [][]string{t[stem], t[stemKey(stem)]} {
		for _, v := range vs {
			if !slices.Contains(out, v) {
				out = append(out[:len(out):len(out)], v)
			}
		}
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

// proseTerms returns a function giving the terms a makes of a word.
func proseTerms(a analysis.Analyzer) func(string) []string {
	return func(w string) []string {
		var out []string
		for _, t := range a.Analyze([]byte(w)) {
			out = append(out, string(t.Term))
		}
		return out
	}
}
