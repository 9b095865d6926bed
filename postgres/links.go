package postgres

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"kb/tickets"
)

// Links is the links store over PostgreSQL: ticket links, API tokens,
// webhook deliveries, resolved tickets and mentions. It implements what
// server.LinkStore, webhook.Store, reports.Links and live.Links ask, as
// *tickets.Store does over bbolt, and passes the same conformance suite
// (tickets/storetest).
type Links struct {
	db *DB
}

// Links returns the links store of db.
func (db *DB) Links() *Links { return &Links{db: db} }

// now is the store's clock in PostgreSQL's precision, so that what a write
// returns equals what a read finds.
func (db *DB) now() time.Time { return db.opts.Now().UTC().Truncate(time.Microsecond) }

// linkColumns are the columns scanLink reads, in its order.
const linkColumns = "system, key, article, url, title, status, resolved_at, anchor, relation, note, linked_by, linked_at, updated_at"

// scanLink reads one row of linkColumns.
func scanLink(row pgx.Row) (tickets.Link, error) {
	var l tickets.Link
	var rel string
	err := row.Scan(&l.Ticket.System, &l.Ticket.Key, &l.ArticleID, &l.Ticket.URL, &l.Ticket.Title, &l.Ticket.Status,
		&l.Ticket.ResolvedAt, &l.Anchor, &rel, &l.Note, &l.LinkedBy, &l.LinkedAt, &l.UpdatedAt)
	l.Relation = tickets.Relation(rel)
	l.LinkedAt, l.UpdatedAt = l.LinkedAt.UTC(), l.UpdatedAt.UTC()
	if l.Ticket.ResolvedAt != nil {
		r := l.Ticket.ResolvedAt.UTC()
		l.Ticket.ResolvedAt = &r
	}
	return l, err
}

// querier runs a statement: the pool (a statement is a transaction by
// itself) or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// upsertSQL writes a link and counts it in one statement: the primary key
// decides whether the link is new (xmax = 0 on an inserted row), so the
// same link written at once through two replicas is one link, counted
// once; the article's version moves either way.
const upsertSQL = `WITH up AS (
		INSERT INTO links (` + linkColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
		ON CONFLICT (system, key, article) DO UPDATE SET
			url = EXCLUDED.url, title = EXCLUDED.title, status = EXCLUDED.status, resolved_at = EXCLUDED.resolved_at,
			anchor = EXCLUDED.anchor, relation = EXCLUDED.relation, note = EXCLUDED.note, linked_by = EXCLUDED.linked_by,
			updated_at = EXCLUDED.updated_at
		RETURNING linked_at, (xmax = 0) AS created
	), counted AS (
		INSERT INTO article_links (article, links, version)
		SELECT $3, CASE WHEN up.created THEN 1 ELSE 0 END, 1 FROM up
		ON CONFLICT (article) DO UPDATE SET links = article_links.links + EXCLUDED.links, version = article_links.version + 1
	)
	SELECT linked_at, created FROM up`

// upsertLink writes l (normalised), stamped now, keeping the first link
// time of the link it updates, and returns the stored link and whether it
// is new.
func upsertLink(ctx context.Context, q querier, l tickets.Link, now time.Time) (tickets.Link, bool, error) {
	var linkedAt time.Time
	var created bool
	t := l.Ticket
	err := q.QueryRow(ctx, upsertSQL,
		t.System, t.Key, l.ArticleID, t.URL, t.Title, t.Status, t.ResolvedAt, l.Anchor, string(l.Relation), l.Note, l.LinkedBy, now,
	).Scan(&linkedAt, &created)
	if err != nil {
		return tickets.Link{}, false, fmt.Errorf("write link %s %s: %w", t.System, t.Key, err)
	}
	l.LinkedAt, l.UpdatedAt = linkedAt.UTC(), now
	return l, created, nil
}

// bumpArticle adds delta to the link count of article and bumps its version.
func bumpArticle(ctx context.Context, tx pgx.Tx, article string, delta int) error {
	_, err := tx.Exec(ctx, `INSERT INTO article_links (article, links, version) VALUES ($1, GREATEST($2, 0), 1)
		ON CONFLICT (article) DO UPDATE SET links = GREATEST(article_links.links + $2, 0), version = article_links.version + 1`,
		article, delta)
	if err != nil {
		return fmt.Errorf("count the links of %s: %w", article, err)
	}
	return nil
}

// Add records l, normalised; the same (system, key, article) again updates
// the one link. It reports whether the link is new. When Add returns nil
// the link is committed, and every replica is told.
func (s *Links) Add(ctx context.Context, l tickets.Link) (stored tickets.Link, created bool, err error) {
	if err := l.Normalise(); err != nil {
		return tickets.Link{}, false, err
	}
	err = s.db.call(ctx, false, func(ctx context.Context) (err error) {
		stored, created, err = upsertLink(ctx, s.db.pool, l, s.db.now())
		return err
	})
	if err != nil {
		return tickets.Link{}, false, fmt.Errorf("store link: %w", err)
	}
	s.db.notify(ctx, []string{l.ArticleID})
	return stored, created, nil
}

// Delete removes the link between a ticket and an article.
func (s *Links) Delete(ctx context.Context, system, key, article string) error {
	article = strings.ToLower(article)
	err := s.db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM links WHERE system = $1 AND key = $2 AND article = $3", system, key, article)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return tickets.ErrNotFound
		}
		return bumpArticle(ctx, tx, article, -1)
	})
	if err != nil {
		return fmt.Errorf("delete link: %w", err)
	}
	s.db.notify(ctx, []string{article})
	return nil
}

// ByTicket returns the links of one ticket, oldest first.
func (s *Links) ByTicket(ctx context.Context, system, key string) ([]tickets.Link, error) {
	var out []tickets.Link
	err := s.db.call(ctx, false, func(ctx context.Context) error {
		rows, err := s.db.pool.Query(ctx, "SELECT "+linkColumns+" FROM links WHERE system = $1 AND key = $2 ORDER BY linked_at, article", system, key)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tickets.Link, error) { return scanLink(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("links of ticket %s %s: %w", system, key, err)
	}
	return out, nil
}

// ByArticle returns one page of an article's links, most recently updated
// first, and the article's total number of links; limit 0 is all of them.
func (s *Links) ByArticle(ctx context.Context, article string, offset, limit int) ([]tickets.Link, int, error) {
	article = strings.ToLower(article)
	var out []tickets.Link
	total := 0
	err := s.db.call(ctx, false, func(ctx context.Context) error {
		batch := &pgx.Batch{}
		batch.Queue("SELECT links FROM article_links WHERE article = $1", article).QueryRow(func(r pgx.Row) error {
			var n int64
			if err := r.Scan(&n); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			total = int(n)
			return nil
		})
		var lim any // NULL: no limit
		if limit > 0 {
			lim = limit
		}
		batch.Queue("SELECT "+linkColumns+" FROM links WHERE article = $1 ORDER BY updated_at DESC, system, key OFFSET $2 LIMIT $3",
			article, max(offset, 0), lim).Query(func(rows pgx.Rows) error {
			var err error
			out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tickets.Link, error) { return scanLink(r) })
			return err
		})
		return s.db.pool.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("links of article %s: %w", article, err)
	}
	return out, total, nil
}

// Count returns the number of links of an article.
func (s *Links) Count(ctx context.Context, article string) (int, error) {
	var n int64
	err := s.db.call(ctx, false, func(ctx context.Context) error {
		err := s.db.pool.QueryRow(ctx, "SELECT links FROM article_links WHERE article = $1", strings.ToLower(article)).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count links: %w", err)
	}
	return int(n), nil
}

// Counts returns the number of links of every article that has any.
func (s *Links) Counts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := s.db.call(ctx, true, func(ctx context.Context) error {
		clear(out)
		rows, err := s.db.pool.Query(ctx, "SELECT article, links FROM article_links WHERE links > 0")
		if err != nil {
			return err
		}
		var id string
		var n int64
		_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error { out[id] = int(n); return nil })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("count links: %w", err)
	}
	return out, nil
}

// Each calls fn for every link, ordered by ticket. The links stream from
// one query; fn's error stops it.
func (s *Links) Each(ctx context.Context, fn func(tickets.Link) error) error {
	err := s.db.call(ctx, true, func(ctx context.Context) error {
		rows, err := s.db.pool.Query(ctx, "SELECT "+linkColumns+" FROM links ORDER BY system, key, article")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			l, err := scanLink(rows)
			if err != nil {
				return err
			}
			if err := fn(l); err != nil {
				return &callerError{err}
			}
		}
		return rows.Err()
	})
	return unwrapCaller(err)
}

// callerError carries an error of a caller's function through read, which
// must neither retry nor classify it.
type callerError struct{ err error }

func (e *callerError) Error() string { return e.err.Error() }
func (e *callerError) Unwrap() error { return e.err }

func unwrapCaller(err error) error {
	var ce *callerError
	if errors.As(err, &ce) {
		return ce.err
	}
	return err
}

// Export writes every link as one JSON object a line, as tickets.Store does.
func (s *Links) Export(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := s.Each(ctx, func(l tickets.Link) error { return enc.Encode(l) }); err != nil {
		return fmt.Errorf("export links: %w", err)
	}
	return bw.Flush()
}

// Import reads links written by Export and stores them, keeping their
// original times and authors, in transactions of tickets.ReadExport's batches.
func (s *Links) Import(ctx context.Context, r io.Reader) (int, error) {
	return tickets.ReadExport(ctx, r, s.db.opts.Now, func(links []tickets.Link) error {
		if err := s.Restore(ctx, tickets.Batch{Links: links}); err != nil {
			return fmt.Errorf("import links: %w", err)
		}
		return nil
	})
}

// sortedArticles returns the distinct article ids of links, sorted: rows of
// article_links are always locked in this order, so that two transactions
// never wait for each other.
func sortedArticles(links []tickets.Link) []string {
	ids := make([]string, 0, len(links))
	for _, l := range links {
		ids = append(ids, l.ArticleID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// byArticle orders links the way their article rows are locked.
func byArticle(a, b tickets.Link) int {
	return cmp.Or(strings.Compare(a.ArticleID, b.ArticleID), strings.Compare(a.Ticket.System, b.Ticket.System), strings.Compare(a.Ticket.Key, b.Ticket.Key))
}

// Health returns why the database is unreachable, or nil (server.StoreHealth).
func (s *Links) Health() error { return s.db.Health() }

// Name names the database: host:port/database.
func (s *Links) Name() string { return s.db.Name() }

// Listening reports whether the notifications of other replicas' writes
// arrive (server.StoreHealth).
func (s *Links) Listening() bool { return s.db.Listening() }
