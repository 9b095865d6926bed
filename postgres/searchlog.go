package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"kb/searchlog"
)

// SearchLog keeps search statistics in PostgreSQL, shared by every replica;
// it implements searchlog.Store as *searchlog.Bolt does over bbolt.
type SearchLog struct {
	db     *DB
	limits searchlog.Limits
}

// SearchLog returns the search statistics of db, bounded by limits.
func (db *DB) SearchLog(limits searchlog.Limits) *SearchLog {
	return &SearchLog{db: db, limits: limits}
}

// Record implements searchlog.Store.
func (s *SearchLog) Record(ctx context.Context, query string, results int, at time.Time) error {
	q := searchlog.Normalize(query)
	if q == "" {
		return searchlog.ErrBadQuery
	}
	results = max(results, 0)
	zero := 0
	if results == 0 {
		zero = 1
	}
	err := s.db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO search_stats (query, searches, zero, last_results, last) VALUES ($1, 1, $2, $3, $4)
			ON CONFLICT (query) DO UPDATE SET searches = search_stats.searches + 1, zero = search_stats.zero + EXCLUDED.zero,
			last_results = EXCLUDED.last_results, last = GREATEST(search_stats.last, EXCLUDED.last)`, q, zero, results, at); err != nil {
			return err
		}
		return s.prune(ctx, tx, at)
	})
	if err != nil {
		return fmt.Errorf("record search %q: %w", q, err)
	}
	return nil
}

// Opened implements searchlog.Store.
func (s *SearchLog) Opened(ctx context.Context, query, url string, at time.Time) error {
	q := searchlog.Normalize(query)
	if q == "" {
		return searchlog.ErrBadQuery
	}
	u, err := searchlog.CheckURL(url)
	if err != nil {
		return err
	}
	err = s.db.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO search_stats (query, searches, last_results, opened, last) VALUES ($1, 1, 1, 1, $2)
			ON CONFLICT (query) DO UPDATE SET opened = search_stats.opened + 1`, q, at); err != nil {
			return err
		}
		// A new URL only while the query has fewer than 10.
		if _, err := tx.Exec(ctx, `INSERT INTO search_opens (query, url, count)
			SELECT $1, $2, 1 WHERE EXISTS (SELECT 1 FROM search_opens WHERE query = $1 AND url = $2)
				OR (SELECT count(*) FROM search_opens WHERE query = $1) < 10
			ON CONFLICT (query, url) DO UPDATE SET count = search_opens.count + 1`, q, u); err != nil {
			return err
		}
		return s.prune(ctx, tx, at)
	})
	if err != nil {
		return fmt.Errorf("record opened result of %q: %w", q, err)
	}
	return nil
}

// prune drops the queries past MaxAge and, past MaxQueries, the least recent.
func (s *SearchLog) prune(ctx context.Context, tx pgx.Tx, now time.Time) error {
	if s.limits.MaxAge > 0 {
		if _, err := tx.Exec(ctx, "DELETE FROM search_stats WHERE last < $1", now.Add(-s.limits.MaxAge)); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `DELETE FROM search_stats WHERE query IN
		(SELECT query FROM search_stats ORDER BY last DESC, query OFFSET $1)`, s.limits.MaxQueries)
	return err
}

// Stats implements searchlog.Store.
func (s *SearchLog) Stats(ctx context.Context) ([]searchlog.Stat, error) {
	var out []searchlog.Stat
	err := s.db.call(ctx, true, func(ctx context.Context) error {
		out = out[:0]
		byQuery := map[string]int{}
		rows, err := s.db.pool.Query(ctx, "SELECT query, searches, zero, last_results, opened, last FROM search_stats")
		if err != nil {
			return err
		}
		var st searchlog.Stat
		var searches, zero, last, opened int64
		if _, err := pgx.ForEachRow(rows, []any{&st.Query, &searches, &zero, &last, &opened, &st.Last}, func() error {
			st.Searches, st.Zero, st.LastResults, st.Opened = int(searches), int(zero), int(last), int(opened)
			byQuery[st.Query] = len(out)
			out = append(out, st)
			return nil
		}); err != nil {
			return err
		}
		rows, err = s.db.pool.Query(ctx, "SELECT query, url, count FROM search_opens")
		if err != nil {
			return err
		}
		var q, u string
		var n int64
		_, err = pgx.ForEachRow(rows, []any{&q, &u, &n}, func() error {
			if i, ok := byQuery[q]; ok {
				if out[i].Opens == nil {
					out[i].Opens = map[string]int{}
				}
				out[i].Opens[u] = int(n)
			}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read search statistics: %w", err)
	}
	searchlog.Sort(out)
	return out, nil
}
