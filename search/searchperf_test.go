package search

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

// TestQueuedSearchesWait holds the only slot: searches up to MaxQueue wait
// for it and succeed once it is free, the one past MaxQueue is refused at
// once.
func TestQueuedSearchesWait(t *testing.T) {
	x := openSynced(t, Options{MaxConcurrent: 1, MaxQueue: 3, QueueWait: time.Minute}, fixtures()...)
	x.sem <- struct{}{} // one search is running
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() {
			_, err := x.Search(context.Background(), Query{Text: "etcd leader"})
			errs <- err
		})
	}
	deadline := time.Now().Add(30 * time.Second)
	for x.waiting.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, int64(3), x.waiting.Load(), "three searches queue")
	start := time.Now()
	_, err := x.Search(context.Background(), Query{Text: "etcd"})
	assert.ErrorIs(t, err, ErrBusy, "the queue is full")
	assert.Less(t, time.Since(start), 30*time.Second, "refused without waiting QueueWait")
	<-x.sem
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	st := x.Stats()
	assert.Equal(t, uint64(3), st.OK)
	assert.Equal(t, uint64(1), st.Busy)
}

func TestDefaultSearchSlotsFollowCores(t *testing.T) {
	o := Options{}.withDefaults()
	assert.Equal(t, runtime.GOMAXPROCS(0), o.MaxConcurrent)
	assert.GreaterOrEqual(t, o.MaxQueue, 64, "a typing crowd of 64 is queued")
	assert.GreaterOrEqual(t, o.QueueWait, time.Second)
}

// phraseQueries counts the phrase queries in q's tree.
func phraseQueries(q query.Query) int {
	switch q := q.(type) {
	case *query.MatchPhraseQuery, *query.PhraseQuery, *query.MultiPhraseQuery:
		return 1
	case *query.BooleanQuery:
		n := 0
		for _, c := range []query.Query{q.Must, q.Should, q.MustNot, q.Filter} {
			if c != nil {
				n += phraseQueries(c)
			}
		}
		return n
	case *query.DisjunctionQuery:
		n := 0
		for _, c := range q.Disjuncts {
			n += phraseQueries(c)
		}
		return n
	case *query.ConjunctionQuery:
		n := 0
		for _, c := range q.Conjuncts {
			n += phraseQueries(c)
		}
		return n
	case *fieldSum:
		n := 0
		for _, c := range q.qs {
			n += phraseQueries(c)
		}
		return n
	}
	return 0
}

// planOf plans text on x's current index.
func planOf(t *testing.T, x *Index, text string) plan {
	t.Helper()
	q, err := Query{Text: text}.ready()
	require.NoError(t, err)
	r, err := x.cur.idx.Advanced()
	require.NoError(t, err)
	rd, err := r.Reader()
	require.NoError(t, err)
	t.Cleanup(func() { _ = rd.Close() })
	g := x.cur
	pl := planner{ctx: context.Background(), r: rd, analyzer: x.mapping.AnalyzerNamed(proseAnalyzer), learned: g.learned.splitter(nil), prefixes: &g.prefixes, man: g.manifest.Load()}
	return pl.build(q.words, nil)
}

// TestPlainQueriesRunNoPhrases: phrase searchers read positions and cost
// most of a search; only quoted phrases run them.
func TestPlainQueriesRunNoPhrases(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	for _, q := range []string{"etcd leader", "etcd no leader election", "kube-apiserver down", "disk ful", "etcd lea"} {
		assert.Zero(t, phraseQueries(planOf(t, x, q).q), q)
	}
	assert.Positive(t, phraseQueries(planOf(t, x, `"leader election" etcd`).q))
}

// TestPrefixCache: the completions of a typed prefix are looked up once per
// state of the index, and an update makes its new words complete at once.
func TestPrefixCache(t *testing.T) {
	ctx := context.Background()
	x := openSynced(t, Options{}, fixtures()...)
	res, err := x.Search(ctx, Query{Text: "zebrafi"})
	require.NoError(t, err)
	assert.Zero(t, res.Total)
	cached, ok := x.cur.prefixes.get(x.cur.manifest.Load(), "zebrafi")
	require.True(t, ok, "the prefix is cached")
	assert.Empty(t, cached)

	a := fixtures()[0]
	a.Doc.Text += " zebrafish"
	require.NoError(t, x.Update(ctx, []*content.Article{a}))
	res, err = x.Search(ctx, Query{Text: "zebrafi"})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Total, "the new word completes after the update")
	cached, ok = x.cur.prefixes.get(x.cur.manifest.Load(), "zebrafi")
	require.True(t, ok)
	require.Len(t, cached, 1)
	assert.Equal(t, "zebrafish", cached[0].term)
}

// TestFacetsCountEveryHit: 300 articles match, far more than a page and the
// hits looked at again; the facet counts are exact over all of them.
func TestFacetsCountEveryHit(t *testing.T) {
	var arts []*content.Article
	for i := range 300 {
		dir := "guides"
		if i%3 == 0 {
			dir = "runbooks/storage"
		}
		service, tags := "etcd", []string{"disk"}
		if i%2 == 0 {
			service, tags = "postgres", []string{"disk", "backup"}
		}
		arts = append(arts, art(fmt.Sprintf("%s/widget-%03d.md", dir, i), fmt.Sprintf("# Widget %d\nThe widget gauge number %d.", i, i), withFront("", service, nil, tags)))
	}
	x := openSynced(t, Options{}, arts...)
	res, err := x.Search(context.Background(), Query{Text: "widget gauge "})
	require.NoError(t, err)
	require.Equal(t, 300, res.Total)
	assert.Len(t, res.Hits, DefaultLimit)
	f := res.Facets
	assert.Equal(t, 300, f.Counted)
	assert.Equal(t, []FacetCount{{Value: "article", Count: 200}, {Value: "runbook", Count: 100}}, f.Type)
	assert.Equal(t, []FacetCount{{Value: "etcd", Count: 150}, {Value: "postgres", Count: 150}}, f.Service)
	assert.Equal(t, []FacetCount{{Value: "disk", Count: 300}, {Value: "backup", Count: 150}}, f.Tag)
	assert.Equal(t, []FacetCount{{Value: "guides", Count: 200}, {Value: "runbooks/storage", Count: 100}}, f.Folder)

	// a page far down still comes back, facets unchanged
	res, err = x.Search(context.Background(), Query{Text: "widget gauge ", Offset: 290})
	require.NoError(t, err)
	assert.Len(t, res.Hits, 10)
	assert.Equal(t, f, res.Facets)

	// an update makes a new snapshot: its facets are counted from it
	changed := *arts[1]
	changed.Tags = []string{"disk", "network"}
	require.NoError(t, x.Update(context.Background(), []*content.Article{&changed}))
	res, err = x.Search(context.Background(), Query{Text: "widget gauge ", Tag: "network"})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Total)
	assert.Equal(t, []FacetCount{{Value: "disk", Count: 1}, {Value: "network", Count: 1}}, res.Facets.Tag)
	assert.Equal(t, []FacetCount{{Value: "etcd", Count: 1}}, res.Facets.Service)
}

// TestHeavySearchesTakeHalfTheSlots: with the long-query slots taken, a
// long query waits (and is refused after QueueWait) while a short one runs.
func TestHeavySearchesTakeHalfTheSlots(t *testing.T) {
	x := openSynced(t, Options{MaxConcurrent: 4, QueueWait: 10 * time.Millisecond}, fixtures()...)
	require.Equal(t, 2, cap(x.heavy))
	x.heavy <- struct{}{}
	x.heavy <- struct{}{}
	_, err := x.Search(context.Background(), Query{Text: "etcd leader election lost disk slow fsync"})
	assert.ErrorIs(t, err, ErrBusy)
	_, err = x.Search(context.Background(), Query{Text: "etcd leader"})
	assert.NoError(t, err)
	<-x.heavy
	_, err = x.Search(context.Background(), Query{Text: "etcd leader election lost disk slow fsync"})
	assert.NoError(t, err)
}

// TestFacetTableBySegment: through updates, deletes and the merges they
// cause, the facet table made from the sets of each segment gives every
// live document the facet values that reading all of them again gives.
func TestFacetTableBySegment(t *testing.T) {
	var arts []*content.Article
	for i := range 200 {
		arts = append(arts, art(fmt.Sprintf("guides/g%d/widget-%03d.md", i%7, i), fmt.Sprintf("# Widget %d\nThe widget gauge %d.", i, i), withFront("", "etcd", nil, []string{"disk"})))
	}
	x := openSynced(t, Options{}, arts...)
	ctx := context.Background()
	var ft facetTables
	services, tags := []string{"etcd", "postgres", "kafka", ""}, []string{"disk", "net", "cpu", "backup"}
	for round := range 40 {
		for j := range 1 + round%3 {
			a := *arts[(round*7+j*13)%len(arts)]
			a.Service, a.Tags = services[(round+j)%len(services)], []string{tags[round%len(tags)], tags[(round+j+1)%len(tags)]}
			require.NoError(t, x.Update(ctx, []*content.Article{&a}))
		}
		if round%9 == 8 {
			require.NoError(t, x.Delete(ctx, []string{arts[round].ID}))
		}
		r, err := x.current().idx.Advanced()
		require.NoError(t, err)
		reader, err := r.Reader()
		require.NoError(t, err)
		snap, ok := reader.(*scorch.IndexSnapshot)
		require.True(t, ok)
		require.True(t, bySegmentWorks(snap))
		got, err := ft.bySegment(snap)
		require.NoError(t, err)
		require.Len(t, ft.segments, len(snap.Segments()), "only the segments of the last table are kept")
		want, err := buildFacetTable(reader)
		require.NoError(t, err)
		ids, err := reader.DocIDReaderAll()
		require.NoError(t, err)
		n := 0
		for {
			id, err := ids.Next()
			require.NoError(t, err)
			if id == nil {
				break
			}
			n++
			names := func(tab *facetTable) []string {
				var out []string
				if s := tab.setOf(id); s >= 0 {
					for _, v := range tab.sets[s] {
						out = append(out, tab.names[v])
					}
				}
				return out
			}
			require.Equal(t, names(want), names(got), "round %d", round)
		}
		require.NoError(t, ids.Close())
		assert.Positive(t, n)
		require.NoError(t, reader.Close())
	}
}
