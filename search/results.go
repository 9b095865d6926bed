package search

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// A crowd typing sends the same queries again and again within seconds:
// during an incident everyone types the alert's name, and each of them
// sends every prefix of it. The answers of recent searches are kept per
// state of the index (the manifest they were computed under, as for
// prefixCache), for resultTTL at most, so that a repeated query is answered
// without a search slot. A flood of different queries (the costly ones
// admission limits) gains nothing from it and is limited as before.
//
// resultTTL bounds what a search cannot see from the index: the popularity
// boost (Options.Popularity) follows ticket links, which change without a
// write to the index, and a small capped boost may well wait seconds. Ten
// seconds covers a crowd of 64 typing the same hundred queries (each prefix
// comes back every ~5 s); 2,048 answers of a page of hits and facets are
// ~10 MB.
const (
	maxCachedResults = 2048
	resultTTL        = 10 * time.Second
)

type resultCache struct {
	c stateCache[*manifest, cachedResults]
}

type cachedResults struct {
	res Results
	at  time.Time
}

// resultKey is what the answer to q with filters f depends on besides the
// index; ok is false for a query whose answer is not kept (one limited to
// a list of articles, Query.Only).
func resultKey(q Query, f filters) (key string, ok bool) {
	if f.only != nil {
		return "", false
	}
	restricted := "0"
	if f.restricted {
		restricted = "1"
	}
	return strings.Join([]string{q.Text, f.typ, f.service, f.tag, f.path, restricted, f.readable,
		strconv.Itoa(q.PerPage()), strconv.Itoa(q.Offset)}, "\x00"), true
}

// get returns a copy of the answer kept for key under man, if it is recent.
func (c *resultCache) get(man *manifest, key string, now time.Time) (Results, bool) {
	e, ok := c.c.get(man, key)
	if !ok || now.Sub(e.at) > resultTTL || now.Before(e.at) {
		return Results{}, false
	}
	return e.res.clone(), true
}

// put keeps a copy of res for key under man, forgetting the answers of an
// older state, or all of them when the cache is full.
func (c *resultCache) put(man *manifest, key string, res Results, now time.Time) {
	c.c.put(man, key, cachedResults{res: res.clone(), at: now}, maxCachedResults)
}

// clone copies the slices of r that a caller may change (the server drops
// hidden hits), so no two callers share them. Sections and tickets are
// never changed after a search and stay shared.
func (r Results) clone() Results {
	out := r
	out.Hits = slices.Clone(r.Hits)
	out.Highlight = slices.Clone(r.Highlight)
	out.Facets.Type = slices.Clone(r.Facets.Type)
	out.Facets.Service = slices.Clone(r.Facets.Service)
	out.Facets.Tag = slices.Clone(r.Facets.Tag)
	out.Facets.Folder = slices.Clone(r.Facets.Folder)
	if r.Suggestions != nil {
		s := *r.Suggestions
		s.Queries = slices.Clone(s.Queries)
		s.Runbooks = slices.Clone(s.Runbooks)
		out.Suggestions = &s
	}
	return out
}
