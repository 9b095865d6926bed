package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"kb/tickets"
)

// Totals counts the records of each kind.
func (s *Links) Totals(ctx context.Context) (tickets.Totals, error) {
	var t tickets.Totals
	err := s.db.call(ctx, true, func(ctx context.Context) error {
		return s.db.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM links), (SELECT count(*) FROM tokens), (SELECT count(*) FROM deliveries),
			(SELECT count(*) FROM resolved_tickets), (SELECT count(*) FROM ticket_mentions)`).Scan(&t.Links, &t.Tokens, &t.Deliveries, &t.Resolved, &t.Mentions)
	})
	if err != nil {
		return tickets.Totals{}, fmt.Errorf("count records: %w", err)
	}
	return t, nil
}

// Restore puts the records of b into the store as they are, in one
// transaction (see tickets.Batch), and tells every replica that the links
// of their articles changed.
func (s *Links) Restore(ctx context.Context, b tickets.Batch) error {
	links := slices.Clone(b.Links)
	for i := range links {
		if err := links[i].Normalise(); err != nil {
			return fmt.Errorf("restore link %s %s: %w", links[i].Ticket.System, links[i].Ticket.Key, err)
		}
	}
	slices.SortFunc(links, byArticle)
	articles := sortedArticles(links)
	err := s.db.tx(ctx, func(tx pgx.Tx) error {
		batch := &pgx.Batch{}
		for _, l := range links {
			t := l.Ticket
			batch.Queue(`INSERT INTO links (`+linkColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
				ON CONFLICT (system, key, article) DO UPDATE SET url = EXCLUDED.url, title = EXCLUDED.title, status = EXCLUDED.status,
					resolved_at = EXCLUDED.resolved_at, anchor = EXCLUDED.anchor, relation = EXCLUDED.relation, note = EXCLUDED.note,
					linked_by = EXCLUDED.linked_by, linked_at = EXCLUDED.linked_at, updated_at = EXCLUDED.updated_at`,
				t.System, t.Key, l.ArticleID, t.URL, t.Title, t.Status, t.ResolvedAt, l.Anchor, string(l.Relation), l.Note, l.LinkedBy, l.LinkedAt.UTC(), l.UpdatedAt.UTC())
		}
		if len(articles) > 0 {
			// The counts of the articles written, recounted from their links.
			batch.Queue(`INSERT INTO article_links (article, links, version)
				SELECT article, count(*), 1 FROM links WHERE article = ANY($1) GROUP BY article
				ON CONFLICT (article) DO UPDATE SET links = EXCLUDED.links, version = article_links.version + 1`, articles)
		}
		for _, t := range b.Tokens {
			batch.Queue(`INSERT INTO tokens (name, scope, hash, created) VALUES ($1, $2, $3, $4)
				ON CONFLICT (name) DO UPDATE SET scope = EXCLUDED.scope, hash = EXCLUDED.hash, created = EXCLUDED.created`,
				t.Name, string(t.Scope), t.Hash, t.Created.UTC())
		}
		for _, d := range b.Deliveries {
			batch.Queue(`INSERT INTO deliveries (source, id, recorded_at) VALUES ($1, $2, $3)
				ON CONFLICT (source, id) DO UPDATE SET recorded_at = EXCLUDED.recorded_at`, d.Source, d.ID, d.At.UTC())
		}
		for _, m := range b.Mentions {
			batch.Queue(`INSERT INTO ticket_mentions (system, key, refs) VALUES ($1, $2, $3)
				ON CONFLICT (system, key) DO UPDATE SET refs = EXCLUDED.refs`, m.Ticket.System, m.Ticket.Key, nonNil(m.Refs))
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
		for _, r := range b.Resolved {
			if err := writeResolved(ctx, tx, r, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if len(articles) > 0 {
		s.db.notify(ctx, articles)
	}
	return nil
}
