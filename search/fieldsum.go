package search

import (
	"context"
	"math"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// fieldSum matches one word in several fields and scores a document by the
// sum of its weighted field scores (rule field-sum), the linear combination
// of BM25F. bleve's disjunction multiplies that sum by the share of the
// fields matched (its coordination factor), which squares the advantage of
// a word found in many fields: with equal BM25 scores, a word in the title,
// the name parts, the outline and the body (weights 2+2+2+1) counted 4 × 7
// = 28 times the same word in the body alone, where its field weights say
// 7. The share of the query's words matched keeps its coordination factor;
// only the fields of one word lose it.
type fieldSum struct {
	qs []query.Query
}

// Searcher implements query.Query.
func (q *fieldSum) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	ss := make([]bsearch.Searcher, 0, len(q.qs))
	for _, c := range q.qs {
		s, err := c.Searcher(ctx, i, m, options)
		if err != nil {
			for _, o := range ss {
				_ = o.Close()
			}
			return nil, err
		}
		ss = append(ss, s)
	}
	s := &sumSearcher{searchers: ss, currs: make([]*bsearch.DocumentMatch, len(ss))}
	if w := s.Weight(); w > 0 {
		s.SetQueryNorm(1 / math.Sqrt(w)) // as bleve normalises a disjunction
	}
	return s, nil
}

// sumSearcher is bleve's disjunction searcher without the coordination
// factor: the score of a document is the sum of its children's scores.
type sumSearcher struct {
	searchers   []bsearch.Searcher
	currs       []*bsearch.DocumentMatch
	matching    []int
	others      []*bsearch.DocumentMatch // the matches added to the first, reused
	initialized bool
}

func (s *sumSearcher) init(ctx *bsearch.SearchContext) error {
	for i, c := range s.searchers {
		m, err := c.Next(ctx)
		if err != nil {
			return err
		}
		s.currs[i] = m
	}
	s.initialized = true
	s.update()
	return nil
}

// update finds the children positioned on the lowest document.
func (s *sumSearcher) update() {
	s.matching = s.matching[:0]
	var low index.IndexInternalID
	for i, m := range s.currs {
		if m == nil {
			continue
		}
		if len(s.matching) > 0 {
			c := m.IndexInternalID.Compare(low)
			if c > 0 {
				continue
			}
			if c < 0 {
				s.matching = s.matching[:0]
			}
		}
		low = m.IndexInternalID
		s.matching = append(s.matching, i)
	}
}

func (s *sumSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	if !s.initialized {
		if err := s.init(ctx); err != nil {
			return nil, err
		}
	}
	if len(s.matching) == 0 {
		return nil, nil
	}
	rv := s.currs[s.matching[0]]
	s.others = s.others[:0]
	for _, i := range s.matching[1:] {
		rv.Score += s.currs[i].Score
		s.others = append(s.others, s.currs[i])
	}
	if len(s.others) > 0 {
		rv.FieldTermLocations = bsearch.MergeFieldTermLocations(rv.FieldTermLocations, s.others)
	}
	for k, i := range s.matching {
		if k > 0 {
			ctx.DocumentMatchPool.Put(s.currs[i])
		}
		m, err := s.searchers[i].Next(ctx)
		if err != nil {
			return nil, err
		}
		s.currs[i] = m
	}
	s.update()
	return rv, nil
}

func (s *sumSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	if !s.initialized {
		if err := s.init(ctx); err != nil {
			return nil, err
		}
	}
	for i, c := range s.searchers {
		if s.currs[i] != nil {
			if s.currs[i].IndexInternalID.Compare(id) >= 0 {
				continue
			}
			ctx.DocumentMatchPool.Put(s.currs[i])
		}
		m, err := c.Advance(ctx, id)
		if err != nil {
			return nil, err
		}
		s.currs[i] = m
	}
	s.update()
	return s.Next(ctx)
}

func (s *sumSearcher) Close() (err error) {
	for _, c := range s.searchers {
		if e := c.Close(); e != nil && err == nil {
			err = e
		}
	}
	return err
}

func (s *sumSearcher) Weight() float64 {
	var w float64
	for _, c := range s.searchers {
		w += c.Weight()
	}
	return w
}

func (s *sumSearcher) SetQueryNorm(n float64) {
	for _, c := range s.searchers {
		c.SetQueryNorm(n)
	}
}

func (s *sumSearcher) Count() uint64 {
	var n uint64
	for _, c := range s.searchers {
		n += c.Count()
	}
	return n
}

func (s *sumSearcher) Min() int { return 0 }

func (s *sumSearcher) Size() int {
	n := 64
	for _, c := range s.searchers {
		n += c.Size()
	}
	return n
}

func (s *sumSearcher) DocumentMatchPoolSize() int {
	n := len(s.currs)
	for _, c := range s.searchers {
		n += c.DocumentMatchPoolSize()
	}
	return n
}
