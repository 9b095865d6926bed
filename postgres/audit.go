package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"kb/tickets"
)

// Append records e in the audit table and prunes, from the oldest end, the
// entries past the age limit and those more than the size limit behind the
// new id, at most tickets.AuditPruneBatch of each, in the same transaction.
// Ids come from a sequence, so "behind" counts appends whichever replica
// made them.
func (s *Links) Append(ctx context.Context, e tickets.Event) error {
	e = e.Normalise()
	if e.Time.IsZero() {
		e.Time = s.db.now()
	}
	lim := s.db.opts.AuditLimits.WithDefaults()
	cutoff := s.db.now().Add(-lim.MaxAge)
	err := s.db.tx(ctx, func(tx pgx.Tx) error {
		// Appends take turns across the fleet: ids are then given and
		// committed in one order, so pruning by id keeps exactly the newest
		// MaxEntries even under concurrent writers.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", auditLockKey); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, "INSERT INTO audit (at, who, action, target, client, detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
			e.Time.UTC(), e.Who, e.Action, e.Target, e.From, e.Detail).Scan(&id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM audit WHERE id IN (
			SELECT id FROM audit WHERE id <= $1 OR at < $2 ORDER BY id LIMIT $3)`,
			id-int64(lim.MaxEntries), cutoff, tickets.AuditPruneBatch)
		return err
	})
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	return nil
}

// auditLockKey is the advisory lock audit appends take turns on.
const auditLockKey = 0x6b62_6175_6469_74 // "kbaudit"

// List returns audit entries newest first.
func (s *Links) List(ctx context.Context, q tickets.AuditQuery) ([]tickets.Event, error) {
	if q.Limit <= 0 {
		q.Limit = tickets.DefaultAuditLimit
	}
	var out []tickets.Event
	err := s.db.call(ctx, false, func(ctx context.Context) error {
		rows, err := s.db.pool.Query(ctx, `SELECT at, who, action, target, client, detail FROM audit
			WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($4 = '' OR who = $4) AND ($5 = '' OR action = $5)
			ORDER BY id DESC OFFSET $2 LIMIT $3`,
			sinceArg(q), q.Offset, q.Limit, q.Who, q.Action)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tickets.Event, error) {
			var e tickets.Event
			err := r.Scan(&e.Time, &e.Who, &e.Action, &e.Target, &e.From, &e.Detail)
			e.Time = e.Time.UTC()
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	return out, nil
}

func sinceArg(q tickets.AuditQuery) any {
	if q.Since.IsZero() {
		return nil
	}
	return q.Since.UTC()
}

// MarkUsed records the first use of the token called name; first is true
// only for the statement that set it, on whichever replica.
func (s *Links) MarkUsed(ctx context.Context, name string) (first bool, err error) {
	now := s.db.now()
	err = s.db.call(ctx, false, func(ctx context.Context) error {
		var n string
		err := s.db.pool.QueryRow(ctx, "UPDATE tokens SET first_used = $2 WHERE name = $1 AND first_used IS NULL RETURNING name", name, now).Scan(&n)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			first = false
			return nil
		case err != nil:
			return err
		}
		first = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("mark token %q used: %w", name, err)
	}
	return first, nil
}
