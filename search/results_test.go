package search

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

// A query asked again within resultTTL is answered without a search slot,
// so a crowd typing the same words is not refused while every slot is
// busy; a new query still waits for one, and so does the same query once
// its answer is older than resultTTL or the index has changed.
func TestRepeatedQueryNeedsNoSlot(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	x := openSynced(t, Options{MaxConcurrent: 1, QueueWait: 10 * time.Millisecond, Now: clock},
		art("runbooks/etcd/no-leader.md", "# etcd has no leader\nThe cluster lost its quorum."),
		art("runbooks/etcd/disk.md", "# etcd disk latency\nSlow fsync on the data disk."))

	first, err := x.Search(t.Context(), Query{Text: "etcd quo"})
	require.NoError(t, err)
	require.NotEmpty(t, first.Hits)
	first.Hits[0].Title = "changed by the caller"

	x.sem <- struct{}{} // every slot busy
	again, err := x.Search(t.Context(), Query{Text: "etcd quo"})
	require.NoError(t, err, "the same query, answered from the cache")
	assert.Equal(t, "etcd has no leader", again.Hits[0].Title, "a caller's change is its own")
	_, err = x.Search(t.Context(), Query{Text: "etcd disk"})
	assert.ErrorIs(t, err, ErrBusy, "another query needs a slot")
	_, err = x.Search(t.Context(), Query{Text: "etcd quo", Limit: 3})
	assert.ErrorIs(t, err, ErrBusy, "another page size is another answer")

	advance(resultTTL + time.Second)
	_, err = x.Search(t.Context(), Query{Text: "etcd quo"})
	assert.ErrorIs(t, err, ErrBusy, "an old answer is not kept")
	<-x.sem

	_, err = x.Search(t.Context(), Query{Text: "etcd quo"})
	require.NoError(t, err)
	require.NoError(t, x.Update(t.Context(), []*content.Article{art("runbooks/etcd/no-leader.md", "# etcd lost quorum\nThe cluster lost its quorum.")}))
	res, err := x.Search(t.Context(), Query{Text: "etcd quo"})
	require.NoError(t, err)
	require.NotEmpty(t, res.Hits)
	assert.Equal(t, "etcd lost quorum", res.Hits[0].Title, "the index changed: searched again")
}
