package search

import (
	"cmp"
	"slices"
	"strings"

	"kb/content"
)

// Titles is the search kb answers with while the index is being built or
// is missing: the articles of snap whose titles contain the most of q's
// words, at most n, in the snapshot's order among equals. Filters and
// paging do not apply.
func Titles(snap *content.Snapshot, q Query, n int) []*content.Article {
	q, err := q.ready()
	if err != nil {
		return nil
	}
	words := q.words.titleWords()
	if len(words) == 0 {
		return nil
	}
	type scored struct {
		a     *content.Article
		score int
	}
	var found []scored
	for _, a := range snap.Articles {
		t := strings.ToLower(a.Title)
		score := 0
		for _, w := range words {
			if strings.Contains(t, w) {
				score++
			}
		}
		if score > 0 {
			found = append(found, scored{a, score})
		}
	}
	slices.SortStableFunc(found, func(x, y scored) int { return cmp.Compare(y.score, x.score) })
	out := make([]*content.Article, 0, min(n, len(found)))
	for _, f := range found[:min(n, len(found))] {
		out = append(out, f.a)
	}
	return out
}

// titleWords are the lower-case words Titles looks for: p's items split at
// spaces, a phrase's first and last words with its quotes, as this fallback
// has always matched them (a phrase is the index's business).
func (p parsed) titleWords() []string {
	var out []string
	for _, it := range p.items {
		text := it.text
		if it.phrase {
			text = `"` + text + `"`
		}
		out = append(out, strings.Fields(strings.ToLower(text))...)
	}
	return out
}
