package feedback

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"go.etcd.io/bbolt"
)

// bucketHelpful maps an article id to its helpful count, a big-endian uint64.
var bucketHelpful = []byte("feedback_helpful")

// maxID bounds an article id; kb's ids are at most 128 bytes.
const maxID = 256

// ErrBadID is returned for an empty or over-long article id.
var ErrBadID = errors.New("article id must be 1-256 bytes")

// CheckID returns ErrBadID for an article id no store accepts.
func CheckID(id string) error {
	if id == "" || len(id) > maxID {
		return ErrBadID
	}
	return nil
}

// Store keeps the helpful counts in a bbolt database.
type Store struct {
	db *bbolt.DB
}

// Open creates the store's bucket in db if needed. The caller owns db and closes it.
func Open(db *bbolt.DB) (*Store, error) {
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketHelpful)
		return err
	}); err != nil {
		return nil, fmt.Errorf("open feedback store: %w", err)
	}
	return &Store{db: db}, nil
}

// Helpful adds one to the helpful count of article id and returns the new
// count. A nil error means the count is on disk.
func (s *Store) Helpful(ctx context.Context, id string) (int, error) {
	if err := CheckID(id); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n uint64
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketHelpful)
		if v := b.Get([]byte(id)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		n++
		return b.Put([]byte(id), binary.BigEndian.AppendUint64(nil, n))
	})
	if err != nil {
		return 0, fmt.Errorf("count helpful %s: %w", id, err)
	}
	return int(n), nil
}

// HelpfulCounts returns the helpful count of every article that has one.
func (s *Store) HelpfulCounts(ctx context.Context) (map[string]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[string]int{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketHelpful).ForEach(func(k, v []byte) error {
			if len(v) == 8 {
				out[string(k)] = int(binary.BigEndian.Uint64(v))
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read helpful counts: %w", err)
	}
	return out, nil
}

// SetHelpful sets the helpful counts of the articles in counts, in one
// transaction: a copy from another store (kb store copy).
func (s *Store) SetHelpful(ctx context.Context, counts map[string]int) error {
	for id, n := range counts {
		if err := CheckID(id); err != nil {
			return fmt.Errorf("set helpful %q: %w", id, err)
		}
		if n < 0 {
			return fmt.Errorf("set helpful %s: negative count %d", id, n)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketHelpful)
		for id, n := range counts {
			if err := b.Put([]byte(id), binary.BigEndian.AppendUint64(nil, uint64(n))); err != nil {
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
