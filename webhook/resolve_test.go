package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
	"kb/tickets/ticketstest"
)

// articles is a Resolver over a fixed table of references; the server's
// resolver over a content snapshot is tested with the server.
type articles map[string]string

func (a articles) Resolve(ref string) (id, anchor string, ok bool) {
	path, anchor, _ := strings.Cut(ref, "#")
	id, ok = a[path]
	if !ok {
		return "", "", false
	}
	return id, anchor, true
}

var testArticles = articles{
	"/a/etcd-no-leader":           "etcd-no-leader",
	"/runbooks/etcd/no-leader":    "etcd-no-leader",
	"/alerts/EtcdNoLeader":        "etcd-no-leader",
	"/runbooks/postgres/wal-full": "wal-full",
}

func openStore(t *testing.T) *tickets.Store {
	t.Helper()
	now := time.Date(2026, 9, 3, 12, 0, 0, 0, time.UTC)
	return ticketstest.OpenClock(t, func() time.Time { return now })
}

func resolution(key string, resolved bool, refs ...string) Resolution {
	r := Resolution{Ticket: tickets.Ticket{System: "jira", Key: key}, Resolved: resolved}
	for _, s := range refs {
		p, a, _ := strings.Cut(s, "#")
		r.Refs = append(r.Refs, Ref{Path: p, Anchor: a})
	}
	return r
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name       string
		ticket     Resolution
		want       TicketResult
		wantAnchor map[string]string // article id → anchor of its stored link
	}{
		{
			name:   "resolved with references",
			ticket: resolution("OPS-1", true, "/runbooks/etcd/no-leader#restore-quorum", "/a/etcd-disk-latency"),
			want: TicketResult{System: "jira", Key: "OPS-1", Resolved: true, Linked: []string{"etcd-no-leader"},
				Unresolved: []string{"/a/etcd-disk-latency"}},
			wantAnchor: map[string]string{"etcd-no-leader": "restore-quorum"},
		},
		{
			name:       "two references to one article are one link",
			ticket:     resolution("OPS-2", true, "/a/etcd-no-leader", "/alerts/EtcdNoLeader#x"),
			want:       TicketResult{System: "jira", Key: "OPS-2", Resolved: true, Linked: []string{"etcd-no-leader"}},
			wantAnchor: map[string]string{"etcd-no-leader": ""},
		},
		{
			name:       "a fragment that is no heading id links the article",
			ticket:     resolution("OPS-3", true, "/runbooks/postgres/wal-full#two words"),
			want:       TicketResult{System: "jira", Key: "OPS-3", Resolved: true, Linked: []string{"wal-full"}},
			wantAnchor: map[string]string{"wal-full": ""},
		},
		{
			name:   "resolved without an article is a gap",
			ticket: resolution("OPS-4", true, "/a/nothing-here"),
			want: TicketResult{System: "jira", Key: "OPS-4", Resolved: true, Linked: []string{},
				Unresolved: []string{"/a/nothing-here"}, Gap: true},
		},
		{
			name:   "open ticket links nothing",
			ticket: resolution("OPS-5", false, "/a/etcd-no-leader"),
			want:   TicketResult{System: "jira", Key: "OPS-5", Linked: []string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			store := openStore(t)
			d := Delivery{Source: Jira, ID: "d-" + tt.ticket.Ticket.Key, Tickets: []Resolution{tt.ticket}}
			res, err := Resolve(ctx, d, testArticles, store)
			require.NoError(t, err)
			assert.Equal(t, Jira, res.Source)
			assert.Equal(t, d.ID, res.Delivery)
			assert.False(t, res.Duplicate)
			require.Len(t, res.Tickets, 1)
			assert.Equal(t, tt.want, res.Tickets[0])

			links, err := store.ByTicket(ctx, "jira", tt.ticket.Ticket.Key)
			require.NoError(t, err)
			got := map[string]string{}
			for _, l := range links {
				got[l.ArticleID] = l.Anchor
				assert.Equal(t, "webhook:jira", l.LinkedBy)
			}
			if tt.wantAnchor == nil {
				tt.wantAnchor = map[string]string{}
			}
			assert.Equal(t, tt.wantAnchor, got)
			assert.Len(t, res.Links, len(links), "the links carried are the links stored")

			var resolved []tickets.Resolved
			require.NoError(t, store.EachResolved(ctx, func(r tickets.Resolved) error {
				resolved = append(resolved, r)
				return nil
			}))
			if !tt.ticket.Resolved {
				assert.Empty(t, resolved, "an open ticket is no resolved ticket")
				return
			}
			require.Len(t, resolved, 1)
			assert.Equal(t, tt.want.Gap, resolved[0].Gap())
			assert.Equal(t, tt.want.Unresolved, resolved[0].Unresolved)
		})
	}
}

func TestResolveRemembersMentions(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	note := Delivery{Source: PagerDuty, ID: "note", Tickets: []Resolution{resolution("Q1", false, "/runbooks/postgres/wal-full#drop-old-slots")}}
	note.Tickets[0].Ticket.System = "pagerduty"
	res, err := Resolve(ctx, note, testArticles, store)
	require.NoError(t, err)
	assert.Empty(t, res.Links, "a note on an open incident links nothing yet")

	done := Delivery{Source: PagerDuty, ID: "resolved", Tickets: []Resolution{resolution("Q1", true, "/a/disk-full")}}
	done.Tickets[0].Ticket.System = "pagerduty"
	res, err = Resolve(ctx, done, testArticles, store)
	require.NoError(t, err)
	require.Len(t, res.Tickets, 1)
	assert.Equal(t, []string{"wal-full"}, res.Tickets[0].Linked, "the runbook the note named")
	assert.Equal(t, []string{"/a/disk-full"}, res.Tickets[0].Unresolved)
	links, err := store.ByTicket(ctx, "pagerduty", "Q1")
	require.NoError(t, err)
	require.Len(t, links, 1)
	assert.Equal(t, "drop-old-slots", links[0].Anchor)
	assert.Equal(t, "webhook:pagerduty", links[0].LinkedBy)
	mentions, err := store.Mentions(ctx, "pagerduty", "Q1")
	require.NoError(t, err)
	assert.Empty(t, mentions, "used up by the resolution")
}

func TestResolveDuplicate(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	d := Delivery{Source: Jira, ID: "once", Tickets: []Resolution{resolution("OPS-1", true, "/a/etcd-no-leader")}}
	first, err := Resolve(ctx, d, testArticles, store)
	require.NoError(t, err)
	assert.False(t, first.Duplicate)

	d.Tickets = append(d.Tickets, resolution("OPS-2", true, "/runbooks/postgres/wal-full"))
	again, err := Resolve(ctx, d, testArticles, store)
	require.NoError(t, err)
	assert.True(t, again.Duplicate)
	links, err := store.ByTicket(ctx, "jira", "OPS-2")
	require.NoError(t, err)
	assert.Empty(t, links, "a retry records nothing")
}

func TestResolveSamples(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	refs := articles{"/runbooks/postgres/wal-disk-full": "runbooks-postgres-wal-disk-full"}
	for _, name := range []string{"pagerduty-annotated.json", "pagerduty-resolved.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		d, err := Parse(PagerDuty, nil, body, Base{URL: "https://kb.example.com"})
		require.NoError(t, err)
		res, err := Resolve(ctx, d, refs, store)
		require.NoError(t, err, name)
		require.Len(t, res.Tickets, 1, name)
		if name == "pagerduty-resolved.json" {
			assert.Equal(t, []string{"runbooks-postgres-wal-disk-full"}, res.Tickets[0].Linked)
		} else {
			assert.Empty(t, res.Tickets[0].Linked)
		}
	}
}

func TestResolveAnswerJSON(t *testing.T) {
	store := openStore(t)
	d := Delivery{Source: Jira, ID: "json", Tickets: []Resolution{
		resolution("OPS-1", true, "/a/etcd-no-leader"),
		resolution("OPS-2", true),
		resolution("OPS-3", false),
	}}
	res, err := Resolve(context.Background(), d, testArticles, store)
	require.NoError(t, err)
	b, err := json.Marshal(res)
	require.NoError(t, err)
	assert.JSONEq(t, `{"source": "jira", "delivery": "json", "duplicate": false, "tickets": [
		{"system": "jira", "key": "OPS-1", "resolved": true, "linked": ["etcd-no-leader"], "gap": false},
		{"system": "jira", "key": "OPS-2", "resolved": true, "linked": [], "gap": true},
		{"system": "jira", "key": "OPS-3", "resolved": false, "linked": [], "gap": false}]}`, string(b))

	empty, err := Resolve(context.Background(), Delivery{Source: Jira, ID: "ping"}, testArticles, store)
	require.NoError(t, err)
	b, err = json.Marshal(empty)
	require.NoError(t, err)
	assert.JSONEq(t, `{"source": "jira", "delivery": "ping", "duplicate": false, "tickets": []}`, string(b))
}

func TestResolveStoreRefuses(t *testing.T) {
	store := openStore(t)
	d := Delivery{Source: Jira, ID: "", Tickets: []Resolution{resolution("OPS-1", true, "/a/etcd-no-leader")}}
	_, err := Resolve(context.Background(), d, testArticles, store)
	var ve *tickets.ValidationError
	require.ErrorAs(t, err, &ve, "the store's own error, for the server to answer 400")
	assert.Equal(t, "delivery id", ve.Field)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Resolve(ctx, Delivery{Source: Jira, ID: "x", Tickets: []Resolution{resolution("OPS-1", true)}}, testArticles, store)
	assert.ErrorIs(t, err, context.Canceled)
}

// TestResolveNoteAfterResolution: PagerDuty sends a note added after
// incident.resolved as incident.annotated; the runbook it names is linked
// then, and the incident is no longer a knowledge gap.
func TestResolveNoteAfterResolution(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	refs := articles{"/runbooks/postgres/wal-disk-full": "runbooks-postgres-wal-disk-full"}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		return b
	}
	// The resolution first: it names no existing article, a gap.
	resolved := string(read("pagerduty-resolved.json"))
	d, err := Parse(PagerDuty, nil, []byte(resolved), Base{URL: "https://kb.example.com"})
	require.NoError(t, err)
	res, err := Resolve(ctx, d, refs, store)
	require.NoError(t, err)
	require.Len(t, res.Tickets, 1)
	require.True(t, res.Tickets[0].Gap)

	// Then the note, with the incident id of the resolution.
	var inc struct {
		Event struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		} `json:"event"`
	}
	require.NoError(t, json.Unmarshal([]byte(resolved), &inc))
	note := string(read("pagerduty-annotated.json"))
	var ann struct {
		Event struct {
			Data struct {
				Incident struct {
					ID string `json:"id"`
				} `json:"incident"`
			} `json:"data"`
		} `json:"event"`
	}
	require.NoError(t, json.Unmarshal([]byte(note), &ann))
	note = strings.ReplaceAll(note, ann.Event.Data.Incident.ID, inc.Event.Data.ID)
	d, err = Parse(PagerDuty, nil, []byte(note), Base{URL: "https://kb.example.com"})
	require.NoError(t, err)
	res, err = Resolve(ctx, d, refs, store)
	require.NoError(t, err)
	require.Len(t, res.Tickets, 1)
	assert.True(t, res.Tickets[0].Resolved, "known resolved")
	assert.Equal(t, []string{"runbooks-postgres-wal-disk-full"}, res.Tickets[0].Linked)
	assert.False(t, res.Tickets[0].Gap)

	r, ok, err := store.ResolvedTicket(ctx, PagerDuty, inc.Event.Data.ID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.False(t, r.Gap(), "the knowledge gap is closed")
	assert.Contains(t, r.Unresolved, "/a/disk-full", "what the resolution named is kept")
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		name string
		res  Result
		err  error
		want string
	}{
		{name: "linked", res: Result{Tickets: []TicketResult{{Resolved: true, Linked: []string{"a"}}}}, want: OutcomeAccepted},
		{name: "open ticket", res: Result{Tickets: []TicketResult{{}}}, want: OutcomeAccepted},
		{name: "gap", res: Result{Tickets: []TicketResult{{Resolved: true, Linked: []string{"a"}}, {Resolved: true, Gap: true}}}, want: OutcomeNoArticle},
		{name: "duplicate", res: Result{Duplicate: true, Tickets: []TicketResult{{Gap: true}}}, want: OutcomeDuplicate},
		{name: "bad signature", err: fmt.Errorf("jira: %w", ErrBadSignature), want: OutcomeBadSignature},
		{name: "bad payload", err: &PayloadError{Source: "jira", Msg: "x"}, want: OutcomeUnparsable},
		{name: "off", err: ErrNoSecret, want: OutcomeOff},
		{name: "store down", err: errors.New("store unavailable"), want: OutcomeRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Outcome(tt.res, tt.err)
			assert.Equal(t, tt.want, got)
			assert.Contains(t, Outcomes(), got)
		})
	}
}
