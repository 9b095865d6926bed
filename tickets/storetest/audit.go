package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
)

func testAudit(t *testing.T, b Backend) {
	c := newClock()
	o := open(t, b, c)
	s := o.Links
	ctx := context.Background()
	require.NoError(t, s.Append(ctx, tickets.Event{Who: "jira", Action: tickets.ActLinkWrite, Target: "jira/OPS-1/disk-full", From: "10.0.0.7:5123"}))
	require.NoError(t, s.Append(ctx, tickets.Event{Action: tickets.ActAccessDenied, Target: "security/keys", From: "10.0.0.8:1"}))
	stamped := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	require.NoError(t, s.Append(ctx, tickets.Event{Time: stamped, Who: "ana", Action: tickets.ActSignIn, From: "::1", Detail: strings.Repeat("é", 1000)}))

	all, err := s.List(ctx, tickets.AuditQuery{})
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, tickets.ActSignIn, all[0].Action, "newest first")
	assert.True(t, stamped.Equal(all[0].Time), "a given time is kept")
	assert.LessOrEqual(t, len(all[0].Detail), 512, "fields are bounded")
	assert.True(t, strings.HasPrefix(all[0].Detail, "éé"))
	assert.Equal(t, "anonymous", all[1].Who, "nobody known is anonymous")
	assert.Equal(t, "security/keys", all[1].Target)
	assert.Equal(t, tickets.Event{Time: all[2].Time, Who: "jira", Action: tickets.ActLinkWrite, Target: "jira/OPS-1/disk-full", From: "10.0.0.7:5123"}, all[2])
	assert.False(t, all[2].Time.IsZero(), "stamped from the store's clock")

	page, err := s.List(ctx, tickets.AuditQuery{Offset: 1, Limit: 1})
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, tickets.ActAccessDenied, page[0].Action)
	since, err := s.List(ctx, tickets.AuditQuery{Since: all[1].Time})
	require.NoError(t, err)
	assert.Len(t, since, 2, "since includes its own instant")
	who, err := s.List(ctx, tickets.AuditQuery{Who: "jira"})
	require.NoError(t, err)
	require.Len(t, who, 1, "filtered by who")
	assert.Equal(t, "jira", who[0].Who)
	act, err := s.List(ctx, tickets.AuditQuery{Action: tickets.ActSignIn, Who: "ana"})
	require.NoError(t, err)
	require.Len(t, act, 1, "filtered by action and who")
	none, err := s.List(ctx, tickets.AuditQuery{Action: tickets.ActSignIn, Who: "jira"})
	require.NoError(t, err)
	assert.Empty(t, none)
	filteredPage, err := s.List(ctx, tickets.AuditQuery{Action: tickets.ActAccessDenied, Offset: 1})
	require.NoError(t, err)
	assert.Empty(t, filteredPage, "the offset counts filtered entries")

	// The trail survives a reopen.
	require.NoError(t, o.Close())
	again, err := open(t, b, c).Links.List(ctx, tickets.AuditQuery{})
	require.NoError(t, err)
	assert.Len(t, again, 3)
}

func testAuditBounds(t *testing.T, b Backend) {
	if b.OpenAudit == nil {
		t.Skip("backend cannot bound its audit trail")
	}
	c := newClock()
	o := b.OpenAudit(t, c.now, tickets.AuditLimits{MaxAge: time.Hour, MaxEntries: 10})
	t.Cleanup(func() { assert.NoError(t, o.Close()) })
	s := o.Links
	ctx := context.Background()
	for i := range 25 {
		require.NoError(t, s.Append(ctx, tickets.Event{Who: "jira", Action: tickets.ActLinkWrite, Target: fmt.Sprint(i)}))
	}
	all, err := s.List(ctx, tickets.AuditQuery{Limit: 100})
	require.NoError(t, err)
	require.Len(t, all, 10, "the newest MaxEntries are kept")
	assert.Equal(t, "24", all[0].Target)
	assert.Equal(t, "15", all[9].Target)

	// Entries past MaxAge go at the next append.
	c.mu.Lock()
	c.t = c.t.Add(2 * time.Hour)
	c.mu.Unlock()
	require.NoError(t, s.Append(ctx, tickets.Event{Action: tickets.ActSignIn}))
	all, err = s.List(ctx, tickets.AuditQuery{Limit: 100})
	require.NoError(t, err)
	require.Len(t, all, 1, "entries older than MaxAge are pruned")
	assert.Equal(t, tickets.ActSignIn, all[0].Action)

	// Concurrent appends all land (bounded by MaxEntries).
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() { assert.NoError(t, s.Append(ctx, tickets.Event{Action: tickets.ActTokenFirstUse})) })
	}
	wg.Wait()
	all, err = s.List(ctx, tickets.AuditQuery{Limit: 100})
	require.NoError(t, err)
	assert.Len(t, all, 10)
}

func testTokenFirstUse(t *testing.T, b Backend) {
	c := newClock()
	s := open(t, b, c).Links
	ctx := context.Background()
	_, err := s.CreateToken(ctx, "jira", tickets.ScopeWrite)
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for range writers {
		wg.Go(func() {
			first, err := s.MarkUsed(ctx, "jira")
			assert.NoError(t, err)
			if first {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, firsts, "exactly one call sees the first use")
	first, err := s.MarkUsed(ctx, "gone")
	require.NoError(t, err, "a token revoked meanwhile is no error")
	assert.False(t, first)
}
