package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
)

func TestPopularityCountsRecentResolutions(t *testing.T) {
	store, closeStore, err := openStore(filepath.Join(t.TempDir(), "data"))
	require.NoError(t, err)
	defer closeStore()
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

	var p popularity
	assert.Zero(t, p.of("disk"), "nothing before the first count")
	require.NoError(t, p.count(ctx, store, now))
	assert.Equal(t, 2, p.of("disk"))
	assert.Equal(t, 1, p.of("dns"))
	assert.Zero(t, p.of("nope"))
}
