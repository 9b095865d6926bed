package live

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
	"kb/tickets/ticketstest"
)

func TestPopularityCountsRecentResolutions(t *testing.T) {
	store := ticketstest.Open(t)
	ctx := context.Background()
	now := time.Now()
	old := now.Add(-200 * 24 * time.Hour)
	add := func(key, article string, rel tickets.Relation, resolved *time.Time) {
		_, _, err := store.Add(ctx, tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: key, ResolvedAt: resolved}, ArticleID: article, Relation: rel})
		require.NoError(t, err)
	}
	add("OPS-1", "disk", tickets.ResolvedBy, nil)
	add("OPS-2", "disk", tickets.Workaround, &now)
	add("OPS-3", "disk", tickets.Referenced, nil)  // mentioned, not solved
	add("OPS-4", "disk", tickets.ResolvedBy, &old) // too long ago
	add("OPS-5", "dns", tickets.ResolvedBy, nil)

	p := NewPopularity(store, time.Now, nil)
	assert.Zero(t, p.Of("disk"), "nothing before the first count")
	require.NoError(t, p.count(ctx, store, now))
	assert.Equal(t, 2, p.Of("disk"))
	assert.Equal(t, 1, p.Of("dns"))
	assert.Zero(t, p.Of("nope"))
}

// TestPopularityRun counts with the injected clock as soon as Run starts.
func TestPopularityRun(t *testing.T) {
	now := time.Date(2026, 9, 3, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := ticketstest.OpenClock(t, clock)
	ctx, cancel := context.WithCancel(context.Background())
	_, _, err := store.Add(ctx, tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: "OPS-1"}, ArticleID: "disk"})
	require.NoError(t, err)
	long := now.Add(-100 * 24 * time.Hour)
	_, _, err = store.Add(ctx, tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: "OPS-2", ResolvedAt: &long}, ArticleID: "disk"})
	require.NoError(t, err)

	p := NewPopularity(store, clock, nil)
	done := make(chan struct{})
	go func() { p.run(ctx); close(done) }()
	assert.Eventually(t, func() bool { return p.Of("disk") == 1 }, 10*time.Second, 10*time.Millisecond)
	cancel()
	waitDone(t, done)
}

func TestPopularityWithoutLinks(t *testing.T) {
	p := NewPopularity(nil, nil, nil)
	done := make(chan struct{})
	go func() { p.run(context.Background()); close(done) }()
	waitDone(t, done) // nothing to count: run returns at once
	assert.Zero(t, p.Of("disk"))
}

// waitDone fails the test unless done is closed within a generous deadline.
func waitDone(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30s after its context ended")
	}
}

// TestPopularityChanged recounts soon after Changed, long before the
// periodic recount: a link written on another replica boosts search here.
func TestPopularityChanged(t *testing.T) {
	now := time.Date(2026, 9, 3, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := ticketstest.OpenClock(t, clock)
	ctx, cancel := context.WithCancel(context.Background())
	p := NewPopularity(store, clock, nil)
	done := make(chan struct{})
	go func() { p.run(ctx); close(done) }()
	_, _, err := store.Add(ctx, tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: "OPS-1"}, ArticleID: "disk"})
	require.NoError(t, err)
	assert.Eventually(t, func() bool {
		p.Changed()
		return p.Of("disk") == 1
	}, 10*time.Second, 50*time.Millisecond)
	cancel()
	waitDone(t, done)
}
