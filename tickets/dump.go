package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// EachDelivery calls fn for every webhook delivery recorded, ordered by
// source and id.
func (s *Store) EachDelivery(ctx context.Context, fn func(Delivered) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketDeliveries)).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			source, id, ok := strings.Cut(string(k), "\x00")
			if !ok {
				return fmt.Errorf("%w: bad delivery key %q", ErrCorrupt, k)
			}
			at, err := time.Parse(time.RFC3339Nano, string(v))
			if err != nil {
				return fmt.Errorf("%w: decode delivery %q: %w", ErrCorrupt, k, err)
			}
			return fn(Delivered{Source: source, ID: id, At: at})
		})
	})
}

// EachMention calls fn for every unresolved ticket with remembered
// references, ordered by system and key.
func (s *Store) EachMention(ctx context.Context, fn func(Mention) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketMentions)).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			system, key, ok := strings.Cut(string(k), "\x00")
			if !ok {
				return fmt.Errorf("%w: bad mention key %q", ErrCorrupt, k)
			}
			var refs []string
			if err := json.Unmarshal(v, &refs); err != nil {
				return fmt.Errorf("%w: decode mentions %q: %w", ErrCorrupt, k, err)
			}
			return fn(Mention{Ticket: Ticket{System: system, Key: key}, Refs: refs})
		})
	})
}

// Totals counts the records of each kind.
func (s *Store) Totals(ctx context.Context) (Totals, error) {
	if err := ctx.Err(); err != nil {
		return Totals{}, err
	}
	var t Totals
	err := s.db.View(func(tx *bbolt.Tx) error {
		n := func(b string) int { return tx.Bucket([]byte(b)).Stats().KeyN }
		t = Totals{Links: n(bucketByTicket), Tokens: n(bucketTokens), Deliveries: n(bucketDeliveries), Resolved: n(bucketResolved), Mentions: n(bucketMentions)}
		return nil
	})
	return t, err
}

// Restore puts the records of b into the store as they are, in one
// transaction; see Batch.
func (s *Store) Restore(ctx context.Context, b Batch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for i := range b.Links {
		if err := b.Links[i].Normalise(); err != nil {
			return fmt.Errorf("restore link %s %s: %w", b.Links[i].Ticket.System, b.Links[i].Ticket.Key, err)
		}
	}
	err := s.writeTx(func(tx *bbolt.Tx) error {
		for _, l := range b.Links {
			prev, err := getLink(tx, ticketKey(l.Ticket.System, l.Ticket.Key, l.ArticleID))
			if err != nil {
				return err
			}
			if err := putLink(tx, l, prev); err != nil {
				return err
			}
		}
		put := func(bucket string, k []byte, v any) error {
			val, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("encode %s: %w", bucket, err)
			}
			return tx.Bucket([]byte(bucket)).Put(k, val)
		}
		for _, t := range b.Tokens {
			if err := put(bucketTokens, []byte(t.Name), t); err != nil {
				return err
			}
		}
		for _, d := range b.Deliveries {
			if err := tx.Bucket([]byte(bucketDeliveries)).Put(deliveryKey(d.Source, d.ID), []byte(d.At.UTC().Format(time.RFC3339Nano))); err != nil {
				return err
			}
		}
		for _, r := range b.Resolved {
			if err := put(bucketResolved, resolvedKey(r.Ticket), r); err != nil {
				return err
			}
		}
		for _, m := range b.Mentions {
			if err := put(bucketMentions, resolvedKey(m.Ticket), m.Refs); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}
