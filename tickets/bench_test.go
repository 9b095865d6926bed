package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// writers is the number of concurrent writers of the write benchmarks.
const writers = 20

// BenchmarkLinkWrite stores links from 20 concurrent writers, each write on
// disk (fsync) before it returns: "kb" through Store.Add (both indexes, the
// counts, one JSON encoding), "bare" as one bbolt Update putting the same
// bytes once. writes/s is the throughput.
func BenchmarkLinkWrite(b *testing.B) {
	l := link("jira", "OPS-1", "disk-full")
	val, err := json.Marshal(l)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		write func(s *Store, n int64) error
	}{
		{"kb", func(s *Store, n int64) error {
			l := l
			l.Ticket.Key = fmt.Sprintf("OPS-%d", n)
			_, _, err := s.Add(context.Background(), l)
			return err
		}},
		{"bare", func(s *Store, n int64) error {
			return s.db.Update(func(tx *bbolt.Tx) error {
				return tx.Bucket([]byte(bucketByTicket)).Put(fmt.Appendf(nil, "jira\x00OPS-%d\x00disk-full", n), val)
			})
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db, err := bbolt.Open(filepath.Join(b.TempDir(), "kb.db"), 0o600, &bbolt.Options{Timeout: time.Second})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				if err := db.Close(); err != nil {
					b.Error(err)
				}
			})
			s, err := Open(db, nil)
			if err != nil {
				b.Fatal(err)
			}
			var seq atomic.Int64
			b.SetParallelism(max(1, writers/max(1, testingProcs())))
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := bc.write(s, seq.Add(1)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "writes/s")
		})
	}
}

func testingProcs() int { return runtime.GOMAXPROCS(0) }
