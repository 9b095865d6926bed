package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"kb/tickets"
)

// Record stores the links, resolved tickets and mentions of d in one
// transaction unless a delivery with the same source and id was recorded
// before, by any replica: the primary key of deliveries decides (INSERT …
// ON CONFLICT DO NOTHING), and a retry that arrives while the first is
// being recorded waits for it and finds it. When Record returns nil
// everything is committed.
func (s *Links) Record(ctx context.Context, d tickets.Delivery) (stored []tickets.Link, duplicate bool, err error) {
	d, err = d.Normalise()
	if err != nil {
		return nil, false, err
	}
	// Rows are locked in one order by every transaction (links by article,
	// tickets by system and key), so that two deliveries naming the same
	// tickets never wait for each other in a circle.
	order := slices.Clone(d.Links)
	slices.SortFunc(order, byArticle)
	byTicket := func(a, b tickets.Ticket) int {
		return cmp.Or(strings.Compare(a.System, b.System), strings.Compare(a.Key, b.Key))
	}
	slices.SortStableFunc(d.Mentions, func(a, b tickets.Mention) int { return byTicket(a.Ticket, b.Ticket) })
	slices.SortStableFunc(d.Resolved, func(a, b tickets.Resolved) int { return byTicket(a.Ticket, b.Ticket) })
	err = s.db.tx(ctx, func(tx pgx.Tx) error {
		stored, duplicate = nil, false
		now := s.db.now()
		tag, err := tx.Exec(ctx, "INSERT INTO deliveries (source, id, recorded_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", d.Source, d.ID, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			duplicate = true
			return nil
		}
		byKey := map[[3]string]tickets.Link{}
		for _, l := range order {
			sl, _, err := upsertLink(ctx, tx, l, now)
			if err != nil {
				return err
			}
			byKey[[3]string{l.Ticket.System, l.Ticket.Key, l.ArticleID}] = sl
		}
		for _, l := range d.Links { // in the delivery's order
			stored = append(stored, byKey[[3]string{l.Ticket.System, l.Ticket.Key, l.ArticleID}])
		}
		for _, m := range d.Mentions {
			if err := addMention(ctx, tx, m); err != nil {
				return err
			}
		}
		for _, r := range d.Resolved {
			if err := putResolved(ctx, tx, r, now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM ticket_mentions WHERE system = $1 AND key = $2", r.Ticket.System, r.Ticket.Key); err != nil {
				return err // the resolution uses them up
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("record %s delivery: %w", d.Source, err)
	}
	if !duplicate && len(d.Links) > 0 {
		s.db.notify(ctx, sortedArticles(d.Links))
	}
	return stored, duplicate, nil
}

// addMention adds the references of m to those remembered for its ticket,
// under the row's lock.
func addMention(ctx context.Context, tx pgx.Tx, m tickets.Mention) error {
	t := m.Ticket
	if _, err := tx.Exec(ctx, "INSERT INTO ticket_mentions (system, key, refs) VALUES ($1, $2, '{}') ON CONFLICT DO NOTHING", t.System, t.Key); err != nil {
		return fmt.Errorf("mentions of %s %s: %w", t.System, t.Key, err)
	}
	var refs []string
	if err := tx.QueryRow(ctx, "SELECT refs FROM ticket_mentions WHERE system = $1 AND key = $2 FOR UPDATE", t.System, t.Key).Scan(&refs); err != nil {
		return fmt.Errorf("mentions of %s %s: %w", t.System, t.Key, err)
	}
	if _, err := tx.Exec(ctx, "UPDATE ticket_mentions SET refs = $3 WHERE system = $1 AND key = $2", t.System, t.Key, tickets.MergeRefs(refs, m.Refs)); err != nil {
		return fmt.Errorf("mentions of %s %s: %w", t.System, t.Key, err)
	}
	return nil
}

// Mentions returns the references remembered for a ticket that webhooks
// delivered unresolved, in the order they came.
func (s *Links) Mentions(ctx context.Context, system, key string) ([]string, error) {
	var refs []string
	err := s.db.call(ctx, false, func(ctx context.Context) error {
		err := s.db.pool.QueryRow(ctx, "SELECT refs FROM ticket_mentions WHERE system = $1 AND key = $2", system, key).Scan(&refs)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("mentions of %s %s: %w", system, key, err)
	}
	return refs, nil
}

// ResolvedTicket returns what webhooks delivered about the ticket when it
// was resolved, and whether it was.
func (s *Links) ResolvedTicket(ctx context.Context, system, key string) (tickets.Resolved, bool, error) {
	var r tickets.Resolved
	found := false
	err := s.db.call(ctx, false, func(ctx context.Context) error {
		var err error
		r, err = scanResolved(s.db.pool.QueryRow(ctx, "SELECT "+resolvedColumns+" FROM resolved_tickets WHERE system = $1 AND key = $2", system, key))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		found = true
		return nil
	})
	if err != nil {
		return tickets.Resolved{}, false, fmt.Errorf("resolved ticket %s %s: %w", system, key, err)
	}
	return r, found, nil
}

// resolvedColumns are the columns scanResolved reads, in its order.
const resolvedColumns = "system, key, source, url, title, status, resolved_at, articles, unresolved, seen_at"

func scanResolved(row pgx.Row) (tickets.Resolved, error) {
	var r tickets.Resolved
	t := &r.Ticket
	err := row.Scan(&t.System, &t.Key, &r.Source, &t.URL, &t.Title, &t.Status, &t.ResolvedAt, &r.Articles, &r.Unresolved, &r.SeenAt)
	r.SeenAt = r.SeenAt.UTC()
	if t.ResolvedAt != nil {
		at := t.ResolvedAt.UTC()
		t.ResolvedAt = &at
	}
	if len(r.Articles) == 0 {
		r.Articles = nil
	}
	if len(r.Unresolved) == 0 {
		r.Unresolved = nil
	}
	return r, err
}

// putResolved stores r merged with what an earlier delivery said about the
// same ticket, under the row's lock: a ticket once linked stays linked.
func putResolved(ctx context.Context, tx pgx.Tx, r tickets.Resolved, now time.Time) error {
	prev, err := lockResolved(ctx, tx, r.Ticket)
	if err != nil {
		return err
	}
	return writeResolved(ctx, tx, tickets.MergeResolved(prev, r, now), true)
}

// lockResolved reads and locks the resolved ticket t; nil when there is none.
func lockResolved(ctx context.Context, tx pgx.Tx, t tickets.Ticket) (*tickets.Resolved, error) {
	r, err := scanResolved(tx.QueryRow(ctx, "SELECT "+resolvedColumns+" FROM resolved_tickets WHERE system = $1 AND key = $2 FOR UPDATE", t.System, t.Key))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("resolved ticket %s %s: %w", t.System, t.Key, err)
	}
	return &r, nil
}

// writeResolved stores r. With merge, the articles already stored stay
// (after r's, as tickets.MergeResolved orders them): two replicas inserting
// the same new ticket at once, where neither saw a row to lock, still keep
// both deliveries' articles. Without merge r replaces the row (a copy).
func writeResolved(ctx context.Context, tx pgx.Tx, r tickets.Resolved, merge bool) error {
	t := r.Ticket
	articles := "EXCLUDED.articles"
	if merge {
		articles = "EXCLUDED.articles || ARRAY(SELECT a FROM unnest(resolved_tickets.articles) WITH ORDINALITY AS o(a, i) WHERE NOT a = ANY(EXCLUDED.articles) ORDER BY i)"
	}
	_, err := tx.Exec(ctx, `INSERT INTO resolved_tickets (`+resolvedColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (system, key) DO UPDATE SET source = EXCLUDED.source, url = EXCLUDED.url, title = EXCLUDED.title, status = EXCLUDED.status,
			resolved_at = EXCLUDED.resolved_at, articles = `+articles+`,
			unresolved = EXCLUDED.unresolved, seen_at = EXCLUDED.seen_at`,
		t.System, t.Key, r.Source, t.URL, t.Title, t.Status, t.ResolvedAt, nonNil(r.Articles), nonNil(r.Unresolved), r.SeenAt.UTC())
	if err != nil {
		return fmt.Errorf("store resolved ticket %s %s: %w", t.System, t.Key, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// EachResolved calls fn for every resolved ticket webhooks delivered,
// ordered by system and key.
func (s *Links) EachResolved(ctx context.Context, fn func(tickets.Resolved) error) error {
	err := s.db.call(ctx, true, func(ctx context.Context) error {
		rows, err := s.db.pool.Query(ctx, "SELECT "+resolvedColumns+" FROM resolved_tickets ORDER BY system, key")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanResolved(rows)
			if err != nil {
				return err
			}
			if err := fn(r); err != nil {
				return &callerError{err}
			}
		}
		return rows.Err()
	})
	return unwrapCaller(err)
}

// EachDelivery calls fn for every webhook delivery recorded, ordered by
// source and id.
func (s *Links) EachDelivery(ctx context.Context, fn func(tickets.Delivered) error) error {
	err := s.db.call(ctx, true, func(ctx context.Context) error {
		rows, err := s.db.pool.Query(ctx, "SELECT source, id, recorded_at FROM deliveries ORDER BY source, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d tickets.Delivered
			if err := rows.Scan(&d.Source, &d.ID, &d.At); err != nil {
				return err
			}
			d.At = d.At.UTC()
			if err := fn(d); err != nil {
				return &callerError{err}
			}
		}
		return rows.Err()
	})
	return unwrapCaller(err)
}

// EachMention calls fn for every unresolved ticket with remembered
// references, ordered by system and key.
func (s *Links) EachMention(ctx context.Context, fn func(tickets.Mention) error) error {
	err := s.db.call(ctx, true, func(ctx context.Context) error {
		rows, err := s.db.pool.Query(ctx, "SELECT system, key, refs FROM ticket_mentions ORDER BY system, key")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m tickets.Mention
			if err := rows.Scan(&m.Ticket.System, &m.Ticket.Key, &m.Refs); err != nil {
				return err
			}
			if err := fn(m); err != nil {
				return &callerError{err}
			}
		}
		return rows.Err()
	})
	return unwrapCaller(err)
}
