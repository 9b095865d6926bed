package reports

import (
	"context"
	"time"

	"kb/content"
	"kb/tickets"
)

// LinkSource yields every ticket link; *tickets.Store implements it.
type LinkSource interface {
	// Each calls fn for every link.
	Each(ctx context.Context, fn func(tickets.Link) error) error
}

// Links is what the tickets report reads of the links store: the links,
// the resolved tickets webhooks delivered, and the links of one ticket.
// *tickets.Store implements it.
type Links interface {
	LinkSource
	// EachResolved calls fn for every resolved ticket a webhook delivered.
	EachResolved(ctx context.Context, fn func(tickets.Resolved) error) error
	// ByTicket returns the links of one ticket.
	ByTicket(ctx context.Context, system, key string) ([]tickets.Link, error)
}

// HelpfulCounter gives the "this helped" count of every article that has
// one; *feedback.Store implements it.
type HelpfulCounter interface {
	HelpfulCounts(ctx context.Context) (map[string]int, error)
}

// URLs gives the addresses kb serves articles at: the server's routes
// decide them, the reports list them.
type URLs interface {
	// Article returns the root-relative, escaped URL of a's page.
	Article(a *content.Article) string
	// Absolute returns the root-relative URL u as an absolute one when
	// kb.yaml sets base_url, else as it is.
	Absolute(u string) string
	// Edit returns the address of a's source file in the git host's
	// editor, "" when there is none.
	Edit(a *content.Article) string
}

// recentSince reports whether link l counts in a window that starts at
// since, by tickets.Link.CountsSince. The reports count links of every
// relation (not only those that solve their ticket, tickets.Link.Solves),
// and a resolution time stored as the zero time keeps a link out of every
// window rather than counting from when it was linked: that is how the
// reports have always counted.
func recentSince(l tickets.Link, since time.Time) bool {
	if r := l.Ticket.ResolvedAt; r != nil && r.IsZero() {
		return false
	}
	return l.CountsSince(since)
}
