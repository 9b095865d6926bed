package webhook

import (
	"context"
	"slices"

	"kb/tickets"
)

// Resolver finds the article a reference names. webhook does not know the
// content; the server implements it over the snapshot it serves.
type Resolver interface {
	// Resolve returns the id of the article ref names (an id, a path, a URL,
	// an old alias, an alert route) and ref's fragment, or ok false.
	Resolve(ref string) (id, anchor string, ok bool)
}

// Store remembers references seen on open tickets and records a delivery
// once; *tickets.Store implements it.
type Store interface {
	// Mentions returns the references remembered for an unresolved ticket.
	Mentions(ctx context.Context, system, key string) ([]string, error)
	// ResolvedTicket returns what was recorded when the ticket was resolved,
	// and whether it was: a note added afterwards still links.
	ResolvedTicket(ctx context.Context, system, key string) (tickets.Resolved, bool, error)
	// Record stores the delivery unless it was recorded before (duplicate).
	Record(ctx context.Context, d tickets.Delivery) (stored []tickets.Link, duplicate bool, err error)
}

// Result is what kb did with a delivery: the body of the webhook answer.
type Result struct {
	Source    string         `json:"source"`
	Delivery  string         `json:"delivery"`  // the delivery id retries are recognised by
	Duplicate bool           `json:"duplicate"` // true: delivered before, nothing was done again
	Tickets   []TicketResult `json:"tickets"`
	// Links are the links the delivery carries, stored unless Duplicate; the
	// server refreshes the pages of their articles.
	Links []tickets.Link `json:"-"`
}

// TicketResult is what kb did with one ticket of a delivery.
type TicketResult struct {
	System     string   `json:"system"`
	Key        string   `json:"key"`
	Resolved   bool     `json:"resolved"`
	Linked     []string `json:"linked"`               // ids of the articles linked
	Unresolved []string `json:"unresolved,omitempty"` // references that name no article
	Gap        bool     `json:"gap"`                  // resolved without any article: a knowledge gap
}

// Resolve records what d says, in one store transaction: every resolved
// ticket gets a link to each article its references name (with those
// remembered from earlier deliveries about it), or becomes a knowledge gap
// when none does; references on a ticket not resolved yet (a PagerDuty note)
// are remembered and count when it is. A delivery recorded before changes
// nothing and comes back with Duplicate set.
//
// Errors of store are returned as they are: they already say what failed,
// and the caller tells a bad ticket (*tickets.ValidationError) from a
// damaged store (tickets.ErrCorrupt) by them.
func Resolve(ctx context.Context, d Delivery, articles Resolver, store Store) (Result, error) {
	rec := tickets.Delivery{Source: d.Source, ID: d.ID}
	out := Result{Source: d.Source, Delivery: d.ID, Tickets: []TicketResult{}}
	for _, r := range d.Tickets {
		t := TicketResult{System: r.Ticket.System, Key: r.Ticket.Key, Resolved: r.Resolved, Linked: []string{}}
		refs := make([]string, 0, len(r.Refs))
		for _, ref := range r.Refs {
			refs = append(refs, ref.String())
		}
		if !r.Resolved && len(refs) > 0 {
			// A note added after the resolution (PagerDuty sends
			// incident.annotated after incident.resolved) links at once.
			prev, done, err := store.ResolvedTicket(ctx, r.Ticket.System, r.Ticket.Key)
			if err != nil {
				return Result{}, err
			}
			if done {
				r.Resolved, t.Resolved = true, true
				r.Ticket = laterTicket(prev.Ticket, r.Ticket)
			}
		}
		if !r.Resolved { // links come with the resolution; until then kb remembers what the ticket named
			if len(refs) > 0 {
				rec.Mentions = append(rec.Mentions, tickets.Mention{Ticket: r.Ticket, Refs: refs})
			}
			out.Tickets = append(out.Tickets, t)
			continue
		}
		earlier, err := store.Mentions(ctx, r.Ticket.System, r.Ticket.Key)
		if err != nil {
			return Result{}, err
		}
		for _, ref := range earlier {
			if !slices.Contains(refs, ref) {
				refs = append(refs, ref)
			}
		}
		for _, ref := range refs {
			id, anchor, ok := articles.Resolve(ref)
			if !ok {
				t.Unresolved = append(t.Unresolved, ref)
				continue
			}
			if slices.Contains(t.Linked, id) {
				continue
			}
			l := tickets.Link{Ticket: r.Ticket, ArticleID: id, Anchor: anchor, LinkedBy: "webhook:" + d.Source}
			if l.Normalise() != nil { // a fragment that is no heading id: link the article
				l.Anchor = ""
			}
			t.Linked = append(t.Linked, id)
			rec.Links = append(rec.Links, l)
		}
		t.Gap = len(t.Linked) == 0
		rec.Resolved = append(rec.Resolved, tickets.Resolved{Ticket: r.Ticket, Source: d.Source, Articles: t.Linked, Unresolved: t.Unresolved})
		out.Tickets = append(out.Tickets, t)
	}
	_, dup, err := store.Record(ctx, rec)
	if err != nil {
		return Result{}, err
	}
	out.Duplicate = dup
	out.Links = rec.Links
	return out, nil
}

// laterTicket is the resolved ticket as first recorded, with what a later
// delivery about it knows better (a title or URL the resolution lacked).
func laterTicket(resolved, later tickets.Ticket) tickets.Ticket {
	if resolved.Title == "" {
		resolved.Title = later.Title
	}
	if resolved.URL == "" {
		resolved.URL = later.URL
	}
	return resolved
}
