package search

import (
	"cmp"
	"math"
	"slices"

	bsearch "github.com/blevesearch/bleve/v2/search"
)

// Ranking rule 14: articles that solved more tickets recently rank a little
// higher. The boost grows with the logarithm of the count and stops at
// maxPopularityBoost, so it reorders near-ties but never lifts an article
// over one that matches clearly better (by more than that factor).
const (
	popularityPerLog   = 0.05 // score × (1 + 0.05·ln(1+n)): 1 ticket +3.5%, 10 +12%, 100 +23%
	maxPopularityBoost = 0.25
)

// popularityBoost is the factor a score is multiplied by for an article that
// solved n tickets recently.
func popularityBoost(n int) float64 {
	if n <= 0 {
		return 1
	}
	return 1 + min(maxPopularityBoost, popularityPerLog*math.Log1p(float64(n)))
}

// boostPopular multiplies the scores of hits by their articles' popularity
// and sorts them again, best first; hits of equal score keep their order.
func boostPopular(hits bsearch.DocumentMatchCollection, popularity func(id string) int) {
	if popularity == nil || len(hits) == 0 {
		return
	}
	changed := false
	for _, h := range hits {
		if f := popularityBoost(popularity(h.ID)); f != 1 {
			h.Score *= f
			changed = true
		}
	}
	if changed {
		slices.SortStableFunc(hits, func(a, b *bsearch.DocumentMatch) int { return cmp.Compare(b.Score, a.Score) })
	}
}
