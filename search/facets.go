package search

import (
	"context"
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
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
	snap  index.IndexReader // the snapshot it describes (compared by identity)
	byNum []int32           // 8-byte internal id (a document number) → index into sets, -1: none
	doc   map[string]int32  // other internal ids → index into sets
	sets  [][]int32         // distinct sets of facet values (indexes into values)
	names []string          // the facet values
	// counts holds zeroed arrays of a count per set for the searches of
	// this snapshot: nearly every document has a set of its own, so one
	// is as long as the index, too long to allocate and clear per search.
	counts sync.Pool
}

// takeCounts returns a zeroed count per set.
func (t *facetTable) takeCounts() []int {
	if c, ok := t.counts.Get().(*[]int); ok {
		return *c
	}
	return make([]int, len(t.sets))
}

// setOf returns the facet set of the document with internal id id, -1 if
// it has none.
func (t *facetTable) setOf(id index.IndexInternalID) int32 {
	if len(id) == 8 {
		if n := binary.BigEndian.Uint64(id); n < uint64(len(t.byNum)) {
			return t.byNum[n]
		}
	}
	if s, ok := t.doc[string(id)]; ok {
		return s
	}
	return -1
}

// facetTables keeps the table of the latest snapshot searched, and, for a
// scorch index, the sets of each of its segments: an update adds a small
// segment (and merges later replace a few), so the table of the next
// snapshot reads the doc values of the new segments alone. Reading every
// document's again was a sixth of the CPU of a one-file edit at 10,000.
type facetTables struct {
	mu       sync.Mutex
	cur      *facetTable
	segments map[segment.Segment][]int32 // local document number → set, per segment of the last table
	dict     facetDict                   // the sets and values every table of this index indexes into
}

// facetDict numbers the distinct facet sets and values. It only grows:
// tables share its slices, each reading the part that existed when it was
// made.
type facetDict struct {
	bySet  map[string]int32
	byName map[string]int32
	sets   [][]int32
	names  []string
}

// set returns the number of the set of vals (sorted, without repeats).
func (d *facetDict) set(vals []string) int32 {
	if d.bySet == nil {
		d.bySet, d.byName = map[string]int32{}, map[string]int32{}
	}
	key := strings.Join(vals, "\x00")
	if s, ok := d.bySet[key]; ok {
		return s
	}
	s := int32(len(d.sets))
	d.bySet[key] = s
	set := make([]int32, len(vals))
	for i, v := range vals {
		n, ok := d.byName[v]
		if !ok {
			n = int32(len(d.names))
			d.byName[v] = n
			d.names = append(d.names, v)
		}
		set[i] = n
	}
	d.sets = append(d.sets, set)
	return s
}

// of returns the table of snapshot r, building it if r is new.
func (ft *facetTables) of(r index.IndexReader) (*facetTable, error) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if ft.cur != nil && ft.cur.snap == r {
		return ft.cur, nil
	}
	var t *facetTable
	var err error
	if snap, ok := r.(*scorch.IndexSnapshot); ok && bySegmentWorks(snap) {
		t, err = ft.bySegment(snap)
	} else {
		t, err = buildFacetTable(r)
	}
	if err != nil {
		return nil, err
	}
	ft.cur = t
	return t, nil
}

// bySegment makes the table of a scorch snapshot from the sets of its
// segments, reading the doc values of the segments it has not seen. A
// document number is its segment's offset (the documents of the segments
// before it, deleted ones too) plus its number in the segment; deleted
// documents keep a set, which no hit ever asks for.
func (ft *facetTables) bySegment(snap *scorch.IndexSnapshot) (*facetTable, error) {
	segs := snap.Segments()
	seen := make(map[segment.Segment][]int32, len(segs))
	total := 0
	for _, ss := range segs {
		seg := ss.Segment()
		local, ok := ft.segments[seg]
		if !ok {
			var err error
			if local, err = ft.dict.segmentSets(seg); err != nil {
				return nil, err
			}
		}
		seen[seg] = local
		total += len(local)
	}
	t := &facetTable{snap: snap, byNum: make([]int32, 0, total)}
	for _, ss := range segs {
		t.byNum = append(t.byNum, seen[ss.Segment()]...)
	}
	t.sets, t.names = ft.dict.sets, ft.dict.names
	ft.segments = seen
	return t, nil
}

// bySegmentWorks reports whether every segment of snap has doc values to
// visit and is a pointer (a map key that stays the same object).
func bySegmentWorks(snap *scorch.IndexSnapshot) bool {
	for _, ss := range snap.Segments() {
		seg := ss.Segment()
		if _, ok := seg.(segment.DocValueVisitable); !ok || reflect.TypeOf(seg).Kind() != reflect.Pointer {
			return false
		}
	}
	return true
}

// segmentSets returns the set of each document of seg, by number.
func (d *facetDict) segmentSets(seg segment.Segment) ([]int32, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("search: facet table: segment %T has no doc values", seg)
	}
	n := seg.Count()
	out := make([]int32, n)
	var vals []string
	var state segment.DocVisitState
	fields := []string{fieldFacets}
	for num := range n {
		vals = vals[:0]
		var err error
		state, err = dv.VisitDocValues(num, fields, func(_ string, term []byte) { vals = append(vals, string(term)) }, state)
		if err != nil {
			return nil, fmt.Errorf("search: facet table: %w", err)
		}
		if len(vals) == 0 {
			out[num] = -1
			continue
		}
		slices.Sort(vals)
		out[num] = d.set(slices.Compact(vals))
	}
	return out, nil
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
	bySet := map[string]int32{}
	byName := map[string]int32{}
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
		s, ok := bySet[key]
		if !ok {
			s = int32(len(t.sets))
			bySet[key] = s
			set := make([]int32, len(vals))
			for i, v := range vals {
				n, ok := byName[v]
				if !ok {
					n = int32(len(t.names))
					byName[v] = n
					t.names = append(t.names, v)
				}
				set[i] = n
			}
			t.sets = append(t.sets, set)
		}
		if len(id) == 8 && binary.BigEndian.Uint64(id) < 1<<31 {
			n := int(binary.BigEndian.Uint64(id))
			for len(t.byNum) <= n {
				t.byNum = append(t.byNum, -1)
			}
			t.byNum[n] = s
		} else {
			t.doc[string(id)] = s
		}
	}
	return t, nil
}

// facetCounter counts the hits of each facet set during one search.
type facetCounter struct {
	ctx    context.Context // the search's, for its pauses
	prio   *priority       // nil: the search never pauses
	tables *facetTables
	table  *facetTable
	counts []int
	seen   []int32 // the sets counted, each once: most of counts stays 0
	err    error
}

// values calls fn with each facet value counted and its count.
func (c *facetCounter) values(fn func(v string, n int)) {
	if c.table == nil {
		return
	}
	per := make([]int, len(c.table.names))
	for _, s := range c.seen {
		n := c.counts[s]
		for _, v := range c.table.sets[s] {
			per[v] += n
		}
	}
	for v, n := range per {
		if n > 0 {
			fn(c.table.names[v], n)
		}
	}
}

// release gives c's counts back to its table, zeroed; c counts nothing
// after it.
func (c *facetCounter) release() {
	if c.table == nil || c.counts == nil {
		return
	}
	for _, s := range c.seen {
		c.counts[s] = 0
	}
	counts := c.counts
	c.table.counts.Put(&counts)
	c.counts, c.seen = nil, nil
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
	cq.c.release() // a search of the same request again (phrases as words)
	cq.c.table, cq.c.counts, cq.c.seen = t, t.takeCounts(), nil
	return &countingSearcher{Searcher: s, c: cq.c}, nil
}

// countingSearcher is the top searcher of a search: every document it
// returns is a hit.
type countingSearcher struct {
	bsearch.Searcher
	c    *facetCounter
	hits int
}

// yieldEvery is how many hits a search collects between its yield points
// (priority.go): a page request arriving meanwhile waits at most one such
// step, not the whole search.
const yieldEvery = 32

func (s *countingSearcher) count(m *bsearch.DocumentMatch) {
	if m == nil {
		return
	}
	if s.hits++; s.hits%yieldEvery == 0 && s.c.prio != nil {
		s.c.prio.yield(s.c.ctx)
	}
	if i := s.c.table.setOf(m.IndexInternalID); i >= 0 {
		if s.c.counts[i] == 0 {
			s.c.seen = append(s.c.seen, i)
		}
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
