package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kb/content"
	"kb/themes"
	"kb/tickets"
	"kb/tickets/ticketstest"
)

// benchWriters is the number of concurrent ticket tools of BenchmarkPostLink.
const benchWriters = 20

// benchSite is a real server over testdata/site with a links store, served
// over loopback HTTP, for benchmarks.
type benchSite struct {
	url    string
	store  *tickets.Store
	token  string
	client *http.Client
}

// newBenchSite serves the links file at dbPath; token makes a write token.
func newBenchSite(b *testing.B, dbPath string, token bool) *benchSite {
	b.Helper()
	root, err := os.OpenRoot("testdata/site")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { closeOrLog(b, root.Close) })
	lib := content.NewLibrary(root.FS(), content.Options{}, slog.New(slog.DiscardHandler))
	if err := lib.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	store := ticketstest.OpenFile(b, dbPath)
	var secret string
	if token {
		if secret, err = store.CreateToken(context.Background(), "bench", tickets.ScopeWrite); err != nil {
			b.Fatal(err)
		}
	}
	theme, err := themes.Open("")
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(Deps{Library: lib, Theme: theme, Logger: slog.New(slog.DiscardHandler), Links: store})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
	b.Cleanup(client.CloseIdleConnections)
	return &benchSite{url: ts.URL, store: store, token: secret, client: client}
}

// latencies collects request times from concurrent goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// report adds the p50 and p99 latencies to the benchmark's output.
func (l *latencies) report(b *testing.B) {
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	q := func(p float64) float64 { return float64(l.d[int(p*float64(len(l.d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
}

// runWriters calls do b.N times from benchWriters goroutines and reports
// the latencies and the throughput.
func runWriters(b *testing.B, do func(n int64) error) {
	var seq atomic.Int64
	var lat latencies
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range benchWriters {
		wg.Go(func() {
			for {
				n := seq.Add(1)
				if n > int64(b.N) {
					return
				}
				t0 := time.Now()
				if err := do(n); err != nil {
					b.Error(err)
					return
				}
				lat.add(time.Since(t0))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "writes/s")
	lat.report(b)
}

// BenchmarkPostLink posts links from 20 concurrent writers, each answer
// meaning the link is on disk (fsync): "kb" through HTTP (routing, token,
// strict JSON, reference resolution, store), "bare" straight into
// tickets.Store.Add. Goal: p99 of kb < 50 ms.
func BenchmarkPostLink(b *testing.B) {
	b.Run("kb", func(b *testing.B) {
		site := newBenchSite(b, filepath.Join(b.TempDir(), "kb.db"), true)
		runWriters(b, func(n int64) error {
			body := fmt.Sprintf(`{"ticket": {"system": "jira", "key": "OPS-%d", "url": "https://acme.atlassian.net/browse/OPS-%d", "title": "etcd lost its leader"}, "article": "/runbooks/etcd/no-leader"}`, n, n)
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, site.url+"/api/v1/links", strings.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+site.token)
			req.Header.Set("Content-Type", "application/json")
			res, err := site.client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, res.Body)
			closeOrLog(b, res.Body.Close)
			if res.StatusCode != http.StatusCreated {
				return fmt.Errorf("status %d", res.StatusCode)
			}
			return nil
		})
	})
	b.Run("bare", func(b *testing.B) {
		site := newBenchSite(b, filepath.Join(b.TempDir(), "kb.db"), false)
		runWriters(b, func(n int64) error {
			_, _, err := site.store.Add(context.Background(), tickets.Link{
				Ticket:    tickets.Ticket{System: "jira", Key: fmt.Sprintf("OPS-%d", n), URL: fmt.Sprintf("https://acme.atlassian.net/browse/OPS-%d", n), Title: "etcd lost its leader"},
				ArticleID: "etcd-no-leader", LinkedBy: "bench",
			})
			return err
		})
	})
}

// largeLinks is the size of the store of BenchmarkTicketLookup.
const largeLinks = 1_000_000

// largeDir holds the file of largeDB; TestMain removes it.
var largeDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if largeDir != "" {
		if err := os.RemoveAll(largeDir); err != nil {
			fmt.Fprintln(os.Stderr, "remove the 1M-link file:", err)
		}
	}
	os.Exit(code)
}

// largeDB builds, once per test binary, a links file with largeLinks links
// over 2,000 articles, in transactions of 20,000 links (tickets.Store.Import).
// It takes about half a minute; -short skips the benchmark instead.
var largeDB = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "kb-bench-1m-")
	if err != nil {
		return "", err
	}
	largeDir = dir
	path := filepath.Join(dir, "kb.db")
	store, closeStore, err := ticketstest.OpenPath(path)
	if err != nil {
		return "", err
	}
	defer closeStore()
	pr, pw := io.Pipe()
	go func() {
		bw := &strings.Builder{}
		for i := range largeLinks {
			fmt.Fprintf(bw, `{"ticket":{"system":"jira","key":"OPS-%d","url":"https://acme.atlassian.net/browse/OPS-%d","title":"Disk almost full on db-%d","status":"Done","resolved_at":"2026-09-01T10:00:00Z"},"article":"article-%d","relation":"resolved_by","linked_by":"bench","linked_at":"2026-09-01T10:00:00Z"}`+"\n", i, i, i%100, i%2000)
			if bw.Len() > 1<<20 {
				if _, err := io.WriteString(pw, bw.String()); err != nil {
					return
				}
				bw.Reset()
			}
		}
		_, _ = io.WriteString(pw, bw.String())
		_ = pw.Close() // a pipe's writer closes without error
	}()
	n, err := store.Import(context.Background(), pr)
	if err != nil {
		return "", err
	}
	if n != largeLinks {
		return "", fmt.Errorf("imported %d links", n)
	}
	return path, nil
})

// BenchmarkTicketLookup asks which articles solved a ticket, with 1,000,000
// links stored: "kb" through HTTP (GET /api/v1/tickets/{system}/{key}),
// "bare" straight from tickets.Store.ByTicket. Goal: p99 of kb < 5 ms.
func BenchmarkTicketLookup(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a file of 1,000,000 links")
	}
	dbPath, err := largeDB()
	if err != nil {
		b.Fatal(err)
	}
	site := newBenchSite(b, dbPath, false) // reads need no token
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(rand.Uint64(), 1)) }
	for _, bc := range []struct {
		name string
		get  func(r *rand.Rand) error
	}{
		{"kb", func(r *rand.Rand) error {
			res, err := site.client.Get(fmt.Sprintf("%s/api/v1/tickets/jira/OPS-%d", site.url, r.IntN(largeLinks)))
			if err != nil {
				return err
			}
			body, err := io.ReadAll(res.Body)
			closeOrLog(b, res.Body.Close)
			if err != nil {
				return err
			}
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"article":"article-`) {
				return fmt.Errorf("status %d: %.200s", res.StatusCode, body)
			}
			return nil
		}},
		{"bare", func(r *rand.Rand) error {
			links, err := site.store.ByTicket(context.Background(), "jira", fmt.Sprintf("OPS-%d", r.IntN(largeLinks)))
			if err == nil && len(links) != 1 {
				err = fmt.Errorf("%d links", len(links))
			}
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var lat latencies
			b.RunParallel(func(pb *testing.PB) {
				r := rng()
				for pb.Next() {
					t0 := time.Now()
					if err := bc.get(r); err != nil {
						b.Error(err)
						return
					}
					lat.add(time.Since(t0))
				}
			})
			lat.report(b)
		})
	}
}

// BenchmarkArticlePageAfterLink measures what a link write costs the next
// view of the article's page: "kb" renders the page again each time (as
// after a write: template, 5 tickets read from the store, gzip), "bare"
// serves it from the page cache as every later view does.
func BenchmarkArticlePageAfterLink(b *testing.B) {
	site := newBenchSite(b, filepath.Join(b.TempDir(), "kb.db"), false)
	for i := range 20 {
		if _, _, err := site.store.Add(context.Background(), tickets.Link{
			Ticket:    tickets.Ticket{System: "jira", Key: fmt.Sprintf("OPS-%d", i), URL: "https://acme.atlassian.net/browse/OPS-1", Title: "etcd lost its leader"},
			ArticleID: "etcd-no-leader", LinkedBy: "bench",
		}); err != nil {
			b.Fatal(err)
		}
	}
	theme, err := themes.Open("")
	if err != nil {
		b.Fatal(err)
	}
	root, err := os.OpenRoot("testdata/site")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { closeOrLog(b, root.Close) })
	lib := content.NewLibrary(root.FS(), content.Options{}, slog.New(slog.DiscardHandler))
	if err := lib.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	srv, err := New(Deps{Library: lib, Theme: theme, Logger: slog.New(slog.DiscardHandler), Links: site.store})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	for _, bc := range []struct {
		name  string
		stale bool
	}{{"kb", true}, {"bare", false}} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/runbooks/etcd/no-leader", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			b.ReportAllocs()
			for b.Loop() {
				if bc.stale {
					srv.linkVer.bump("etcd-no-leader")
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// closeOrLog closes something a benchmark opened, reporting a failure.
func closeOrLog(tb testing.TB, closeFn func() error) {
	if err := closeFn(); err != nil {
		tb.Error(err)
	}
}
