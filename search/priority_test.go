package search

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSearchesPauseForForeground: a yield point waits while a foreground
// request is in flight and goes on as soon as it ends, never longer than
// maxPause, and not at all when none is.
func TestSearchesPauseForForeground(t *testing.T) {
	var p priority
	ctx := context.Background()

	start := time.Now()
	p.yield(ctx)
	assert.Less(t, time.Since(start), maxPause, "nothing in flight: no pause")

	leave := p.enter()
	done := make(chan struct{})
	go func() {
		p.yield(ctx)
		close(done)
	}()
	leave()
	leave() // a second call changes nothing
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the search stayed paused after the page ended")
	}
	assert.Zero(t, p.n.Load())

	hold := p.enter()
	t.Cleanup(hold)
	start = time.Now()
	p.yield(ctx)
	assert.GreaterOrEqual(t, time.Since(start), maxPause, "a page in flight: the search paused")
}

// TestForegroundSearchStillAnswers: a search started while foreground
// requests are held is slowed by at most its pauses, never stopped.
func TestForegroundSearchStillAnswers(t *testing.T) {
	x := openSynced(t, Options{}, art("runbooks/etcd.md", "# Etcd disk latency\n\nCheck the etcd disk."))
	leave := x.Foreground()
	defer leave()
	res, err := x.Search(context.Background(), Query{Text: "etcd disk"})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Total)
}
