package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Facets are counted by the collector over every hit. Asking bleve for a
// terms facet reads the doc values of each hit and counts strings in a map:
// at 10,000 articles that doubled a plain search. Instead each state of the
// index (a reader snapshot) gets a table, built once from the doc values of
// the facets field, that maps a document to its set of facet values; the
// searcher below counts the hits of each set (one array increment a hit),
// and the sets are added up into the facets at the end.

// facetTable maps the documents of one index snapshot to facet sets.
type facetTable struct {
	snap index.IndexReader // the snapshot it describes (compared by identity)
	doc  map[string]int32  // internal id → index into sets
	sets [][]string        // distinct facet value sets, each sorted
}

// facetTables keeps the table of the latest snapshot searched.
type facetTables struct {
	mu  sync.Mutex
	cur *facetTable
}

// of returns the table of snapshot r, building it if r is new.
func (ft *facetTables) of(r index.IndexReader) (*facetTable, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.cur != nil && ft.cur.snap == r {
		return ft.cur, nil
	}
	t, err := buildFacetTable(r)
	if err != nil {
		return nil, err
	}
	ft.cur = t
	return t, nil
}

func buildFacetTable(r index.IndexReader) (*facetTable, error) {
	ids, err := r.DocIDReaderAll()
	if err != nil {
		return nil, fmt.Errorf("search: facet table: %w", err)
	}
	defer closeDict(ids)
	dv, err := r.DocValueReader([]string{fieldFacets})
	if err != nil {
		return nil, fmt.Errorf("search: facet table: %w", err)
	}
	t := &facetTable{snap: r, doc: map[string]int32{}}
	byKey := map[string]int32{}
	var vals []string
	for {
		id, err := ids.Next()
		if err != nil {
			return nil, fmt.Errorf("search: facet table: %w", err)
		}
		if id == nil {
			break
		}
		vals = vals[:0]
		if err := dv.VisitDocValues(id, func(_ string, term []byte) { vals = append(vals, string(term)) }); err != nil {
			return nil, fmt.Errorf("search: facet table: %w", err)
		}
		slices.Sort(vals)
		vals = slices.Compact(vals)
		key := strings.Join(vals, "\x00")
		s, ok := byKey[key]
		if !ok {
			s = int32(len(t.sets))
			byKey[key] = s
			t.sets = append(t.sets, slices.Clone(vals))
		}
		t.doc[string(id)] = s
	}
	return t, nil
}

// facetCounter counts the hits of each facet set during one search.
type facetCounter struct {
	tables *facetTables
	table  *facetTable
	counts []int
	err    error
}

// values returns the facet values counted, as bleve's terms facet would.
func (c *facetCounter) values() map[string]int {
	out := map[string]int{}
	if c.table == nil {
		return out
	}
	for s, n := range c.counts {
		if n > 0 {
			for _, v := range c.table.sets[s] {
				out[v] += n
			}
		}
	}
	return out
}

// countingQuery runs q and counts the facet sets of its hits.
type countingQuery struct {
	q query.Query
	c *facetCounter
}

func (cq countingQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	s, err := cq.q.Searcher(ctx, r, m, o)
	if err != nil {
		return nil, err
	}
	t, err := cq.c.tables.of(r)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	cq.c.table, cq.c.counts = t, make([]int, len(t.sets))
	return &countingSearcher{Searcher: s, c: cq.c}, nil
}

// countingSearcher is the top searcher of a search: every document it
// returns is a hit.
type countingSearcher struct {
	bsearch.Searcher
	c *facetCounter
}

func (s *countingSearcher) count(m *bsearch.DocumentMatch) {
	if m == nil {
		return
	}
	if i, ok := s.c.table.doc[string(m.IndexInternalID)]; ok {
		s.c.counts[i]++
	}
}

func (s *countingSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	m, err := s.Searcher.Next(ctx)
	s.count(m)
	return m, err
}

func (s *countingSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	m, err := s.Searcher.Advance(ctx, id)
	s.count(m)
	return m, err
}
