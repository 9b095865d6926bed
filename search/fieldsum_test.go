package search

import (
	"fmt"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fieldSumIndex holds documents with the word "quorum" in one field, the
// other or both, and many without it.
func fieldSumIndex(t *testing.T) bleve.Index {
	t.Helper()
	m := mapping.NewIndexMapping()
	idx, err := bleve.NewMemOnly(m)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, idx.Close()) })
	docs := map[string]map[string]string{
		"both":  {"title": "quorum lost", "body": "the quorum is lost"},
		"title": {"title": "quorum", "body": "nothing here"},
		"body":  {"title": "etcd", "body": "quorum of members"},
	}
	for i := range 20 {
		docs[fmt.Sprintf("other%d", i)] = map[string]string{"title": "other", "body": "words"}
	}
	for id, d := range docs {
		require.NoError(t, idx.Index(id, d))
	}
	return idx
}

func quorumIn(fields ...string) []query.Query {
	var qs []query.Query
	for _, f := range fields {
		tq := query.NewTermQuery("quorum")
		tq.SetField(f)
		qs = append(qs, tq)
	}
	return qs
}

func scoresOf(t *testing.T, idx bleve.Index, q query.Query) map[string]float64 {
	t.Helper()
	res, err := idx.Search(bleve.NewSearchRequestOptions(q, 50, 0, false))
	require.NoError(t, err)
	out := map[string]float64{}
	for _, h := range res.Hits {
		out[h.ID] = h.Score
	}
	return out
}

// A word's field scores add up: a document that has the word in one of
// two fields keeps its whole score for that field, where bleve's
// disjunction halves it.
func TestFieldSumAddsWithoutCoordination(t *testing.T) {
	idx := fieldSumIndex(t)
	sum := scoresOf(t, idx, &fieldSum{qs: quorumIn("title", "body")})
	dis := scoresOf(t, idx, query.NewDisjunctionQuery(quorumIn("title", "body")))
	require.Len(t, sum, 3)
	require.Len(t, dis, 3)
	assert.InDelta(t, dis["both"], sum["both"], 1e-9, "both fields matched: nothing to undo")
	assert.InDelta(t, 2*dis["title"], sum["title"], 1e-9)
	assert.InDelta(t, 2*dis["body"], sum["body"], 1e-9)
	assert.Greater(t, sum["both"], max(sum["title"], sum["body"]), "two fields count more than one")
}

// A boost given to a combination of fields reaches its terms: bleve's
// disjunction ignores a boost of its own.
func TestBoostedReachesTerms(t *testing.T) {
	idx := fieldSumIndex(t)
	for _, mk := range []func() query.Query{
		func() query.Query { return &fieldSum{qs: quorumIn("title", "body")} },
		func() query.Query { return query.NewDisjunctionQuery(quorumIn("title", "body")) },
	} {
		// a second clause keeps the query norm apart from the boost
		other := func() query.Query { tq := query.NewTermQuery("etcd"); tq.SetField("title"); return tq }
		plain := scoresOf(t, idx, query.NewDisjunctionQuery([]query.Query{mk(), other()}))
		low := scoresOf(t, idx, query.NewDisjunctionQuery([]query.Query{boosted(mk(), 0.3), other()}))
		require.Contains(t, low, "title")
		assert.Less(t, low["title"], plain["title"]*0.5, "%T", mk())
	}
}

// Inside a conjunction (the rerank's ids ∧ query) the sum is advanced to
// the documents asked for and finds the same ones.
func TestFieldSumAdvances(t *testing.T) {
	idx := fieldSumIndex(t)
	q := query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery([]string{"body", "other3", "both"}), &fieldSum{qs: quorumIn("title", "body")}})
	got := scoresOf(t, idx, q)
	assert.ElementsMatch(t, []string{"body", "both"}, keysOf(got))
}

func keysOf(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
