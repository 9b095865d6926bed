package tickets

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.etcd.io/bbolt"

	"kb/access"
)

// Scope is what a token may do.
type Scope string

// The token scopes.
const (
	ScopeWrite Scope = "links:write" // write links, and read
	ScopeRead  Scope = "read"        // read the API where kb.yaml requires a token
)

// Token is an API token as stored: its secret is never kept, only a hash.
type Token struct {
	Name    string    `json:"name"`
	Scope   Scope     `json:"scope"`
	Hash    []byte    `json:"hash"`
	Created time.Time `json:"created"`
	// FirstUsed is when the token first authenticated a request; zero
	// while it never has.
	FirstUsed time.Time `json:"first_used,omitzero"`
	// ReadPaths limits what the token reads to the paths matching one of
	// these globs (security/**), within what kb.yaml's rules let it read;
	// nil: every path the rules let tokens read.
	ReadPaths []string `json:"read_paths,omitempty"`
}

// CanWrite reports whether the token may write links.
func (t Token) CanWrite() bool { return t.Scope == ScopeWrite }

var tokenNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// ErrUnauthorized is returned for a token that matches no stored token.
var ErrUnauthorized = errors.New("unknown or revoked token")

// NewToken checks name and scope and returns a new token called name and
// its secret, which is shown once and never stored: every links store keeps
// tokens made here.
// readPaths limit what it reads (access.CheckPath refuses bad globs).
func NewToken(name string, scope Scope, now time.Time, readPaths ...string) (Token, string, error) {
	if !tokenNameRE.MatchString(name) {
		return Token{}, "", &ValidationError{"name", "lowercase letters, digits, '.', '_' and '-', at most 64"}
	}
	if scope != ScopeWrite && scope != ScopeRead {
		return Token{}, "", &ValidationError{"scope", "links:write or read"}
	}
	var paths []string
	for _, p := range readPaths {
		p, err := access.CheckPath(p)
		if err != nil {
			return Token{}, "", &ValidationError{"read_path", fmt.Sprintf("%q: %v", p, err)}
		}
		paths = append(paths, p)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Token{}, "", fmt.Errorf("create token: %w", err)
	}
	secret := "kb_" + base64.RawURLEncoding.EncodeToString(raw)
	return Token{Name: name, Scope: scope, Hash: HashSecret(secret), Created: now, ReadPaths: paths}, secret, nil
}

// HashSecret is what a store keeps of a token's secret.
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// CreateToken stores a new token called name and returns its secret, which is
// shown once and never stored; readPaths limit what it reads.
func (s *Store) CreateToken(ctx context.Context, name string, scope Scope, readPaths ...string) (string, error) {
	t, secret, err := NewToken(name, scope, s.now().UTC(), readPaths...)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	val, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("encode token: %w", err)
	}
	err = s.writeTx(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(bucketTokens))
		if b.Get([]byte(name)) != nil {
			return fmt.Errorf("token %q: %w; revoke it first", name, ErrExists)
		}
		return b.Put([]byte(name), val)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Tokens lists the stored tokens by name.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Token
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketTokens)).ForEach(func(k, v []byte) error {
			var t Token
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("decode token %q: %w", k, err)
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

// RevokeToken deletes the token called name.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.writeTx(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(bucketTokens))
		if b.Get([]byte(name)) == nil {
			return fmt.Errorf("token %q: %w", name, ErrNotFound)
		}
		return b.Delete([]byte(name))
	})
}

// Authenticate returns the token whose secret is secret. Every stored hash is
// compared in constant time, so timing tells nothing about near misses.
func (s *Store) Authenticate(ctx context.Context, secret string) (Token, error) {
	tokens, err := s.Tokens(ctx)
	if err != nil {
		return Token{}, err
	}
	sum := HashSecret(secret)
	var found Token
	match := 0
	for _, t := range tokens {
		if subtle.ConstantTimeCompare(sum, t.Hash) == 1 {
			found, match = t, 1
		}
	}
	if match == 0 {
		return Token{}, ErrUnauthorized
	}
	return found, nil
}

// MarkUsed records the first use of the token called name at the store's
// clock; first is true only for the call that recorded it, so the first use
// is audited once whichever request gets there. An unknown token is no
// error: it was revoked since it authenticated.
func (s *Store) MarkUsed(ctx context.Context, name string) (first bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := s.now().UTC()
	err = s.writeTx(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(bucketTokens))
		v := b.Get([]byte(name))
		if v == nil { // revoked meanwhile: nothing to record
			return nil
		}
		var t Token
		if err := json.Unmarshal(v, &t); err != nil {
			return fmt.Errorf("%w: decode token %q: %w", ErrCorrupt, name, err)
		}
		if !t.FirstUsed.IsZero() {
			return nil
		}
		t.FirstUsed, first = now, true
		val, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode token: %w", err)
		}
		return b.Put([]byte(name), val)
	})
	return first, err
}
