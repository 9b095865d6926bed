package postgres

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"kb/tickets"
	"kb/tickets/ticketstest"
)

// benchWriters is the number of concurrent writers of BenchmarkStoreLinkWrite.
const benchWriters = 20

// benchLinks is the size of the stores of BenchmarkStoreTicketLookup.
const benchLinks = 1_000_000

// linkStore is what the benchmarks use of either backend.
type linkStore interface {
	Add(ctx context.Context, l tickets.Link) (tickets.Link, bool, error)
	ByTicket(ctx context.Context, system, key string) ([]tickets.Link, error)
}

// cleanups are run by TestMain: the fixtures of the benchmarks outlive one
// benchmark function (go test -count=5 runs them in one binary).
var (
	cleanupMu sync.Mutex
	cleanups  []func()
)

func atExit(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range slices.Backward(cleanups) {
		f()
	}
	os.Exit(code)
}

// latencies collects the time of each operation for a percentile.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// report adds the p50 and p99 in milliseconds to the benchmark's metrics.
func (l *latencies) report(b *testing.B) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	at := func(p float64) float64 {
		return float64(l.d[min(len(l.d)-1, int(float64(len(l.d))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// benchSchema makes a schema that lives until the test binary ends, or
// skips the benchmark without PostgreSQL.
func benchSchema(b *testing.B) string {
	b.Helper()
	if os.Getenv("KB_TEST_POSTGRES") == "" {
		b.Skip("KB_TEST_POSTGRES is not set: skipping the PostgreSQL benchmarks")
	}
	u, err := newBenchSchema()
	if err != nil {
		b.Fatal(err)
	}
	return u
}

// newBenchSchema creates a schema in KB_TEST_POSTGRES's database, dropped
// by TestMain, and returns its URL.
func newBenchSchema() (string, error) {
	base := os.Getenv("KB_TEST_POSTGRES")
	raw := make([]byte, 6)
	if _, err := crand.Read(raw); err != nil {
		return "", err
	}
	schema := "kb_bench_" + hex.EncodeToString(raw)
	run := func(sql string) error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := run("CREATE SCHEMA " + schema); err != nil {
		return "", err
	}
	atExit(func() {
		if err := run("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			fmt.Fprintln(os.Stderr, "drop the benchmark schema:", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func openBench(b *testing.B, u string) *DB {
	b.Helper()
	db, err := Open(context.Background(), u, Options{MaxConns: benchWriters})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Health(); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkStoreLinkWrite stores links from 20 concurrent writers, each
// committed (PostgreSQL: COMMIT with synchronous_commit; bbolt: fsync)
// before it returns: "postgres" through Links.Add (the link, the article's
// count and version, the notification, one transaction), "bbolt" through
// tickets.Store.Add, in the same run. Goal: p99 of postgres ≤ 50 ms.
func BenchmarkStoreLinkWrite(b *testing.B) {
	for _, bc := range []struct {
		name string
		open func(b *testing.B) linkStore
	}{
		{"postgres", func(b *testing.B) linkStore {
			db := openBench(b, benchSchema(b))
			b.Cleanup(db.Close)
			return db.Links()
		}},
		{"bbolt", func(b *testing.B) linkStore { return ticketstest.Open(b) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := bc.open(b)
			var seq atomic.Int64
			var lat latencies
			b.SetParallelism(max(1, benchWriters/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := seq.Add(1)
					t0 := time.Now()
					_, _, err := s.Add(context.Background(), tickets.Link{
						Ticket:    tickets.Ticket{System: "jira", Key: fmt.Sprintf("OPS-%d", n), URL: fmt.Sprintf("https://acme.atlassian.net/browse/OPS-%d", n), Title: "etcd lost its leader"},
						ArticleID: fmt.Sprintf("article-%d", n%50), LinkedBy: "bench",
					})
					lat.add(time.Since(t0))
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "writes/s")
			lat.report(b)
		})
	}
}

// largeLink is link i of the stores of BenchmarkStoreTicketLookup: over
// 2,000 articles, as server's benchmark of the same name.
func largeLink(i int) tickets.Link {
	at := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	return tickets.Link{
		Ticket:    tickets.Ticket{System: "jira", Key: fmt.Sprintf("OPS-%d", i), URL: fmt.Sprintf("https://acme.atlassian.net/browse/OPS-%d", i), Title: fmt.Sprintf("Disk almost full on db-%d", i%100), Status: "Done", ResolvedAt: &at},
		ArticleID: fmt.Sprintf("article-%d", i%2000), Relation: tickets.ResolvedBy, LinkedBy: "bench", LinkedAt: at, UpdatedAt: at,
	}
}

// largePostgres fills a schema with benchLinks links with COPY, once per
// test binary.
var largePostgres = sync.OnceValues(func() (string, error) {
	u, err := newBenchSchema()
	if err != nil {
		return "", err
	}
	return u, fillPostgres(u)
})

// fillPostgres copies benchLinks links into the schema at u and counts them
// per article, as the store's own writes would.
func fillPostgres(u string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	db, err := Open(ctx, u, Options{}) // the schema
	if err != nil {
		return err
	}
	db.Close()
	cols := []string{"system", "key", "article", "url", "title", "status", "resolved_at", "anchor", "relation", "note", "linked_by", "linked_at", "updated_at"}
	i := 0
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"links"}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		if i == benchLinks {
			return nil, nil
		}
		l := largeLink(i)
		i++
		t := l.Ticket
		return []any{t.System, t.Key, l.ArticleID, t.URL, t.Title, t.Status, t.ResolvedAt, "", string(l.Relation), "", l.LinkedBy, l.LinkedAt, l.UpdatedAt}, nil
	}))
	if err != nil {
		return err
	}
	if n != benchLinks {
		return fmt.Errorf("copied %d links", n)
	}
	_, err = conn.Exec(ctx, "INSERT INTO article_links (article, links, version) SELECT article, count(*), 1 FROM links GROUP BY article; ANALYZE links")
	return err
}

// largeBolt writes benchLinks links into a bbolt file, once per test binary.
var largeBolt = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "kb-bench-1m-")
	if err != nil {
		return "", err
	}
	atExit(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "kb.db")
	store, closeFn, err := ticketstest.OpenPath(path)
	if err != nil {
		return "", err
	}
	defer closeFn()
	const batch = 20000
	for i := 0; i < benchLinks; i += batch {
		b := tickets.Batch{Links: make([]tickets.Link, 0, batch)}
		for j := i; j < min(i+batch, benchLinks); j++ {
			b.Links = append(b.Links, largeLink(j))
		}
		if err := store.Restore(context.Background(), b); err != nil {
			return "", err
		}
	}
	return path, nil
})

// BenchmarkStoreTicketLookup asks which articles solved a random ticket
// among 1,000,000 links: "postgres" through Links.ByTicket (the primary
// key), "bbolt" through tickets.Store.ByTicket, in the same run. Goal: p99
// of postgres ≤ 5 ms. Building the two stores takes about a minute; -short
// skips it.
func BenchmarkStoreTicketLookup(b *testing.B) {
	if testing.Short() {
		b.Skip("builds two stores of 1,000,000 links")
	}
	for _, bc := range []struct {
		name string
		open func(b *testing.B) linkStore
	}{
		{"postgres", func(b *testing.B) linkStore {
			if os.Getenv("KB_TEST_POSTGRES") == "" {
				b.Skip("KB_TEST_POSTGRES is not set: skipping the PostgreSQL benchmarks")
			}
			u, err := largePostgres()
			if err != nil {
				b.Fatal(err)
			}
			db := openBench(b, u)
			b.Cleanup(db.Close)
			return db.Links()
		}},
		{"bbolt", func(b *testing.B) linkStore {
			path, err := largeBolt()
			if err != nil {
				b.Fatal(err)
			}
			return ticketstest.OpenFile(b, path)
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := bc.open(b)
			var lat latencies
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 1))
				for pb.Next() {
					key := fmt.Sprintf("OPS-%d", r.IntN(benchLinks))
					t0 := time.Now()
					links, err := s.ByTicket(context.Background(), "jira", key)
					lat.add(time.Since(t0))
					if err == nil && len(links) != 1 {
						err = fmt.Errorf("%s: %d links", key, len(links))
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			lat.report(b)
		})
	}
}
