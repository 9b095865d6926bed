package search

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

func mustSearch(t *testing.T, x *Index, text string) Results {
	t.Helper()
	res, err := x.Search(context.Background(), Query{Text: text})
	require.NoError(t, err)
	return res
}

func TestNotReadyUntilSynced(t *testing.T) {
	x, err := Open(t.TempDir(), Options{})
	require.NoError(t, err)
	defer func() { assert.NoError(t, x.Close()) }()
	assert.False(t, x.Ready())
	assert.False(t, x.Status().Ready)
	_, err = x.Search(context.Background(), Query{Text: "etcd"})
	assert.ErrorIs(t, err, ErrNotReady)
	assert.ErrorIs(t, x.Update(context.Background(), fixtures()[:1]), ErrNotReady)
	assert.Equal(t, uint64(1), x.Stats().NotReady)

	require.NoError(t, x.Sync(context.Background(), snapshot("v1", fixtures()...)))
	assert.True(t, x.Ready())
	st := x.Status()
	assert.Equal(t, len(fixtures()), st.Docs)
	assert.Equal(t, "v1", st.ContentVersion)
	assert.Equal(t, MappingVersion, st.MappingVersion)
	assert.NoError(t, st.Err)
}

func TestReopenDoesNotReindexUnchangedArticles(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir, Options{})
	require.NoError(t, err)
	require.NoError(t, x.Sync(context.Background(), snapshot("v1", fixtures()...)))
	assert.Equal(t, uint64(len(fixtures())), x.indexed.Load())
	require.NoError(t, x.Close())

	x, err = Open(dir, Options{})
	require.NoError(t, err)
	defer func() { assert.NoError(t, x.Close()) }()
	assert.True(t, x.Ready(), "an existing index serves at once")
	assert.Equal(t, "runbooks-etcd-etcdNoLeader", mustSearch(t, x, "etcdNoLeader").Hits[0].ID)

	// the same content, loaded again (new objects, same bytes)
	require.NoError(t, x.Sync(context.Background(), snapshot("v1", fixtures()...)))
	assert.Zero(t, x.indexed.Load(), "no article was indexed again")
}

func TestSyncIndexesOnlyWhatChanged(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	before := x.indexed.Load()

	arts := fixtures()
	var kept []*content.Article
	for _, a := range arts {
		switch a.ID {
		case "articles-postgres-vacuum": // deleted
			continue
		case "runbooks-general-Watchdog": // changed
			a.Doc.Text += "\nIf the heartbeat stops, page the observability team."
		}
		kept = append(kept, a)
	}
	kept = append(kept, art("articles/redis/eviction.md", "# Redis evicts keys\nmaxmemory reached, keys evicted."))
	require.NoError(t, x.Sync(context.Background(), snapshot("v2", kept...)))

	assert.Equal(t, uint64(2), x.indexed.Load()-before, "one changed and one new article")
	assert.Equal(t, "runbooks-general-Watchdog", mustSearch(t, x, "heartbeat stops").Hits[0].ID)
	assert.Equal(t, "articles-redis-eviction", mustSearch(t, x, "maxmemory").Hits[0].ID)
	assert.Zero(t, mustSearch(t, x, "autovacuum").Total)
	assert.Equal(t, "v2", x.Status().ContentVersion)
	assert.Equal(t, len(kept), x.Status().Docs)
}

func TestUpdateAndDelete(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	changed := art("runbooks/general/Watchdog.md", "# Watchdog\nThe deadman switch: silence means the pipeline is broken.")
	require.NoError(t, x.Update(context.Background(), []*content.Article{changed}))
	res := mustSearch(t, x, "deadman switch") // searchable once Update returns: there is no refresh interval
	require.NotEmpty(t, res.Hits)
	assert.Equal(t, "runbooks-general-Watchdog", res.Hits[0].ID)
	assert.Zero(t, mustSearch(t, x, `"end to end"`).Total, "the old text is gone")
	assert.Equal(t, "", x.Status().ContentVersion, "no longer a whole snapshot")

	require.NoError(t, x.Delete(context.Background(), []string{"runbooks-general-Watchdog", "no-such-id"}))
	assert.Zero(t, mustSearch(t, x, "deadman").Total)
	assert.Equal(t, len(fixtures())-1, x.Status().Docs)

	// a later Sync puts the index back in line with the snapshot
	require.NoError(t, x.Sync(context.Background(), snapshot("v3", fixtures()...)))
	assert.Equal(t, "runbooks-general-Watchdog", mustSearch(t, x, "watchdog").Hits[0].ID)
	assert.Equal(t, "v3", x.Status().ContentVersion)
}

// damage functions break an index folder in the ways disks and people do.
func TestDamagedIndexIsRebuilt(t *testing.T) {
	eachFile := func(t *testing.T, dir string, fn func(path string, size int64)) {
		cur, err := os.ReadFile(filepath.Join(dir, currentFile))
		require.NoError(t, err)
		gen := filepath.Join(dir, string(cur[:len(cur)-1]))
		n := 0
		require.NoError(t, filepath.Walk(gen, func(p string, info os.FileInfo, err error) error {
			if err == nil && info.Mode().IsRegular() {
				fn(p, info.Size())
				n++
			}
			return err
		}))
		require.Positive(t, n)
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{name: "garbage in every file", damage: func(t *testing.T, dir string) {
			eachFile(t, dir, func(p string, size int64) {
				garbage := make([]byte, max(size, 64))
				for i := range garbage {
					garbage[i] = byte(i*7 + 13)
				}
				require.NoError(t, os.WriteFile(p, garbage, 0o600))
			})
		}},
		{name: "every file truncated", damage: func(t *testing.T, dir string) {
			eachFile(t, dir, func(p string, size int64) { require.NoError(t, os.Truncate(p, size/2)) })
		}},
		{name: "every file empty", damage: func(t *testing.T, dir string) {
			eachFile(t, dir, func(p string, size int64) { require.NoError(t, os.Truncate(p, 0)) })
		}},
		{name: "current names a missing generation", damage: func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, currentFile), []byte("gen-1\n"), 0o600))
		}},
		{name: "current is garbage", damage: func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, currentFile), []byte("../../etc\x00"), 0o600))
		}},
		{name: "generation deleted", damage: func(t *testing.T, dir string) {
			cur, err := os.ReadFile(filepath.Join(dir, currentFile))
			require.NoError(t, err)
			require.NoError(t, os.RemoveAll(filepath.Join(dir, string(cur[:len(cur)-1]))))
		}},
		{name: "other mapping version", damage: func(t *testing.T, dir string) {
			cur, err := os.ReadFile(filepath.Join(dir, currentFile))
			require.NoError(t, err)
			idx, err := bleve.Open(filepath.Join(dir, string(cur[:len(cur)-1])))
			require.NoError(t, err)
			require.NoError(t, idx.SetInternal([]byte(keyMeta), []byte(`{"mapping":0,"content":"v1"}`)))
			require.NoError(t, idx.Close())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			x, err := Open(dir, Options{})
			require.NoError(t, err)
			require.NoError(t, x.Sync(context.Background(), snapshot("v1", fixtures()...)))
			require.NoError(t, x.Close())

			tt.damage(t, dir)

			x, err = Open(dir, Options{LockTimeout: 200 * time.Millisecond})
			require.NoError(t, err, "a damaged index never stops kb from starting")
			defer func() { assert.NoError(t, x.Close()) }()
			// either the damage is found at once (not ready), or the first
			// search that meets it marks the index for rebuilding
			if x.Ready() {
				_, _ = x.Search(context.Background(), Query{Text: "etcd leader"})
			}
			require.NoError(t, x.Sync(context.Background(), snapshot("v1", fixtures()...)))
			assert.True(t, x.Ready())
			res := mustSearch(t, x, "etcdNoLeader")
			require.NotEmpty(t, res.Hits)
			assert.Equal(t, "runbooks-etcd-etcdNoLeader", res.Hits[0].ID)

			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			gens := 0
			for _, e := range entries {
				if isGeneration(e.Name()) {
					gens++
				}
			}
			assert.Equal(t, 1, gens, "the damaged generation is removed")
		})
	}
}

func TestLockedByAnotherWriter(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir, Options{})
	require.NoError(t, err)
	require.NoError(t, x.Sync(context.Background(), snapshot("v1", fixtures()...)))

	// Both give up after their 100 ms instead of waiting for the writer; the
	// bound is 50 times that, for a loaded machine.
	start := time.Now()
	_, err = Open(dir, Options{LockTimeout: 100 * time.Millisecond})
	assert.ErrorIs(t, err, ErrLocked)
	_, err = Open(dir, Options{ReadOnly: true, LockTimeout: 100 * time.Millisecond})
	assert.ErrorIs(t, err, ErrLocked)
	assert.Less(t, time.Since(start), 10*time.Second, "gives up after the lock timeout")
	require.NoError(t, x.Close())

	// with the writer gone, readers share the index
	r1, err := Open(dir, Options{ReadOnly: true})
	require.NoError(t, err)
	defer func() { assert.NoError(t, r1.Close()) }()
	r2, err := Open(dir, Options{ReadOnly: true})
	require.NoError(t, err)
	defer func() { assert.NoError(t, r2.Close()) }()
	assert.True(t, r1.Ready())
	assert.Equal(t, "runbooks-etcd-etcdNoLeader", mustSearch(t, r2, "etcdNoLeader").Hits[0].ID)
	assert.ErrorIs(t, r1.Sync(context.Background(), snapshot("v2")), ErrReadOnly)
	assert.ErrorIs(t, r1.Update(context.Background(), nil), ErrReadOnly)
}

func TestReadOnlyWithoutIndex(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "missing"), Options{ReadOnly: true})
	require.NoError(t, err)
	defer func() { assert.NoError(t, x.Close()) }()
	assert.False(t, x.Ready())
	_, err = x.Search(context.Background(), Query{Text: "etcd"})
	assert.ErrorIs(t, err, ErrNotReady)
	assert.Error(t, x.Status().Err)
}

func TestRebuildKeepsServing(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	wg.Go(func() {
		for ctx.Err() == nil {
			res, err := x.Search(context.Background(), Query{Text: "etcdNoLeader"})
			if err == nil && (len(res.Hits) == 0 || res.Hits[0].ID != "runbooks-etcd-etcdNoLeader") {
				err = errors.New("wrong results during rebuild")
			}
			if err != nil {
				select {
				case errs <- err:
				default:
				}
				return
			}
		}
	})
	for i := range 3 {
		require.NoError(t, x.Rebuild(context.Background(), snapshot("v"+string(rune('2'+i)), fixtures()...)))
	}
	cancel()
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	assert.Equal(t, "v4", x.Status().ContentVersion)
}

func TestInMemoryIndex(t *testing.T) {
	x, err := New(Options{})
	require.NoError(t, err)
	defer func() { assert.NoError(t, x.Close()) }()
	require.NoError(t, x.Sync(context.Background(), snapshot("v1", fixtures()...)))
	assert.Equal(t, "runbooks-general-Watchdog", mustSearch(t, x, "watchdog").Hits[0].ID)
}

func TestCloseStopsEverything(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	require.NoError(t, x.Close())
	require.NoError(t, x.Close(), "Close twice is harmless")
	_, err := x.Search(context.Background(), Query{Text: "etcd"})
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, x.Sync(context.Background(), snapshot("v2")), ErrClosed)
	assert.False(t, x.Ready())
}

// TestUpdatesSurviveReopen: single updates store only the manifest entries
// they change (kb.manifest.pending); a reopened index knows them, so a Sync
// of the same content indexes nothing again.
func TestUpdatesSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	x, err := Open(dir, Options{})
	require.NoError(t, err)
	require.NoError(t, x.Sync(context.Background(), snapshot("v1", fixtures()...)))
	changed := art("runbooks/general/Watchdog.md", "# Watchdog\nThe deadman switch: silence means the pipeline is broken.")
	require.NoError(t, x.Update(context.Background(), []*content.Article{changed}))
	require.NoError(t, x.Delete(context.Background(), []string{"articles-postgres-vacuum"}))
	require.Len(t, x.current().pending, 2, "two entries stored apart from the manifest")
	require.NoError(t, x.Close())

	x, err = Open(dir, Options{})
	require.NoError(t, err)
	defer func() { assert.NoError(t, x.Close()) }()
	man := x.current().entries()
	assert.NotContains(t, man, "articles-postgres-vacuum")
	var kept []*content.Article
	for _, a := range fixtures() {
		switch a.ID {
		case "articles-postgres-vacuum":
		case "runbooks-general-Watchdog":
			kept = append(kept, changed)
		default:
			kept = append(kept, a)
		}
	}
	before := x.indexed.Load()
	require.NoError(t, x.Sync(context.Background(), snapshot("v2", kept...)))
	assert.Equal(t, before, x.indexed.Load(), "the reopened manifest has the updates")
	assert.Empty(t, x.current().pending, "a sync stores the whole manifest")
	assert.Equal(t, "runbooks-general-Watchdog", mustSearch(t, x, "deadman switch").Hits[0].ID)
}
