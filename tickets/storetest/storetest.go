package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/feedback"
	"kb/tickets"
)

// Store is what the suite checks of a links store: what the server, the
// webhook handler, the reports and kb store copy use.
type Store interface {
	Add(ctx context.Context, l tickets.Link) (tickets.Link, bool, error)
	Delete(ctx context.Context, system, key, article string) error
	ByTicket(ctx context.Context, system, key string) ([]tickets.Link, error)
	ByArticle(ctx context.Context, article string, offset, limit int) ([]tickets.Link, int, error)
	Count(ctx context.Context, article string) (int, error)
	Record(ctx context.Context, d tickets.Delivery) ([]tickets.Link, bool, error)
	Mentions(ctx context.Context, system, key string) ([]string, error)
	ResolvedTicket(ctx context.Context, system, key string) (tickets.Resolved, bool, error)
	CreateToken(ctx context.Context, name string, scope tickets.Scope, readPaths ...string) (string, error)
	RevokeToken(ctx context.Context, name string) error
	Authenticate(ctx context.Context, secret string) (tickets.Token, error)
	MarkUsed(ctx context.Context, name string) (bool, error)
	tickets.Audit
	tickets.Source
	tickets.Sink
}

// Feedback is what the suite checks of a store of "this helped" counts.
type Feedback interface {
	Helpful(ctx context.Context, id string) (int, error)
	HelpfulCounts(ctx context.Context) (map[string]int, error)
	SetHelpful(ctx context.Context, counts map[string]int) error
}

// Opened is one open handle on a backend's storage.
type Opened struct {
	Links    Store
	Feedback Feedback
	Close    func() error
}

// Backend is one storage of a store kind, new for each test.
type Backend struct {
	// Open opens the storage with the clock now; it is opened again after
	// Close and then holds everything acknowledged before.
	Open func(t *testing.T, now func() time.Time) Opened
	// Shared says two handles may be open at once, as replicas of one
	// fleet are (PostgreSQL); bbolt is opened by one process at a time.
	Shared bool
	// OpenAudit opens the storage as Open does, with the audit trail
	// bounded by lim.
	OpenAudit func(t *testing.T, now func() time.Time, lim tickets.AuditLimits) Opened
}

// writers is the number of concurrent writers of the tests that have them.
const writers = 20

// Run runs the whole suite; newBackend gives each test a storage of its own.
func Run(t *testing.T, newBackend func(t *testing.T) Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"IdempotentAdd", testIdempotentAdd},
		{"ConcurrentSameLink", testConcurrentSameLink},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Delete", testDelete},
		{"Paging", testPaging},
		{"TicketLookup", testTicketLookup},
		{"Validation", testValidation},
		{"Tokens", testTokens},
		{"DeliveryDeduplication", testDeliveries},
		{"Mentions", testMentions},
		{"Durability", testDurability},
		{"Feedback", testFeedback},
		{"RestoreAndTotals", testRestore},
		{"CanceledContext", testCanceled},
		{"Audit", testAudit},
		{"AuditBounds", testAuditBounds},
		{"TokenFirstUse", testTokenFirstUse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newBackend(t)) })
	}
}

// clock is a test clock that moves one millisecond a reading, so that
// every write has its own time in every backend's precision.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// open opens b with a new clock and closes it in t.Cleanup unless the test
// closed it already.
func open(t *testing.T, b Backend, c *clock) Opened {
	t.Helper()
	o := b.Open(t, c.now)
	var once sync.Once
	closeFn := o.Close
	o.Close = func() error {
		var err error
		once.Do(func() { err = closeFn() })
		return err
	}
	t.Cleanup(func() { assert.NoError(t, o.Close()) })
	return o
}

func link(system, key, article string) tickets.Link {
	return tickets.Link{
		Ticket:    tickets.Ticket{System: system, Key: key, URL: "https://jira.example.com/browse/" + key, Title: "Disk full on db-1", Status: "Done"},
		ArticleID: article, LinkedBy: "jira",
	}
}

func keys(links []tickets.Link) []string {
	out := make([]string, len(links))
	for i, l := range links {
		out[i] = l.Ticket.System + "/" + l.Ticket.Key + "/" + l.ArticleID
	}
	return out
}

func testIdempotentAdd(t *testing.T, b Backend) {
	s := open(t, b, newClock()).Links
	ctx := context.Background()
	first, created, err := s.Add(ctx, link("jira", "OPS-1", "Disk-Full"))
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, tickets.ResolvedBy, first.Relation, "default relation")
	assert.Equal(t, "disk-full", first.ArticleID, "article ids are lower case")

	again := link("jira", "OPS-1", "disk-full")
	again.Note = "the second time"
	second, created, err := s.Add(ctx, again)
	require.NoError(t, err)
	assert.False(t, created, "the same ticket and article is one link")
	assert.True(t, first.LinkedAt.Equal(second.LinkedAt), "the first link time is kept")
	assert.True(t, second.UpdatedAt.After(first.UpdatedAt))

	links, total, err := s.ByArticle(ctx, "disk-full", 0, 10)
	require.NoError(t, err)
	assert.Equal(t, 1, total)
	require.Len(t, links, 1)
	assert.Equal(t, "the second time", links[0].Note)
	assert.True(t, links[0].LinkedAt.Equal(first.LinkedAt))
	assert.Equal(t, "https://jira.example.com/browse/OPS-1", links[0].Ticket.URL)
	tot, err := s.Totals(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, tot.Links)
}

func testConcurrentSameLink(t *testing.T, b Backend) {
	c := newClock()
	stores := []Store{open(t, b, c).Links}
	if b.Shared {
		stores = append(stores, open(t, b, c).Links) // a second replica
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	for i := range writers {
		wg.Go(func() {
			_, ok, err := stores[i%len(stores)].Add(ctx, link("jira", "OPS-7", "dns"))
			assert.NoError(t, err)
			if ok {
				mu.Lock()
				created++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, created, "exactly one writer creates the link")
	for _, s := range stores {
		n, err := s.Count(ctx, "dns")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		byTicket, err := s.ByTicket(ctx, "jira", "OPS-7")
		require.NoError(t, err)
		assert.Len(t, byTicket, 1)
	}
}

func testConcurrentWriters(t *testing.T, b Backend) {
	c := newClock()
	stores := []Store{open(t, b, c).Links}
	if b.Shared {
		stores = append(stores, open(t, b, c).Links)
	}
	ctx := context.Background()
	const each = 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			s := stores[w%len(stores)]
			for i := range each {
				_, created, err := s.Add(ctx, link("jira", fmt.Sprintf("W%d-%d", w, i), fmt.Sprintf("article-%d", i%5)))
				if !assert.NoError(t, err) {
					return
				}
				assert.True(t, created)
			}
		})
	}
	wg.Wait()
	for _, s := range stores {
		counts, err := s.Counts(ctx)
		require.NoError(t, err)
		want := map[string]int{}
		for i := range 5 {
			want[fmt.Sprintf("article-%d", i)] = writers * each / 5
		}
		assert.Equal(t, want, counts)
		tot, err := s.Totals(ctx)
		require.NoError(t, err)
		assert.Equal(t, writers*each, tot.Links)
		n := 0
		require.NoError(t, s.Each(ctx, func(tickets.Link) error { n++; return nil }))
		assert.Equal(t, writers*each, n)
		page, total, err := s.ByArticle(ctx, "article-3", 0, 0)
		require.NoError(t, err)
		assert.Equal(t, writers*each/5, total)
		assert.Len(t, page, total, "limit 0 is the whole list")
	}
}

func testDelete(t *testing.T, b Backend) {
	s := open(t, b, newClock()).Links
	ctx := context.Background()
	for _, l := range []tickets.Link{link("jira", "OPS-1", "disk-full"), link("jira", "OPS-2", "disk-full"), link("jira", "OPS-1", "inodes")} {
		_, _, err := s.Add(ctx, l)
		require.NoError(t, err)
	}
	require.NoError(t, s.Delete(ctx, "jira", "OPS-1", "Disk-Full"), "article ids are matched without case")
	assert.ErrorIs(t, s.Delete(ctx, "jira", "OPS-1", "disk-full"), tickets.ErrNotFound)
	assert.ErrorIs(t, s.Delete(ctx, "jira", "OPS-9", "disk-full"), tickets.ErrNotFound)
	n, err := s.Count(ctx, "disk-full")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	left, err := s.ByTicket(ctx, "jira", "OPS-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"jira/OPS-1/inodes"}, keys(left))
	require.NoError(t, s.Delete(ctx, "jira", "OPS-2", "disk-full"))
	counts, err := s.Counts(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"inodes": 1}, counts, "an article without links has no count")
}

func testPaging(t *testing.T, b Backend) {
	s := open(t, b, newClock()).Links
	ctx := context.Background()
	for i := range 7 {
		_, _, err := s.Add(ctx, link("jira", fmt.Sprintf("OPS-%d", i), "disk-full"))
		require.NoError(t, err)
	}
	_, _, err := s.Add(ctx, link("zendesk", "99", "other"))
	require.NoError(t, err)
	page, total, err := s.ByArticle(ctx, "disk-full", 0, 3)
	require.NoError(t, err)
	assert.Equal(t, 7, total)
	assert.Equal(t, []string{"jira/OPS-6/disk-full", "jira/OPS-5/disk-full", "jira/OPS-4/disk-full"}, keys(page), "newest first")
	page, _, err = s.ByArticle(ctx, "disk-full", 6, 3)
	require.NoError(t, err)
	assert.Equal(t, []string{"jira/OPS-0/disk-full"}, keys(page))
	page, total, err = s.ByArticle(ctx, "disk-full", 50, 3)
	require.NoError(t, err)
	assert.Empty(t, page, "an offset past the end is an empty page")
	assert.Equal(t, 7, total)

	_, _, err = s.Add(ctx, link("jira", "OPS-2", "disk-full")) // updated: now the newest
	require.NoError(t, err)
	page, total, err = s.ByArticle(ctx, "DISK-FULL", 0, 2)
	require.NoError(t, err)
	assert.Equal(t, 7, total, "an update moves a link, it does not add one")
	assert.Equal(t, []string{"jira/OPS-2/disk-full", "jira/OPS-6/disk-full"}, keys(page))
	_, total, err = s.ByArticle(ctx, "no-such-article", 0, 2)
	require.NoError(t, err)
	assert.Zero(t, total)
}

func testTicketLookup(t *testing.T, b Backend) {
	s := open(t, b, newClock()).Links
	ctx := context.Background()
	for _, l := range []tickets.Link{link("jira", "OPS-1", "z-last"), link("jira", "OPS-1", "a-first"), link("jira", "OPS-10", "x"), link("servicenow", "OPS-1", "y")} {
		_, _, err := s.Add(ctx, l)
		require.NoError(t, err)
	}
	got, err := s.ByTicket(ctx, "jira", "OPS-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"jira/OPS-1/z-last", "jira/OPS-1/a-first"}, keys(got), "oldest first")
	prefix, err := s.ByTicket(ctx, "jira", "OPS")
	require.NoError(t, err)
	assert.Empty(t, prefix, "a key is matched whole, never as a prefix")
	none, err := s.ByTicket(ctx, "github", "OPS-1")
	require.NoError(t, err)
	assert.Empty(t, none)
	var all []tickets.Link
	require.NoError(t, s.Each(ctx, func(l tickets.Link) error { all = append(all, l); return nil }))
	assert.Equal(t, []string{"jira/OPS-1/a-first", "jira/OPS-1/z-last", "jira/OPS-10/x", "servicenow/OPS-1/y"}, keys(all), "ordered by ticket, byte-wise")
}

func testValidation(t *testing.T, b Backend) {
	s := open(t, b, newClock()).Links
	ctx := context.Background()
	for name, edit := range map[string]func(l *tickets.Link){
		"no system":     func(l *tickets.Link) { l.Ticket.System = "" },
		"NUL in key":    func(l *tickets.Link) { l.Ticket.Key = "OPS\x00" },
		"script URL":    func(l *tickets.Link) { l.Ticket.URL = "javascript:alert(1)" },
		"bad relation":  func(l *tickets.Link) { l.Relation = "fixed" },
		"invalid UTF-8": func(l *tickets.Link) { l.Ticket.Title = "\xff" },
	} {
		t.Run(name, func(t *testing.T) {
			l := link("jira", "OPS-1", "a")
			edit(&l)
			_, _, err := s.Add(ctx, l)
			var ve *tickets.ValidationError
			assert.ErrorAs(t, err, &ve)
		})
	}
	n, err := s.Count(ctx, "a")
	require.NoError(t, err)
	assert.Zero(t, n, "nothing invalid is stored")
}

func testTokens(t *testing.T, b Backend) {
	c := newClock()
	a := open(t, b, c).Links
	other := a
	if b.Shared {
		other = open(t, b, c).Links // a token made through one replica works on every one at once
	}
	ctx := context.Background()
	secret, err := a.CreateToken(ctx, "jira", tickets.ScopeWrite)
	require.NoError(t, err)
	readSecret, err := a.CreateToken(ctx, "grafana", tickets.ScopeRead)
	require.NoError(t, err)
	tok, err := other.Authenticate(ctx, secret)
	require.NoError(t, err)
	assert.Equal(t, "jira", tok.Name)
	assert.True(t, tok.CanWrite())
	tok, err = other.Authenticate(ctx, readSecret)
	require.NoError(t, err)
	assert.False(t, tok.CanWrite())
	assert.Nil(t, tok.ReadPaths, "a token without read paths reads every path")
	scopedSecret, err := a.CreateToken(ctx, "sec-reader", tickets.ScopeRead, "security/**", " runbooks/db/* ")
	require.NoError(t, err)
	tok, err = other.Authenticate(ctx, scopedSecret)
	require.NoError(t, err)
	assert.Equal(t, []string{"security/**", "runbooks/db/*"}, tok.ReadPaths, "read paths are kept, trimmed")
	require.NoError(t, a.RevokeToken(ctx, "sec-reader"))
	for _, bad := range []string{"../x/**", "/abs/**", "a\\b", "[", " "} {
		_, err = a.CreateToken(ctx, "scoped-bad", tickets.ScopeRead, bad)
		assert.ErrorAs(t, err, new(*tickets.ValidationError), bad)
	}
	_, err = other.Authenticate(ctx, secret+"x")
	assert.ErrorIs(t, err, tickets.ErrUnauthorized)
	_, err = other.Authenticate(ctx, "")
	assert.ErrorIs(t, err, tickets.ErrUnauthorized)

	_, err = other.CreateToken(ctx, "jira", tickets.ScopeRead)
	assert.ErrorIs(t, err, tickets.ErrExists)
	var ve *tickets.ValidationError
	_, err = a.CreateToken(ctx, "Bad Name", tickets.ScopeRead)
	assert.ErrorAs(t, err, &ve)
	_, err = a.CreateToken(ctx, "x", "admin")
	assert.ErrorAs(t, err, &ve)

	list, err := other.Tokens(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "grafana", list[0].Name, "by name")
	assert.Equal(t, tickets.HashSecret(secret), list[1].Hash, "only the hash is kept")
	assert.False(t, list[1].Created.IsZero())

	require.NoError(t, a.RevokeToken(ctx, "jira"))
	_, err = other.Authenticate(ctx, secret)
	assert.ErrorIs(t, err, tickets.ErrUnauthorized, "a revoked token fails on every replica at once")
	assert.ErrorIs(t, other.RevokeToken(ctx, "jira"), tickets.ErrNotFound)
	_, err = other.CreateToken(ctx, "jira", tickets.ScopeWrite)
	assert.NoError(t, err, "a revoked name can be used again")
}

func testDeliveries(t *testing.T, b Backend) {
	c := newClock()
	stores := []Store{open(t, b, c).Links}
	if b.Shared {
		stores = append(stores, open(t, b, c).Links) // a retry reaching another replica
	}
	ctx := context.Background()
	d := tickets.Delivery{
		Source: "jira", ID: "wh-1",
		Links: []tickets.Link{link("jira", "OPS-1", "etcd-no-leader"), link("jira", "OPS-1", "disk-full")},
		Resolved: []tickets.Resolved{
			{Ticket: tickets.Ticket{System: "jira", Key: "OPS-1", Title: "etcd down"}, Source: "jira", Articles: []string{"etcd-no-leader", "disk-full"}},
			{Ticket: tickets.Ticket{System: "jira", Key: "OPS-2", Title: "Mail slow"}, Source: "jira", Unresolved: []string{"/runbooks/mail"}},
		},
	}
	stored, dup, err := stores[0].Record(ctx, d)
	require.NoError(t, err)
	assert.False(t, dup)
	assert.Len(t, stored, 2)

	var wg sync.WaitGroup
	for i := range writers { // retries, some at the same time, on every replica
		wg.Go(func() {
			_, dup, err := stores[i%len(stores)].Record(ctx, d)
			assert.NoError(t, err)
			assert.True(t, dup, "a retry of a recorded delivery is a duplicate")
		})
	}
	// A new delivery sent twice at once: recorded exactly once.
	fresh := tickets.Delivery{Source: "zendesk", ID: "z-1", Links: []tickets.Link{link("zendesk", "77", "dns")}}
	var mu sync.Mutex
	firsts := 0
	for i := range writers {
		wg.Go(func() {
			_, dup, err := stores[i%len(stores)].Record(ctx, fresh)
			assert.NoError(t, err)
			if !dup {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, firsts, "concurrent deliveries with one id are recorded once")
	for _, s := range stores {
		n, err := s.Count(ctx, "etcd-no-leader")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		tot, err := s.Totals(ctx)
		require.NoError(t, err)
		assert.Equal(t, tickets.Totals{Links: 3, Deliveries: 2, Resolved: 2}, tot)
	}

	var got []tickets.Resolved
	require.NoError(t, stores[0].EachResolved(ctx, func(r tickets.Resolved) error { got = append(got, r); return nil }))
	require.Len(t, got, 2)
	assert.Equal(t, "OPS-1", got[0].Ticket.Key, "ordered by ticket")
	assert.False(t, got[0].Gap())
	assert.Equal(t, "etcd down", got[0].Ticket.Title)
	assert.True(t, got[1].Gap())
	assert.Equal(t, []string{"/runbooks/mail"}, got[1].Unresolved)
	assert.False(t, got[1].SeenAt.IsZero())

	// A later delivery about OPS-1 without links keeps it linked.
	_, _, err = stores[len(stores)-1].Record(ctx, tickets.Delivery{Source: "jira", ID: "wh-2", Resolved: []tickets.Resolved{{Ticket: tickets.Ticket{System: "jira", Key: "OPS-1"}, Source: "jira"}}})
	require.NoError(t, err)
	got = nil
	require.NoError(t, stores[0].EachResolved(ctx, func(r tickets.Resolved) error { got = append(got, r); return nil }))
	assert.Equal(t, []string{"etcd-no-leader", "disk-full"}, got[0].Articles, "a ticket once linked stays linked")

	var delivered []tickets.Delivered
	require.NoError(t, stores[0].EachDelivery(ctx, func(d tickets.Delivered) error { delivered = append(delivered, d); return nil }))
	require.Len(t, delivered, 3)
	assert.Equal(t, "jira", delivered[0].Source)
	assert.Equal(t, "wh-1", delivered[0].ID)
	assert.Equal(t, "z-1", delivered[2].ID)

	// An invalid delivery records nothing, not even its id.
	_, _, err = stores[0].Record(ctx, tickets.Delivery{Source: "jira", ID: "bad", Links: []tickets.Link{link("jira", "A/B", "x")}})
	var ve *tickets.ValidationError
	require.ErrorAs(t, err, &ve)
	_, dup, err = stores[0].Record(ctx, tickets.Delivery{Source: "jira", ID: "bad"})
	require.NoError(t, err)
	assert.False(t, dup, "a rejected delivery was not recorded")
}

func testMentions(t *testing.T, b Backend) {
	s := open(t, b, newClock()).Links
	ctx := context.Background()
	incident := tickets.Ticket{System: "pagerduty", Key: "Q2X7"}
	_, _, err := s.Record(ctx, tickets.Delivery{Source: "pagerduty", ID: "note-1", Mentions: []tickets.Mention{{Ticket: incident, Refs: []string{"/a/x", "/a/y"}}}})
	require.NoError(t, err)
	_, _, err = s.Record(ctx, tickets.Delivery{Source: "pagerduty", ID: "note-2", Mentions: []tickets.Mention{{Ticket: incident, Refs: []string{"/a/y", "/a/z", "bad\nref"}}}})
	require.NoError(t, err)
	refs, err := s.Mentions(ctx, "pagerduty", "Q2X7")
	require.NoError(t, err)
	assert.Equal(t, []string{"/a/x", "/a/y", "/a/z"}, refs, "in order, once each, printable only")
	var all []tickets.Mention
	require.NoError(t, s.EachMention(ctx, func(m tickets.Mention) error { all = append(all, m); return nil }))
	require.Len(t, all, 1)
	assert.Equal(t, "Q2X7", all[0].Ticket.Key)

	_, _, err = s.Record(ctx, tickets.Delivery{Source: "pagerduty", ID: "resolved", Resolved: []tickets.Resolved{{Ticket: incident, Source: "pagerduty", Articles: []string{"x"}}}})
	require.NoError(t, err)
	refs, err = s.Mentions(ctx, "pagerduty", "Q2X7")
	require.NoError(t, err)
	assert.Empty(t, refs, "the resolution uses them up")
	none, err := s.Mentions(ctx, "pagerduty", "never-seen")
	require.NoError(t, err)
	assert.Empty(t, none)

	r, ok, err := s.ResolvedTicket(ctx, "pagerduty", "Q2X7")
	require.NoError(t, err)
	require.True(t, ok, "a resolved ticket is found")
	assert.Equal(t, []string{"x"}, r.Articles)
	// A later delivery about it keeps what the first one said.
	_, _, err = s.Record(ctx, tickets.Delivery{Source: "pagerduty", ID: "note-3", Resolved: []tickets.Resolved{{Ticket: incident, Source: "pagerduty", Articles: []string{"w"}, Unresolved: []string{"/a/gone"}}}})
	require.NoError(t, err)
	r, _, err = s.ResolvedTicket(ctx, "pagerduty", "Q2X7")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"w", "x"}, r.Articles)
	assert.Equal(t, []string{"/a/gone"}, r.Unresolved)
	_, ok, err = s.ResolvedTicket(ctx, "pagerduty", "never-seen")
	require.NoError(t, err)
	assert.False(t, ok)
}

// testDurability closes the store after acknowledged writes of every kind
// and opens it again: everything is there.
func testDurability(t *testing.T, b Backend) {
	c := newClock()
	o := open(t, b, c)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range 10 {
				_, _, err := o.Links.Add(ctx, link("jira", fmt.Sprintf("D%d-%d", w, i), "durable"))
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	secret, err := o.Links.CreateToken(ctx, "jira", tickets.ScopeWrite)
	require.NoError(t, err)
	_, _, err = o.Links.Record(ctx, tickets.Delivery{Source: "jira", ID: "d-1", Resolved: []tickets.Resolved{{Ticket: tickets.Ticket{System: "jira", Key: "GAP-1"}, Source: "jira"}},
		Mentions: []tickets.Mention{{Ticket: tickets.Ticket{System: "pagerduty", Key: "P1"}, Refs: []string{"/a/durable"}}}})
	require.NoError(t, err)
	for range 3 {
		_, err := o.Feedback.Helpful(ctx, "durable")
		require.NoError(t, err)
	}
	require.NoError(t, o.Close())

	again := open(t, b, c)
	n, err := again.Links.Count(ctx, "durable")
	require.NoError(t, err)
	assert.Equal(t, writers*10, n)
	for w := range writers {
		got, err := again.Links.ByTicket(ctx, "jira", fmt.Sprintf("D%d-9", w))
		require.NoError(t, err)
		assert.Len(t, got, 1)
	}
	_, err = again.Links.Authenticate(ctx, secret)
	assert.NoError(t, err)
	_, dup, err := again.Links.Record(ctx, tickets.Delivery{Source: "jira", ID: "d-1"})
	require.NoError(t, err)
	assert.True(t, dup)
	refs, err := again.Links.Mentions(ctx, "pagerduty", "P1")
	require.NoError(t, err)
	assert.Equal(t, []string{"/a/durable"}, refs)
	counts, err := again.Feedback.HelpfulCounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"durable": 3}, counts)
}

func testFeedback(t *testing.T, b Backend) {
	c := newClock()
	fbs := []Feedback{open(t, b, c).Feedback}
	if b.Shared {
		fbs = append(fbs, open(t, b, c).Feedback)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			_, err := fbs[i%len(fbs)].Helpful(ctx, "etcd-no-leader")
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	n, err := fbs[0].Helpful(ctx, "pg-lag")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = fbs[len(fbs)-1].Helpful(ctx, "etcd-no-leader")
	require.NoError(t, err)
	assert.Equal(t, writers+1, n, "every count is kept")
	for _, id := range []string{"", string(make([]byte, 257))} {
		_, err := fbs[0].Helpful(ctx, id)
		assert.ErrorIs(t, err, feedback.ErrBadID)
	}
	require.NoError(t, fbs[0].SetHelpful(ctx, map[string]int{"pg-lag": 7, "new": 2}))
	got, err := fbs[len(fbs)-1].HelpfulCounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"etcd-no-leader": writers + 1, "pg-lag": 7, "new": 2}, got)
}

// testRestore puts records as they are and reads them back the same.
func testRestore(t *testing.T, b Backend) {
	s := open(t, b, newClock()).Links
	ctx := context.Background()
	at := time.Date(2025, 3, 4, 5, 6, 7, 8000, time.UTC)
	resolvedAt := at.Add(-time.Hour)
	l := link("jira", "OLD-1", "disk-full")
	l.LinkedAt, l.UpdatedAt, l.Relation, l.Note, l.Anchor = at, at.Add(time.Minute), tickets.Workaround, "kept", "step-2"
	l.Ticket.ResolvedAt = &resolvedAt
	tok := tickets.Token{Name: "old", Scope: tickets.ScopeRead, Hash: tickets.HashSecret("kb_old"), Created: at}
	batch := tickets.Batch{
		Links:      []tickets.Link{l},
		Tokens:     []tickets.Token{tok},
		Deliveries: []tickets.Delivered{{Source: "jira", ID: "old-1", At: at}},
		Resolved:   []tickets.Resolved{{Ticket: tickets.Ticket{System: "jira", Key: "OLD-1"}, Source: "jira", Articles: []string{"disk-full"}, SeenAt: at}},
		Mentions:   []tickets.Mention{{Ticket: tickets.Ticket{System: "pagerduty", Key: "P9"}, Refs: []string{"/a/x"}}},
	}
	require.NoError(t, s.Restore(ctx, batch))
	require.NoError(t, s.Restore(ctx, batch), "restoring again replaces, it does not add")
	tot, err := s.Totals(ctx)
	require.NoError(t, err)
	assert.Equal(t, tickets.Totals{Links: 1, Tokens: 1, Deliveries: 1, Resolved: 1, Mentions: 1}, tot)

	got, err := s.ByTicket(ctx, "jira", "OLD-1")
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.True(t, got[0].LinkedAt.Equal(at) && got[0].UpdatedAt.Equal(at.Add(time.Minute)), "times are kept: %v %v", got[0].LinkedAt, got[0].UpdatedAt)
	require.NotNil(t, got[0].Ticket.ResolvedAt)
	assert.True(t, got[0].Ticket.ResolvedAt.Equal(resolvedAt))
	assert.Equal(t, "kept", got[0].Note)
	assert.Equal(t, "step-2", got[0].Anchor)
	assert.Equal(t, tickets.Workaround, got[0].Relation)
	assert.Equal(t, "jira", got[0].LinkedBy)
	n, err := s.Count(ctx, "disk-full")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	found, err := s.Authenticate(ctx, "kb_old")
	require.NoError(t, err)
	assert.Equal(t, "old", found.Name)
	_, dup, err := s.Record(ctx, tickets.Delivery{Source: "jira", ID: "old-1"})
	require.NoError(t, err)
	assert.True(t, dup, "a restored delivery is still recognised")
	var resolved []tickets.Resolved
	require.NoError(t, s.EachResolved(ctx, func(r tickets.Resolved) error { resolved = append(resolved, r); return nil }))
	require.Len(t, resolved, 1)
	assert.True(t, resolved[0].SeenAt.Equal(at))
	refs, err := s.Mentions(ctx, "pagerduty", "P9")
	require.NoError(t, err)
	assert.Equal(t, []string{"/a/x"}, refs)
}

func testCanceled(t *testing.T, b Backend) {
	s := open(t, b, newClock()).Links
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := s.Add(ctx, link("jira", "OPS-1", "x"))
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	_, err = s.ByTicket(ctx, "jira", "OPS-1")
	assert.Error(t, err)
	n, err := s.Count(context.Background(), "x")
	require.NoError(t, err)
	assert.Zero(t, n)
}
