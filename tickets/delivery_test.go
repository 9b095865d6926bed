package tickets

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"
)

func TestRecordIsIdempotent(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := Delivery{
		Source: "jira", ID: "wh-1",
		Links: []Link{link("jira", "OPS-1", "etcd-no-leader"), link("jira", "OPS-1", "disk-full")},
		Resolved: []Resolved{
			{Ticket: Ticket{System: "jira", Key: "OPS-1", Title: "etcd down"}, Source: "jira", Articles: []string{"etcd-no-leader", "disk-full"}},
			{Ticket: Ticket{System: "jira", Key: "OPS-2", Title: "Mail <b>slow</b>"}, Source: "jira", Unresolved: []string{"/runbooks/mail"}},
		},
	}
	stored, dup, err := s.Record(ctx, d)
	require.NoError(t, err)
	assert.False(t, dup)
	assert.Len(t, stored, 2)

	var wg sync.WaitGroup
	for range 20 { // retries, some at the same time
		wg.Go(func() {
			_, dup, err := s.Record(ctx, d)
			assert.NoError(t, err)
			assert.True(t, dup, "a retry of a recorded delivery is a duplicate")
		})
	}
	wg.Wait()
	n, err := s.Count(ctx, "etcd-no-leader")
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	var got []Resolved
	require.NoError(t, s.EachResolved(ctx, func(r Resolved) error { got = append(got, r); return nil }))
	require.Len(t, got, 2)
	assert.False(t, got[0].Gap())
	assert.True(t, got[1].Gap())
	assert.Equal(t, []string{"/runbooks/mail"}, got[1].Unresolved)

	// A later delivery about OPS-1 without links keeps it linked.
	_, _, err = s.Record(ctx, Delivery{Source: "jira", ID: "wh-2", Resolved: []Resolved{{Ticket: Ticket{System: "jira", Key: "OPS-1"}, Source: "jira"}}})
	require.NoError(t, err)
	got = nil
	require.NoError(t, s.EachResolved(ctx, func(r Resolved) error { got = append(got, r); return nil }))
	assert.False(t, got[0].Gap(), "a ticket once linked stays linked")
}

func TestRecordRejects(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for name, d := range map[string]Delivery{
		"no source":    {ID: "1"},
		"no id":        {Source: "jira"},
		"control id":   {Source: "jira", ID: "a\nb"},
		"invalid link": {Source: "jira", ID: "1", Links: []Link{link("jira", "A\x00", "x")}},
		"invalid ticket": {Source: "jira", ID: "2",
			Resolved: []Resolved{{Ticket: Ticket{System: "jira", Key: "a/b"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := s.Record(ctx, d)
			var ve *ValidationError
			assert.ErrorAs(t, err, &ve)
		})
	}
	_, dup, err := s.Record(ctx, Delivery{Source: "jira", ID: "1"})
	require.NoError(t, err)
	assert.False(t, dup, "a rejected delivery was not recorded")
}

// TestUpgradeFromSchema1 opens a file written by the first version of the
// store (links and tokens only) and finds its links in the new indexes.
func TestUpgradeFromSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kb.db")
	db := openDB(t, path)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucket([]byte(bucketMeta))
		require.NoError(t, err)
		require.NoError(t, meta.Put(keySchema, []byte("1")))
		byTicket, err := tx.CreateBucket([]byte(bucketByTicket))
		require.NoError(t, err)
		byArticle, err := tx.CreateBucket([]byte(bucketByArticle))
		require.NoError(t, err)
		_, err = tx.CreateBucket([]byte(bucketTokens))
		require.NoError(t, err)
		for i, key := range []string{"OPS-1", "OPS-2", "OPS-3"} {
			l := link("jira", key, "disk-full")
			l.LinkedAt = l.LinkedAt.AddDate(2026, 0, i)
			l.UpdatedAt = l.LinkedAt
			val, err := json.Marshal(l)
			require.NoError(t, err)
			require.NoError(t, byTicket.Put(ticketKey("jira", key, "disk-full"), val))
			require.NoError(t, byArticle.Put(articleKey("disk-full", "jira", key), val))
		}
		return nil
	}))
	s, err := Open(db, nil)
	require.NoError(t, err)
	ctx := context.Background()
	page, total, err := s.ByArticle(ctx, "disk-full", 0, 2)
	require.NoError(t, err)
	assert.Equal(t, 3, total)
	require.Len(t, page, 2)
	assert.Equal(t, "OPS-3", page[0].Ticket.Key, "newest first")
	counts, err := s.Counts(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"disk-full": 3}, counts)
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		assert.Equal(t, "2", string(tx.Bucket([]byte(bucketMeta)).Get(keySchema)))
		return nil
	}))
}

func TestIndexesFollowWrites(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, k := range []string{"A-1", "A-2", "A-3"} {
		_, _, err := s.Add(ctx, link("jira", k, "x"))
		require.NoError(t, err)
	}
	_, _, err := s.Add(ctx, link("jira", "A-1", "x")) // updated: now the newest
	require.NoError(t, err)
	page, total, err := s.ByArticle(ctx, "x", 0, 0)
	require.NoError(t, err)
	assert.Equal(t, 3, total)
	require.Len(t, page, 3, "an update moves a link, it does not add one")
	assert.Equal(t, "A-1", page[0].Ticket.Key)
	require.NoError(t, s.Delete(ctx, "jira", "A-2", "x"))
	page, total, err = s.ByArticle(ctx, "x", 0, 10)
	require.NoError(t, err)
	assert.Equal(t, 2, total)
	assert.Len(t, page, 2)
	for _, k := range []string{"A-1", "A-3"} {
		require.NoError(t, s.Delete(ctx, "jira", k, "X"), "article ids are matched without case")
	}
	counts, err := s.Counts(ctx)
	require.NoError(t, err)
	assert.Empty(t, counts)
}

func TestMentionsWaitForTheResolution(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	incident := Ticket{System: "pagerduty", Key: "Q2X7"}
	_, _, err := s.Record(ctx, Delivery{Source: "pagerduty", ID: "note-1", Mentions: []Mention{{Ticket: incident, Refs: []string{"/a/x", "/a/y"}}}})
	require.NoError(t, err)
	_, _, err = s.Record(ctx, Delivery{Source: "pagerduty", ID: "note-2", Mentions: []Mention{{Ticket: incident, Refs: []string{"/a/y", "/a/z", "bad\nref"}}}})
	require.NoError(t, err)
	refs, err := s.Mentions(ctx, "pagerduty", "Q2X7")
	require.NoError(t, err)
	assert.Equal(t, []string{"/a/x", "/a/y", "/a/z"}, refs, "in order, once each, printable only")

	_, _, err = s.Record(ctx, Delivery{Source: "pagerduty", ID: "resolved", Resolved: []Resolved{{Ticket: incident, Source: "pagerduty", Articles: []string{"x"}}}})
	require.NoError(t, err)
	refs, err = s.Mentions(ctx, "pagerduty", "Q2X7")
	require.NoError(t, err)
	assert.Empty(t, refs, "the resolution uses them up")
}
