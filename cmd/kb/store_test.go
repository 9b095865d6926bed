package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/feedback"
	"kb/tickets"
)

// fillBolt writes links, tokens, deliveries, resolved tickets, mentions and
// helpful counts into a new bbolt file and returns its path.
func fillBolt(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kb.db")
	db, err := openDBFile(path)
	require.NoError(t, err)
	defer db.Close()
	// A clock with nanoseconds, as time.Now has: PostgreSQL keeps
	// microseconds, and the copy back must still be exact.
	store, err := tickets.Open(db, func() time.Time { return testClock().Add(123456789 * time.Nanosecond) })
	require.NoError(t, err)
	fb, err := feedback.Open(db)
	require.NoError(t, err)
	ctx := context.Background()
	for i := range 250 {
		_, _, err := store.Add(ctx, tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: fmt.Sprintf("OPS-%d", i), Title: "disk full"}, ArticleID: fmt.Sprintf("a-%d", i%7), LinkedBy: "jira"})
		require.NoError(t, err)
	}
	_, err = store.CreateToken(ctx, "jira", tickets.ScopeWrite)
	require.NoError(t, err)
	_, err = store.CreateToken(ctx, "grafana", tickets.ScopeRead)
	require.NoError(t, err)
	_, _, err = store.Record(ctx, tickets.Delivery{Source: "pagerduty", ID: "d-1",
		Mentions: []tickets.Mention{{Ticket: tickets.Ticket{System: "pagerduty", Key: "P1"}, Refs: []string{"/a/a-1"}}}})
	require.NoError(t, err)
	_, _, err = store.Record(ctx, tickets.Delivery{Source: "jira", ID: "d-2", Links: []tickets.Link{{Ticket: tickets.Ticket{System: "jira", Key: "GAP-0"}, ArticleID: "a-0"}},
		Resolved: []tickets.Resolved{{Ticket: tickets.Ticket{System: "jira", Key: "GAP-0"}, Source: "jira", Articles: []string{"a-0"}}, {Ticket: tickets.Ticket{System: "jira", Key: "GAP-1"}, Source: "jira"}}})
	require.NoError(t, err)
	for range 3 {
		_, err := fb.Helpful(ctx, "a-2")
		require.NoError(t, err)
	}
	return path
}

// exportOf returns the export and token list of the bbolt file at path.
func exportOf(t *testing.T, path string) (links, tokens string) {
	t.Helper()
	out, _, err := kb(t, "", "links", "export", "--data", filepath.Dir(path))
	require.NoError(t, err)
	list, _, err := kb(t, "", "token", "list", "--data", filepath.Dir(path))
	require.NoError(t, err)
	return out, list
}

// TestStoreCopyBothWays moves a real bbolt store into PostgreSQL and back
// with kb store copy: every count is verified by the command, and the file
// at the end holds what the first one did.
func TestStoreCopyBothWays(t *testing.T) {
	pg := testDatabase(t)
	src := fillBolt(t)
	out, _, err := kb(t, "", "store", "copy", "--from", src, "--to", pg)
	require.NoError(t, err)
	assert.Contains(t, out, "251 links, 2 tokens, 2 webhook deliveries, 2 resolved tickets, 1 mentions, 1 \"this helped\" counts; every count verified")

	list, _, err := kb(t, "", "token", "list", "--store", pg)
	require.NoError(t, err)
	assert.Contains(t, list, "grafana")

	_, _, err = kb(t, "", "store", "copy", "--from", src, "--to", pg)
	assert.ErrorIs(t, err, tickets.ErrNotEmpty, "a copy never merges into a store in use")

	back := filepath.Join(t.TempDir(), "kb.db")
	out, _, err = kb(t, "", "store", "copy", "--from", pg, "--to", back)
	require.NoError(t, err)
	assert.Contains(t, out, "251 links, 2 tokens")

	wantLinks, wantTokens := exportOf(t, src)
	gotLinks, gotTokens := exportOf(t, back)
	assert.Equal(t, wantLinks, gotLinks, "links, times and authors survive both copies")
	assert.Equal(t, wantTokens, gotTokens)
	assert.Equal(t, 251, strings.Count(gotLinks, "\n"))
}

func TestStoreCopyErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no to", []string{"store", "copy", "--from", "x.db"}, "needs --from and --to"},
		{"missing source", []string{"store", "copy", "--from", filepath.Join(t.TempDir(), "none.db"), "--to", filepath.Join(t.TempDir(), "kb.db")}, "no such file"},
		{"not a postgres URL", []string{"store", "migrate", "--store", "mysql://u:pw@h/db"}, "want a PostgreSQL URL"},
		{"unknown verb", []string{"store", "merge"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := kb(t, "", tt.args...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "pw@", "a password is never shown")
		})
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("postgres://kb:secret@db:5432/kb")
	f.Add("postgres://db/kb")
	f.Add("x@y://:@")
	f.Fuzz(func(t *testing.T, s string) {
		got := redact(s)
		sc, at := strings.Index(s, "://"), strings.LastIndex(s, "@")
		if sc < 0 || at < sc+3 {
			assert.Equal(t, s, got, "nothing to hide")
			return
		}
		assert.Equal(t, s[:sc+3]+"xxxxx"+s[at:], got, "the whole user information is hidden, nothing else changes")
	})
}
