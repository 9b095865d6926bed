package tickets

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"go.etcd.io/bbolt"
)

// Bucket names; each is owned by this package.
const (
	bucketMeta      = "tickets_meta"
	bucketByTicket  = "links_by_ticket"  // system \x00 key \x00 article → Link
	bucketByArticle = "links_by_article" // article \x00 system \x00 key → Link
	bucketTokens    = "tokens"           // name → Token
)

// schemaVersion is the layout of the buckets above; a file written by a newer
// kb is refused rather than misread.
const schemaVersion = 1

var keySchema = []byte("schema_version")

// Errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrCorrupt  = errors.New("links database is damaged")
)

// Store keeps ticket links and API tokens in a bbolt file.
type Store struct {
	db  *bbolt.DB
	now func() time.Time
}

// Open checks the database db and prepares this package's buckets. A damaged
// file gives an error wrapping ErrCorrupt and is left exactly as it is.
func Open(db *bbolt.DB) (*Store, error) {
	if err := check(db); err != nil {
		return nil, err
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return err
		}
		if v := meta.Get(keySchema); v != nil {
			n, err := strconv.Atoi(string(v))
			if err != nil || n > schemaVersion {
				return fmt.Errorf("links database has schema %q, newer than this kb understands (%d): upgrade kb", v, schemaVersion)
			}
		} else if err := meta.Put(keySchema, []byte(strconv.Itoa(schemaVersion))); err != nil {
			return err
		}
		for _, b := range []string{bucketByTicket, bucketByArticle, bucketTokens} {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open links store: %w", err)
	}
	return &Store{db: db, now: time.Now}, nil
}

// check runs bbolt's consistency check in a read-only transaction.
func check(db *bbolt.DB) (err error) {
	defer func() {
		// bbolt panics on some kinds of damage it meets while reading pages.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	return db.View(func(tx *bbolt.Tx) error {
		var errs []error
		for e := range tx.Check() {
			if len(errs) < 5 {
				errs = append(errs, e)
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("%w: %w", ErrCorrupt, errors.Join(errs...))
		}
		return nil
	})
}

func ticketKey(system, key, article string) []byte {
	return []byte(system + "\x00" + key + "\x00" + article)
}

func articleKey(article, system, key string) []byte {
	return []byte(article + "\x00" + system + "\x00" + key)
}

// Add records l, normalised; the same (system, key, article) again updates
// the one link. It reports whether the link is new. When Add returns nil the
// link is on disk.
func (s *Store) Add(ctx context.Context, l Link) (stored Link, created bool, err error) {
	if err := l.Normalise(); err != nil {
		return Link{}, false, err
	}
	if err := ctx.Err(); err != nil {
		return Link{}, false, err
	}
	now := s.now().UTC()
	// Batch coalesces concurrent writers into one fsync; fn may run twice, so
	// it derives everything from the transaction it is given.
	err = s.db.Batch(func(tx *bbolt.Tx) error {
		stored, created = l, true
		stored.LinkedAt, stored.UpdatedAt = now, now
		tk := ticketKey(l.Ticket.System, l.Ticket.Key, l.ArticleID)
		if old := tx.Bucket([]byte(bucketByTicket)).Get(tk); old != nil {
			var prev Link
			if err := json.Unmarshal(old, &prev); err == nil {
				stored.LinkedAt, created = prev.LinkedAt, false
			}
		}
		val, err := json.Marshal(stored)
		if err != nil {
			return fmt.Errorf("encode link: %w", err)
		}
		if err := tx.Bucket([]byte(bucketByTicket)).Put(tk, val); err != nil {
			return err
		}
		return tx.Bucket([]byte(bucketByArticle)).Put(articleKey(l.ArticleID, l.Ticket.System, l.Ticket.Key), val)
	})
	if err != nil {
		return Link{}, false, fmt.Errorf("store link: %w", err)
	}
	return stored, created, nil
}

// Delete removes the link between a ticket and an article.
func (s *Store) Delete(ctx context.Context, system, key, article string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bbolt.Tx) error {
		tk := ticketKey(system, key, article)
		byTicket := tx.Bucket([]byte(bucketByTicket))
		if byTicket.Get(tk) == nil {
			return ErrNotFound
		}
		if err := byTicket.Delete(tk); err != nil {
			return err
		}
		return tx.Bucket([]byte(bucketByArticle)).Delete(articleKey(article, system, key))
	})
}

// scan decodes every link under prefix of bucket.
func scan(tx *bbolt.Tx, bucket string, prefix []byte) ([]Link, error) {
	var out []Link
	c := tx.Bucket([]byte(bucket)).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var l Link
		if err := json.Unmarshal(v, &l); err != nil {
			return nil, fmt.Errorf("decode link %q: %w", k, err)
		}
		out = append(out, l)
	}
	return out, nil
}

// ByTicket returns the links of one ticket, oldest first.
func (s *Store) ByTicket(ctx context.Context, system, key string) ([]Link, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Link
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		out, err = scan(tx, bucketByTicket, []byte(system+"\x00"+key+"\x00"))
		return err
	})
	slices.SortStableFunc(out, func(a, b Link) int { return a.LinkedAt.Compare(b.LinkedAt) })
	return out, err
}

// ByArticle returns one page of an article's links, most recently updated
// first, and the article's total number of links.
func (s *Store) ByArticle(ctx context.Context, article string, offset, limit int) ([]Link, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	var all []Link
	err := s.db.View(func(tx *bbolt.Tx) (err error) {
		all, err = scan(tx, bucketByArticle, []byte(article+"\x00"))
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	slices.SortStableFunc(all, func(a, b Link) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(a.Ticket.Key, b.Ticket.Key))
	})
	offset = min(max(offset, 0), len(all))
	end := len(all)
	if limit > 0 {
		end = min(offset+limit, len(all))
	}
	return all[offset:end], len(all), nil
}

// Count returns the number of links of an article.
func (s *Store) Count(ctx context.Context, article string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	prefix := []byte(article + "\x00")
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket([]byte(bucketByArticle)).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// Each calls fn for every link, ordered by ticket.
func (s *Store) Each(ctx context.Context, fn func(Link) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketByTicket)).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var l Link
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("decode link %q: %w", k, err)
			}
			return fn(l)
		})
	})
}

// Export writes every link as one JSON object a line.
func (s *Store) Export(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := s.Each(ctx, func(l Link) error { return enc.Encode(l) }); err != nil {
		return fmt.Errorf("export links: %w", err)
	}
	return bw.Flush()
}

// maxImportLine bounds one line of an import file.
const maxImportLine = 1 << 20

// Import reads links written by Export and stores them, keeping their
// original times and authors. It stops at the first invalid line, naming it;
// lines before it are stored.
func (s *Store) Import(ctx context.Context, r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxImportLine)
	n, line := 0, 0
	const batch = 1000
	var pending []Link
	flush := func() error {
		err := s.db.Update(func(tx *bbolt.Tx) error {
			for _, l := range pending {
				val, err := json.Marshal(l)
				if err != nil {
					return err
				}
				if err := tx.Bucket([]byte(bucketByTicket)).Put(ticketKey(l.Ticket.System, l.Ticket.Key, l.ArticleID), val); err != nil {
					return err
				}
				if err := tx.Bucket([]byte(bucketByArticle)).Put(articleKey(l.ArticleID, l.Ticket.System, l.Ticket.Key), val); err != nil {
					return err
				}
			}
			return nil
		})
		n += len(pending)
		pending = pending[:0]
		return err
	}
	for sc.Scan() {
		line++
		if err := ctx.Err(); err != nil {
			return n, err
		}
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var l Link
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return n, fmt.Errorf("line %d: %w", line, err)
		}
		if err := l.Normalise(); err != nil {
			return n, fmt.Errorf("line %d: %w", line, err)
		}
		if l.LinkedAt.IsZero() {
			l.LinkedAt = s.now().UTC()
		}
		if l.UpdatedAt.IsZero() {
			l.UpdatedAt = l.LinkedAt
		}
		pending = append(pending, l)
		if len(pending) == batch {
			if err := flush(); err != nil {
				return n, fmt.Errorf("import links: %w", err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("line %d: %w", line+1, err)
	}
	if err := flush(); err != nil {
		return n, fmt.Errorf("import links: %w", err)
	}
	return n, nil
}
