package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"kb/feedback"
)

// Feedback keeps the "this helped" counts in PostgreSQL; it implements what
// server.FeedbackStore and reports.HelpfulCounter ask, as *feedback.Store
// does over bbolt.
type Feedback struct {
	db *DB
}

// Feedback returns the feedback store of db.
func (db *DB) Feedback() *Feedback { return &Feedback{db: db} }

// Helpful adds one to the helpful count of article id and returns the new
// count, in one statement, so concurrent readers on any replica each count.
func (f *Feedback) Helpful(ctx context.Context, id string) (int, error) {
	if err := feedback.CheckID(id); err != nil {
		return 0, err
	}
	var n int64
	err := f.db.tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO helpful (article, count) VALUES ($1, 1)
			ON CONFLICT (article) DO UPDATE SET count = helpful.count + 1 RETURNING count`, id).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count helpful %s: %w", id, err)
	}
	return int(n), nil
}

// HelpfulCounts returns the helpful count of every article that has one.
func (f *Feedback) HelpfulCounts(ctx context.Context) (map[string]int, error) {
	out := map[string]int{}
	err := f.db.call(ctx, true, func(ctx context.Context) error {
		clear(out)
		rows, err := f.db.pool.Query(ctx, "SELECT article, count FROM helpful WHERE count > 0")
		if err != nil {
			return err
		}
		var id string
		var n int64
		_, err = pgx.ForEachRow(rows, []any{&id, &n}, func() error { out[id] = int(n); return nil })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read helpful counts: %w", err)
	}
	return out, nil
}

// SetHelpful sets the helpful counts of the articles in counts, in one
// transaction: a copy from another store (kb store copy).
func (f *Feedback) SetHelpful(ctx context.Context, counts map[string]int) error {
	for id, n := range counts {
		if err := feedback.CheckID(id); err != nil {
			return fmt.Errorf("set helpful %q: %w", id, err)
		}
		if n < 0 {
			return fmt.Errorf("set helpful %s: negative count %d", id, n)
		}
	}
	err := f.db.tx(ctx, func(tx pgx.Tx) error {
		for id, n := range counts {
			if _, err := tx.Exec(ctx, "INSERT INTO helpful (article, count) VALUES ($1, $2) ON CONFLICT (article) DO UPDATE SET count = EXCLUDED.count", id, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set helpful counts: %w", err)
	}
	return nil
}
