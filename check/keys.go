package check

import (
	"maps"
	"slices"
	"strings"

	"kb/content"
)

// knownKeys returns the front-matter keys content reads, its synonyms
// included ("description").
func knownKeys() []string {
	return append(content.FrontMatterKeys(), slices.Sorted(maps.Keys(content.FrontMatterSynonyms()))...)
}

// suggest returns the known front-matter key that unknown key k is likely a
// typo of: the same key in other letter case or with other separators
// ("Title", "review-every", "reviewEvery"), or one or two letters away
// ("servce", "tag", "alert"; two only for keys of seven letters or more).
// Keys of other documentation systems ("ms.date", "Module Name", "weight")
// are not close to any, so they are not reported one by one.
func suggest(k string) (string, bool) {
	fold := foldKey(k)
	if len(fold) < 2 {
		return "", false
	}
	best, bestDist := "", 3
	for _, known := range knownKeys() {
		if fold == foldKey(known) {
			return known, true
		}
		limit := 1
		if len(known) >= 7 {
			limit = 2
		}
		if len(fold) < 3 || len(known) < 3 {
			continue // "id" is one letter from too much
		}
		if d := distance(strings.ToLower(k), known); d <= limit && d < bestDist {
			best, bestDist = known, d
		}
	}
	return best, best != ""
}

// foldKey lower-cases k and drops separators.
func foldKey(k string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ', '.':
			return -1
		}
		return r
	}, strings.ToLower(k))
}

// distance is the optimal string alignment distance between a and b (edits,
// with a swap of neighbours counted as one), in bytes; keys are short.
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
