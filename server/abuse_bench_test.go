package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/internal/gen"
	"kb/search"
	"kb/themes"
)

// worstQueries are the costliest queries kb accepts: MaxTerms words, each
// misspelt (every one costs two-edit automata over the dictionaries) and
// the last one being typed (its completions are looked up). Each ends in a
// word of its own, so that no two are the same: kb answers a query asked
// again within seconds from its cache, and a flood of them would cost it
// nothing.
func worstQueries(n int) []string {
	var words []string
	for _, q := range gen.Queries(400, 11) {
		for _, w := range strings.Fields(q) {
			if len(w) >= 8 {
				words = append(words, w[:len(w)/2]+"x"+w[len(w)/2+1:])
			}
		}
	}
	out := make([]string, n)
	for i := range out {
		var q []string
		for k := range search.MaxTerms {
			q = append(q, words[(i*search.MaxTerms+k)%len(words)])
		}
		q[len(q)-1] += string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
		out[i] = strings.Join(q, " ")
	}
	return out
}

// BenchmarkPagesUnderSearchAbuse measures the p99 of article pages fetched
// one after another from a real server over 10,000 generated articles,
// idle and while 16 clients send the worst allowed searches without pause
// (goal: abused p99 <= 2x idle).
func BenchmarkPagesUnderSearchAbuse(b *testing.B) {
	ctx := context.Background()
	lib := content.NewLibrary(gen.Files(10_000, 1), content.Options{NoHighlight: true}, slog.New(slog.DiscardHandler))
	require.NoError(b, lib.Load(ctx))
	idx, err := search.Open(b.TempDir(), search.Options{ThreadNice: search.DefaultThreadNice})
	require.NoError(b, err)
	b.Cleanup(func() { idx.Close() })
	require.NoError(b, idx.Sync(ctx, lib.Snapshot()))
	theme, err := themes.Open("")
	require.NoError(b, err)
	srv, err := New(Deps{Library: lib, Theme: theme, Search: idx, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	ts := newHTTPTestServer(b, srv)
	client := ts.Client()

	arts := lib.Snapshot().Articles
	var pages []string
	for i := 0; i < len(arts); i += len(arts) / 50 {
		pages = append(pages, arts[i].URL)
	}
	get := func(u string) (int, error) {
		res, err := client.Get(ts.URL + u)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		_, err = io.Copy(io.Discard, res.Body)
		return res.StatusCode, err
	}
	for _, p := range pages { // cached from now on
		code, err := get(p)
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, code, p)
	}
	p99 := func() float64 {
		var lat []time.Duration
		for range 10 {
			for _, p := range pages {
				start := time.Now()
				code, err := get(p)
				require.NoError(b, err)
				require.Equal(b, http.StatusOK, code)
				lat = append(lat, time.Since(start))
			}
		}
		slices.Sort(lat)
		return float64(lat[len(lat)*99/100].Microseconds()) / 1000
	}

	var idle, abused []float64
	var gcAbused, mbAbused float64
	var started, searches, refused atomic.Int64
	worst := worstQueries(16 * 1024) // none asked twice in a run of ~16 answers a second
	for b.Loop() {
		idle = append(idle, p99())
		stop := make(chan struct{})
		from := started.Load()
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					n := started.Add(1) // each search another query, over every round
					code, err := get("/api/v1/search?q=" + url.QueryEscape(worst[n%int64(len(worst))]))
					if err != nil {
						continue
					}
					searches.Add(1)
					if code == http.StatusTooManyRequests {
						refused.Add(1)
					}
				}
			})
		}
		for started.Load() < from+16 { // every client has sent a search
			runtime.Gosched()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		gcs, alloc := ms.NumGC, ms.TotalAlloc
		abused = append(abused, p99())
		runtime.ReadMemStats(&ms)
		gcAbused += float64(ms.NumGC - gcs)
		mbAbused += float64(ms.TotalAlloc-alloc) / (1 << 20)
		close(stop)
		wg.Wait()
	}
	med := func(v []float64) float64 { v = slices.Sorted(slices.Values(v)); return v[len(v)/2] }
	b.ReportMetric(med(idle), "idle-p99-ms")
	b.ReportMetric(med(abused), "abused-p99-ms")
	b.ReportMetric(med(abused)/med(idle), "ratio")
	b.ReportMetric(float64(searches.Load())/float64(b.N), "searches/op")
	b.ReportMetric(gcAbused/float64(b.N), "abused-gc/op")
	b.ReportMetric(mbAbused/float64(b.N), "abused-MB/op")
	b.ReportMetric(float64(refused.Load())/float64(b.N), "refused/op")
}
