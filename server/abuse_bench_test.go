package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"slices"
	"strconv"
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
// (goal: abused p99 <= 2x idle). Idle and abused windows alternate, ten
// of each per round, and each kind's p99 is taken over all of its windows:
// with one window of each (500 fetches, a third of a second) a burst of
// another process on the machine decided the ratio (0.04, 0.37 and 5.5 in
// one run at load average 6, no collection in any abused window).
func BenchmarkPagesUnderSearchAbuse(b *testing.B) {
	ctx := context.Background()
	lib := content.NewLibrary(gen.Files(10_000, 1), content.Options{NoHighlight: true}, slog.New(slog.DiscardHandler))
	require.NoError(b, lib.Load(ctx))
	idx, err := search.Open(b.TempDir(), search.Options{ThreadNice: search.DefaultThreadNice})
	require.NoError(b, err)
	// As kb serve runs; KB_ABUSE_PROCS=n runs with GOMAXPROCS n instead,
	// to compare processor counts in one binary.
	cores := runtime.GOMAXPROCS(0)
	b.Cleanup(func() { runtime.GOMAXPROCS(cores) })
	procs := search.Procs(cores, search.DefaultThreadNice)
	if v := os.Getenv("KB_ABUSE_PROCS"); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(b, err, "KB_ABUSE_PROCS")
		procs = n
	}
	runtime.GOMAXPROCS(procs)
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
	get := func(ctx context.Context, u string) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+u, nil)
		if err != nil {
			return 0, err
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		_, err = io.Copy(io.Discard, res.Body)
		return res.StatusCode, err
	}
	for _, p := range pages { // cached from now on
		code, err := get(ctx, p)
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, code, p)
	}
	// fetch gets every page twice, one after another, and adds the latencies to lat.
	fetch := func(lat *[]time.Duration) {
		for range 2 {
			for _, p := range pages {
				start := time.Now()
				code, err := get(ctx, p)
				require.NoError(b, err)
				require.Equal(b, http.StatusOK, code)
				*lat = append(*lat, time.Since(start))
			}
		}
	}
	p99 := func(lat []time.Duration) float64 {
		slices.Sort(lat)
		return float64(lat[len(lat)*99/100].Microseconds()) / 1000
	}
	// collections counts the collections and MiB allocated while fn runs,
	// and adds to waits how long goroutines waited for a thread meanwhile.
	collections := func(waits *schedWaits, fn func()) (gcs, mb float64) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		n, alloc := ms.NumGC, ms.TotalAlloc
		before := readSchedWaits()
		fn()
		waits.add(before, readSchedWaits())
		runtime.ReadMemStats(&ms)
		return float64(ms.NumGC - n), float64(ms.TotalAlloc-alloc) / (1 << 20)
	}

	const windows = 10 // of each kind per round
	var idle, abused, idleSched, abusedSched []float64
	var gcIdle, gcAbused, mbAbused float64
	var started, searches, refused atomic.Int64
	worst := worstQueries(16 * 1024) // none asked twice in a run of ~16 answers a second
	for b.Loop() {
		var idleLat, abusedLat []time.Duration
		var idleWaits, abusedWaits schedWaits
		for range windows {
			g, _ := collections(&idleWaits, func() { fetch(&idleLat) })
			gcIdle += g
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
						n := started.Add(1) // each search another query, over every window and round
						code, err := get(ctx, "/api/v1/search?q="+url.QueryEscape(worst[n%int64(len(worst))]))
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
			g, mb := collections(&abusedWaits, func() { fetch(&abusedLat) })
			gcAbused, mbAbused = gcAbused+g, mbAbused+mb
			close(stop)
			wg.Wait() // every client has its answer: no search runs in the next idle window
		}
		idle = append(idle, p99(idleLat))
		abused = append(abused, p99(abusedLat))
		idleSched, abusedSched = append(idleSched, idleWaits.p99()), append(abusedSched, abusedWaits.p99())
	}
	med := func(v []float64) float64 { v = slices.Sorted(slices.Values(v)); return v[len(v)/2] }
	b.ReportMetric(med(idle), "idle-p99-ms")
	b.ReportMetric(med(abused), "abused-p99-ms")
	b.ReportMetric(med(abused)/med(idle), "ratio")
	b.ReportMetric(med(idleSched), "idle-sched-p99-ms")
	b.ReportMetric(med(abusedSched), "abused-sched-p99-ms")
	b.ReportMetric(float64(searches.Load())/float64(b.N), "searches/op")
	b.ReportMetric(gcIdle/float64(b.N), "idle-gc/op")
	b.ReportMetric(gcAbused/float64(b.N), "abused-gc/op")
	b.ReportMetric(mbAbused/float64(b.N), "abused-MB/op")
	b.ReportMetric(float64(refused.Load())/float64(b.N), "refused/op")
}

// schedWaits is a histogram of how long goroutines waited to run (the
// runtime's /sched/latencies:seconds) gathered over windows: where page
// latency comes from waiting for a thread (a search's thread holding one of
// the two, a collector worker on the other) rather than from work.
type schedWaits struct {
	counts  []uint64
	buckets []float64
}

func readSchedWaits() *rtmetrics.Float64Histogram {
	s := []rtmetrics.Sample{{Name: "/sched/latencies:seconds"}}
	rtmetrics.Read(s)
	if s[0].Value.Kind() != rtmetrics.KindFloat64Histogram {
		return nil
	}
	return s[0].Value.Float64Histogram()
}

// add counts the waits between two readings.
func (w *schedWaits) add(before, after *rtmetrics.Float64Histogram) {
	if before == nil || after == nil {
		return
	}
	if w.counts == nil {
		w.counts, w.buckets = make([]uint64, len(after.Counts)), after.Buckets
	}
	for i := range after.Counts {
		w.counts[i] += after.Counts[i] - before.Counts[i]
	}
}

// p99 returns the upper bound of the bucket holding the 99th percentile wait, in ms.
func (w *schedWaits) p99() float64 {
	var total uint64
	for _, c := range w.counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	var seen uint64
	for i, c := range w.counts {
		if seen += c; seen*100 >= total*99 {
			return w.buckets[i+1] * 1000
		}
	}
	return 0
}
