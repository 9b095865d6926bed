package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/internal/gen"
	"kb/search"
	"kb/themes"
)

// BenchmarkSearchAsYouType sends every prefix of a few hundred generated
// queries, as a person types them, to GET /api/v1/search of a real server
// over 10,000 generated articles, and reports the latency percentiles
// (goal: p99 <= 25 ms).
func BenchmarkSearchAsYouType(b *testing.B) {
	ctx := context.Background()
	lib := content.NewLibrary(gen.Files(10_000, 1), content.Options{NoHighlight: true}, slog.New(slog.DiscardHandler))
	require.NoError(b, lib.Load(ctx))
	// A clock an hour later at every call: each round of prefixes is
	// searched again, not answered from the recent answers.
	var hours atomic.Int64
	idx, err := search.Open(b.TempDir(), search.Options{Now: func() time.Time { return time.Unix(hours.Add(3600), 0) }})
	require.NoError(b, err)
	b.Cleanup(func() { idx.Close() })
	require.NoError(b, idx.Sync(ctx, lib.Snapshot()))
	theme, err := themes.Open("")
	require.NoError(b, err)
	srv, err := New(Deps{Library: lib, Theme: theme, Search: idx, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	ts := newHTTPTestServer(b, srv)

	var typed []string
	for _, q := range gen.Queries(300, 7) {
		for i := 3; i <= len(q); i++ { // as-you-type starts after a few letters
			typed = append(typed, q[:i])
		}
	}
	client := ts.Client()
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		for _, q := range typed {
			start := time.Now()
			res, err := client.Get(ts.URL + "/api/v1/search?limit=8&q=" + url.QueryEscape(q))
			require.NoError(b, err)
			_, err = io.Copy(io.Discard, res.Body)
			require.NoError(b, err)
			res.Body.Close()
			if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusBadRequest {
				b.Fatalf("%q: %s", q, res.Status)
			}
			lat = append(lat, time.Since(start))
		}
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(len(typed)), "requests/op")
}
