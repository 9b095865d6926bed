// Package searchlogtest is the conformance suite of searchlog.Store: every
// implementation (bbolt here, PostgreSQL in package postgres) passes Run. It
// also opens real bbolt stores for other packages' tests. For tests only.
package searchlogtest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"kb/searchlog"
)

// OpenBolt returns a bbolt store in a new file below tb.TempDir().
func OpenBolt(tb testing.TB, limits searchlog.Limits) *searchlog.Bolt {
	tb.Helper()
	db, err := bbolt.Open(filepath.Join(tb.TempDir(), "searchlog.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	require.NoError(tb, err)
	tb.Cleanup(func() { assert.NoError(tb, db.Close()) })
	s, err := searchlog.OpenBolt(db, limits)
	require.NoError(tb, err)
	return s
}

// Run checks the behaviour every store shares; open returns an empty store
// with the limits given.
func Run(t *testing.T, open func(t *testing.T, limits searchlog.Limits) searchlog.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	limits := searchlog.Limits{MaxQueries: 5, MaxAge: 30 * 24 * time.Hour}
	find := func(t *testing.T, s searchlog.Store, q string) (searchlog.Stat, bool) {
		t.Helper()
		stats, err := s.Stats(ctx)
		require.NoError(t, err)
		for _, st := range stats {
			if st.Query == q {
				return st, true
			}
		}
		return searchlog.Stat{}, false
	}

	t.Run("counts", func(t *testing.T) {
		s := open(t, limits)
		require.NoError(t, s.Record(ctx, "etcd  Leader", 4, t0))
		require.NoError(t, s.Record(ctx, "etcd leader", 0, t0.Add(time.Minute)))
		require.NoError(t, s.Record(ctx, "ETCD LEADER", 3, t0.Add(2*time.Minute)))
		require.NoError(t, s.Record(ctx, "vault sealed", 0, t0.Add(3*time.Minute)))
		require.NoError(t, s.Opened(ctx, "etcd leader", "/runbooks/etcd/no-leader#h-mitigation", t0.Add(3*time.Minute)))
		require.NoError(t, s.Opened(ctx, "etcd leader", "/runbooks/etcd/no-leader", t0.Add(4*time.Minute)))

		st, ok := find(t, s, "etcd leader")
		require.True(t, ok)
		assert.Equal(t, 3, st.Searches)
		assert.Equal(t, 1, st.Zero)
		assert.Equal(t, 3, st.LastResults)
		assert.Equal(t, 2, st.Opened)
		assert.Equal(t, map[string]int{"/runbooks/etcd/no-leader": 2}, st.Opens, "the fragment is not part of the result")
		assert.True(t, st.Last.Equal(t0.Add(2*time.Minute)), "last search: %v", st.Last)

		z, ok := find(t, s, "vault sealed")
		require.True(t, ok)
		assert.Equal(t, searchlog.Stat{Query: "vault sealed", Searches: 1, Zero: 1, Last: z.Last}, z)

		stats, err := s.Stats(ctx)
		require.NoError(t, err)
		require.Len(t, stats, 2)
		assert.Equal(t, "etcd leader", stats[0].Query, "most searched first")
	})

	t.Run("opened without a recorded search", func(t *testing.T) {
		s := open(t, limits)
		require.NoError(t, s.Opened(ctx, "disk full", "/runbooks/disk", t0))
		st, ok := find(t, s, "disk full")
		require.True(t, ok)
		assert.Equal(t, 1, st.Searches)
		assert.Equal(t, 1, st.Opened)
	})

	t.Run("bad input", func(t *testing.T) {
		s := open(t, limits)
		assert.ErrorIs(t, s.Record(ctx, "   ", 1, t0), searchlog.ErrBadQuery)
		assert.ErrorIs(t, s.Opened(ctx, "", "/x", t0), searchlog.ErrBadQuery)
		for _, u := range []string{"", "https://evil.example.com/", "//evil.example.com", "/" + strings.Repeat("a", 600), "/\xff"} {
			assert.ErrorIs(t, s.Opened(ctx, "q", u, t0), searchlog.ErrBadURL, u)
		}
		long := strings.Repeat("ü", 300)
		require.NoError(t, s.Record(ctx, long, 1, t0))
		stats, err := s.Stats(ctx)
		require.NoError(t, err)
		require.Len(t, stats, 1)
		assert.LessOrEqual(t, len(stats[0].Query), 200)
		assert.True(t, strings.HasPrefix(long, stats[0].Query))
	})

	t.Run("bounded", func(t *testing.T) {
		s := open(t, limits)
		for i := range 8 {
			require.NoError(t, s.Record(ctx, "query "+string(rune('a'+i)), 1, t0.Add(time.Duration(i)*time.Minute)))
		}
		stats, err := s.Stats(ctx)
		require.NoError(t, err)
		require.Len(t, stats, limits.MaxQueries, "at most MaxQueries kept")
		for _, st := range stats {
			assert.NotContains(t, []string{"query a", "query b", "query c"}, st.Query, "the least recent go first")
		}
		for i := range 12 {
			require.NoError(t, s.Opened(ctx, "query h", "/page/"+string(rune('a'+i)), t0.Add(10*time.Minute)))
		}
		st, _ := find(t, s, "query h")
		assert.Equal(t, 12, st.Opened)
		assert.Len(t, st.Opens, 10, "at most 10 result URLs a query")

		later := t0.Add(limits.MaxAge + 2*time.Hour)
		require.NoError(t, s.Record(ctx, "fresh", 2, later))
		stats, err = s.Stats(ctx)
		require.NoError(t, err)
		require.Len(t, stats, 1, "queries older than MaxAge are dropped")
		assert.Equal(t, "fresh", stats[0].Query)
	})

	t.Run("concurrent", func(t *testing.T) {
		s := open(t, searchlog.DefaultLimits)
		done := make(chan error)
		for range 8 {
			go func() {
				var err error
				for j := 0; j < 5 && err == nil; j++ {
					err = s.Record(ctx, "kafka lag", 2, t0)
				}
				done <- err
			}()
		}
		for range 8 {
			require.NoError(t, <-done)
		}
		st, ok := find(t, s, "kafka lag")
		require.True(t, ok)
		assert.Equal(t, 40, st.Searches, "no search lost")
	})
}
