package tickets

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"
)

// Delivered is a webhook delivery a store has recorded: a retry with the
// same source and id records nothing.
type Delivered struct {
	Source string    `json:"source"`
	ID     string    `json:"id"`
	At     time.Time `json:"at"` // when it was recorded
}

// Batch is data to put into a store as it is, for a copy between stores:
// links keep their times and authors, tokens their hashes, deliveries,
// resolved tickets and mentions their contents. A record already in the
// store under the same key is replaced.
type Batch struct {
	Links      []Link
	Tokens     []Token
	Deliveries []Delivered
	Resolved   []Resolved
	Mentions   []Mention
}

// Len is the number of records of b.
func (b Batch) Len() int {
	return len(b.Links) + len(b.Tokens) + len(b.Deliveries) + len(b.Resolved) + len(b.Mentions)
}

// Totals counts what a store holds, to check a copy.
type Totals struct {
	Links      int `json:"links"`
	Tokens     int `json:"tokens"`
	Deliveries int `json:"deliveries"`
	Resolved   int `json:"resolved"`
	Mentions   int `json:"mentions"`
}

// Source is a store to copy from; *Store implements it, and so does the
// PostgreSQL store.
type Source interface {
	Each(ctx context.Context, fn func(Link) error) error
	Tokens(ctx context.Context) ([]Token, error)
	EachDelivery(ctx context.Context, fn func(Delivered) error) error
	EachResolved(ctx context.Context, fn func(Resolved) error) error
	EachMention(ctx context.Context, fn func(Mention) error) error
	Totals(ctx context.Context) (Totals, error)
	Counts(ctx context.Context) (map[string]int, error)
}

// Sink is a store to copy into.
type Sink interface {
	Restore(ctx context.Context, b Batch) error
	Totals(ctx context.Context) (Totals, error)
	Counts(ctx context.Context) (map[string]int, error)
}

// ErrNotEmpty is returned by Copy for a destination that holds data already.
var ErrNotEmpty = errors.New("the destination store is not empty")

// ErrCopyMismatch is returned by Copy when the destination does not hold
// what the source does after the copy.
var ErrCopyMismatch = errors.New("the copy does not match its source")

// copyBatch bounds the records of one Restore: one transaction each.
const copyBatch = 5000

// Copy puts everything from holds into to, which must be empty, in
// transactions of copyBatch records, and then checks that to holds as many
// records of each kind as from and the same number of links per article.
// Stop the kb serving from first: writes during the copy may be missed, and
// the check then fails.
func Copy(ctx context.Context, from Source, to Sink) (Totals, error) {
	dest, err := to.Totals(ctx)
	if err != nil {
		return Totals{}, fmt.Errorf("count the destination: %w", err)
	}
	if dest != (Totals{}) {
		return Totals{}, fmt.Errorf("%w: it holds %d links, %d tokens, %d deliveries, %d resolved tickets and %d mentions; copy into a new one",
			ErrNotEmpty, dest.Links, dest.Tokens, dest.Deliveries, dest.Resolved, dest.Mentions)
	}
	var b Batch
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		if err := to.Restore(ctx, b); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		b = Batch{}
		return nil
	}
	add := func(fill func()) error {
		fill()
		if b.Len() >= copyBatch {
			return flush()
		}
		return nil
	}
	if err := from.Each(ctx, func(l Link) error { return add(func() { b.Links = append(b.Links, l) }) }); err != nil {
		return Totals{}, fmt.Errorf("copy links: %w", err)
	}
	tokens, err := from.Tokens(ctx)
	if err != nil {
		return Totals{}, fmt.Errorf("copy tokens: %w", err)
	}
	for _, t := range tokens {
		if err := add(func() { b.Tokens = append(b.Tokens, t) }); err != nil {
			return Totals{}, fmt.Errorf("copy tokens: %w", err)
		}
	}
	if err := from.EachDelivery(ctx, func(d Delivered) error { return add(func() { b.Deliveries = append(b.Deliveries, d) }) }); err != nil {
		return Totals{}, fmt.Errorf("copy deliveries: %w", err)
	}
	if err := from.EachResolved(ctx, func(r Resolved) error { return add(func() { b.Resolved = append(b.Resolved, r) }) }); err != nil {
		return Totals{}, fmt.Errorf("copy resolved tickets: %w", err)
	}
	if err := from.EachMention(ctx, func(m Mention) error { return add(func() { b.Mentions = append(b.Mentions, m) }) }); err != nil {
		return Totals{}, fmt.Errorf("copy mentions: %w", err)
	}
	if err := flush(); err != nil {
		return Totals{}, err
	}
	return verify(ctx, from, to)
}

// verify compares the totals and the links per article of two stores.
func verify(ctx context.Context, from Source, to Sink) (Totals, error) {
	want, err := from.Totals(ctx)
	if err != nil {
		return Totals{}, fmt.Errorf("count the source: %w", err)
	}
	got, err := to.Totals(ctx)
	if err != nil {
		return Totals{}, fmt.Errorf("count the destination: %w", err)
	}
	if got != want {
		return got, fmt.Errorf("%w: source %+v, destination %+v", ErrCopyMismatch, want, got)
	}
	wantCounts, err := from.Counts(ctx)
	if err != nil {
		return Totals{}, fmt.Errorf("count the source's links per article: %w", err)
	}
	gotCounts, err := to.Counts(ctx)
	if err != nil {
		return Totals{}, fmt.Errorf("count the destination's links per article: %w", err)
	}
	if !maps.Equal(wantCounts, gotCounts) {
		return got, fmt.Errorf("%w: the links per article differ", ErrCopyMismatch)
	}
	return got, nil
}
