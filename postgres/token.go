package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"kb/tickets"
)

// CreateToken stores a new token called name and returns its secret, which
// is shown once and never stored. The name's primary key refuses a second
// token of the same name, whichever replica makes it.
func (s *Links) CreateToken(ctx context.Context, name string, scope tickets.Scope, readPaths ...string) (string, error) {
	t, secret, err := tickets.NewToken(name, scope, s.db.now(), readPaths...)
	if err != nil {
		return "", err
	}
	err = s.db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "INSERT INTO tokens (name, scope, hash, created, read_paths) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
			t.Name, string(t.Scope), t.Hash, t.Created, t.ReadPaths)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("token %q: %w; revoke it first", name, tickets.ErrExists)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

func scanToken(row pgx.Row) (tickets.Token, error) {
	var t tickets.Token
	var scope string
	var used *time.Time
	err := row.Scan(&t.Name, &scope, &t.Hash, &t.Created, &used, &t.ReadPaths)
	t.Scope, t.Created = tickets.Scope(scope), t.Created.UTC()
	if used != nil {
		t.FirstUsed = used.UTC()
	}
	return t, err
}

// Tokens lists the stored tokens by name.
func (s *Links) Tokens(ctx context.Context) ([]tickets.Token, error) {
	var out []tickets.Token
	err := s.db.call(ctx, false, func(ctx context.Context) error {
		rows, err := s.db.pool.Query(ctx, "SELECT name, scope, hash, created, first_used, read_paths FROM tokens ORDER BY name")
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (tickets.Token, error) { return scanToken(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken deletes the token called name; from the commit on, no
// replica accepts it (none caches tokens).
func (s *Links) RevokeToken(ctx context.Context, name string) error {
	return s.db.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM tokens WHERE name = $1", name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("token %q: %w", name, tickets.ErrNotFound)
		}
		return nil
	})
}

// Authenticate returns the token whose secret is secret, looked up by the
// secret's SHA-256 (a unique index): what an attacker can time is a lookup
// of a hash they cannot steer, which tells nothing about near misses. Every
// request reads the database, so a token made or revoked through any
// replica counts on all of them at once.
func (s *Links) Authenticate(ctx context.Context, secret string) (tickets.Token, error) {
	var t tickets.Token
	err := s.db.call(ctx, false, func(ctx context.Context) error {
		var err error
		t, err = scanToken(s.db.pool.QueryRow(ctx, "SELECT name, scope, hash, created, first_used, read_paths FROM tokens WHERE hash = $1", tickets.HashSecret(secret)))
		return err
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return tickets.Token{}, tickets.ErrUnauthorized
	case err != nil:
		return tickets.Token{}, fmt.Errorf("check token: %w", err)
	}
	return t, nil
}
