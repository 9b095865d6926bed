package tickets

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// Bucket names; each is owned by this package.
const (
	bucketMeta       = "tickets_meta"
	bucketByTicket   = "links_by_ticket"    // system \x00 key \x00 article → Link
	bucketByArticle  = "links_by_article"   // article \x00 system \x00 key → Link
	bucketByTime     = "links_by_time"      // article \x00 ^updated (8 bytes) system \x00 key → nothing: newest first
	bucketCounts     = "links_per_article"  // article → number of links (8 bytes, big-endian)
	bucketTokens     = "tokens"             // name → Token
	bucketDeliveries = "webhook_deliveries" // source \x00 delivery id → time it was recorded
	bucketResolved   = "resolved_tickets"   // system \x00 key → Resolved, tickets resolved as webhooks saw them
	bucketMentions   = "ticket_mentions"    // system \x00 key → []string, kb references on tickets not resolved yet
	bucketAudit      = "audit"              // sequence (8 bytes, big-endian) → Event, oldest first
)

// schemaVersion is the layout of the buckets above; a file written by a newer
// kb is refused rather than misread. Version 1 had only the links and tokens
// buckets; Open builds the indexes of version 2 from them.
const schemaVersion = 2

var keySchema = []byte("schema_version")

// Errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	ErrCorrupt  = errors.New("links database is damaged")
	// ErrReadOnly: the database was opened read-only (its volume is), so
	// it answers reads and refuses writes.
	ErrReadOnly = errors.New("links database is read-only")
	// ErrUnavailable: a shared links database (PostgreSQL) cannot be
	// reached or did not answer in time; nothing was recorded, and the
	// same request succeeds once it is back.
	ErrUnavailable = errors.New("links database is unreachable")
)

// ReadOnly reports whether the store was opened read-only: it answers reads,
// and writes fail with ErrReadOnly.
func (s *Store) ReadOnly() bool { return s.db.IsReadOnly() }

// writeTx runs fn in a read-write transaction of its own; on a database
// opened read-only the error wraps ErrReadOnly.
func (s *Store) writeTx(fn func(*bbolt.Tx) error) error {
	if s.db.IsReadOnly() {
		return fmt.Errorf("%w: its volume was read-only when kb started; restart kb once it is writable", ErrReadOnly)
	}
	return s.db.Update(fn)
}

// Store keeps ticket links and API tokens in a bbolt file.
type Store struct {
	db     *bbolt.DB
	now    func() time.Time
	commit groupCommit
	audit  AuditLimits
}

// Open checks the database db and prepares this package's buckets. A damaged
// file gives an error wrapping ErrCorrupt and is left exactly as it is. A
// file of schema 1 gets the indexes of schema 2, built from its links. now
// stamps links and tokens (cmd/kb passes time.Now; nil means time.Now).
func Open(db *bbolt.DB, now func() time.Time) (*Store, error) {
	if now == nil {
		now = time.Now
	}
	now = microseconds(now)
	if err := check(db); err != nil {
		return nil, err
	}
	if db.IsReadOnly() {
		return openReadOnly(db, now)
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(bucketMeta))
		if err != nil {
			return err
		}
		version := 0
		if v := meta.Get(keySchema); v != nil {
			n, err := strconv.Atoi(string(v))
			if err != nil || n > schemaVersion {
				return fmt.Errorf("links database has schema %q, newer than this kb understands (%d): upgrade kb", v, schemaVersion)
			}
			version = n
		}
		for _, b := range []string{bucketByTicket, bucketByArticle, bucketTokens, bucketDeliveries, bucketResolved, bucketMentions} {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		if version < 2 {
			if err := buildIndexes(tx); err != nil {
				return fmt.Errorf("upgrade to schema 2: %w", err)
			}
		}
		if version != schemaVersion {
			return meta.Put(keySchema, []byte(strconv.Itoa(schemaVersion)))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open links store: %w", err)
	}
	return &Store{db: db, now: now}, nil
}

// openReadOnly opens a database that bbolt opened read-only: it must hold
// this kb's schema already, since nothing can be written.
// microseconds stamps at PostgreSQL's precision, so a store copied to
// PostgreSQL and back keeps every time exactly.
func microseconds(now func() time.Time) func() time.Time {
	return func() time.Time { return now().Truncate(time.Microsecond) }
}

func openReadOnly(db *bbolt.DB, now func() time.Time) (*Store, error) {
	err := db.View(func(tx *bbolt.Tx) error {
		meta := tx.Bucket([]byte(bucketMeta))
		if meta == nil || string(meta.Get(keySchema)) != strconv.Itoa(schemaVersion) {
			return fmt.Errorf("%w: it has no links schema %d and cannot get one while read-only", ErrReadOnly, schemaVersion)
		}
		for _, b := range []string{bucketByTicket, bucketByArticle, bucketTokens, bucketDeliveries, bucketResolved, bucketMentions, bucketByTime, bucketCounts} {
			if tx.Bucket([]byte(b)) == nil {
				return fmt.Errorf("%w: bucket %s is missing", ErrCorrupt, b)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("open links store: %w", err)
	}
	return &Store{db: db, now: now}, nil
}

// buildIndexes (re)creates the time index and the counts from the links by article.
func buildIndexes(tx *bbolt.Tx) error {
	for _, name := range []string{bucketByTime, bucketCounts} {
		if tx.Bucket([]byte(name)) != nil {
			if err := tx.DeleteBucket([]byte(name)); err != nil {
				return err
			}
		}
		if _, err := tx.CreateBucket([]byte(name)); err != nil {
			return err
		}
	}
	byTime, counts := tx.Bucket([]byte(bucketByTime)), map[string]uint64{}
	err := tx.Bucket([]byte(bucketByArticle)).ForEach(func(k, v []byte) error {
		var l Link
		if err := json.Unmarshal(v, &l); err != nil {
			return fmt.Errorf("%w: decode link %q: %w", ErrCorrupt, k, err)
		}
		counts[l.ArticleID]++
		return byTime.Put(timeKey(l), nil)
	})
	if err != nil {
		return err
	}
	b := tx.Bucket([]byte(bucketCounts))
	for id, n := range counts {
		if err := b.Put([]byte(id), binary.BigEndian.AppendUint64(nil, n)); err != nil {
			return err
		}
	}
	return nil
}

// check reads every bucket, key and value, then runs bbolt's consistency
// check, in a read-only transaction.
//
// bbolt panics on some kinds of damage it meets while reading pages, and
// tx.Check reads them in a goroutine of its own, where a panic cannot be
// recovered and would end kb. So the walk comes first, here, with faults on
// the memory map turned into panics: a damaged page stops it with an error,
// and tx.Check then only meets pages that read cleanly.
func check(db *bbolt.DB) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	return db.View(func(tx *bbolt.Tx) error {
		var sum byte
		if err := tx.ForEach(func(_ []byte, b *bbolt.Bucket) error { return walk(b, &sum, 0) }); err != nil {
			return err
		}
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

// maxBucketDepth bounds the nesting walk follows; kb nests no buckets.
const maxBucketDepth = 8

// walk touches every byte of every key and value below b.
func walk(b *bbolt.Bucket, sum *byte, depth int) error {
	if depth > maxBucketDepth {
		return fmt.Errorf("%w: buckets nested deeper than %d", ErrCorrupt, maxBucketDepth)
	}
	return b.ForEach(func(k, v []byte) error {
		for _, c := range k {
			*sum ^= c
		}
		if v == nil {
			if sub := b.Bucket(k); sub != nil {
				return walk(sub, sum, depth+1)
			}
			return nil
		}
		for _, c := range v {
			*sum ^= c
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

// timeKey orders an article's links newest first: the complement of the
// update time sorts the latest first in bbolt's byte order.
func timeKey(l Link) []byte {
	k := make([]byte, 0, len(l.ArticleID)+10+len(l.Ticket.System)+len(l.Ticket.Key))
	k = append(append(k, l.ArticleID...), 0)
	k = binary.BigEndian.AppendUint64(k, ^uint64(l.UpdatedAt.UnixNano()))
	return append(append(append(k, l.Ticket.System...), 0), l.Ticket.Key...)
}

// fromTimeKey returns the system and key of a time index entry under prefix.
func fromTimeKey(k []byte, prefixLen int) (system, key string, ok bool) {
	if len(k) < prefixLen+8 {
		return "", "", false
	}
	system, key, ok = strings.Cut(string(k[prefixLen+8:]), "\x00")
	return system, key, ok
}

// getLink reads the link stored under a by-ticket key, or nil.
func getLink(tx *bbolt.Tx, tk []byte) (*Link, error) {
	v := tx.Bucket([]byte(bucketByTicket)).Get(tk)
	if v == nil {
		return nil, nil
	}
	var l Link
	if err := json.Unmarshal(v, &l); err != nil {
		return nil, fmt.Errorf("%w: decode link %q: %w", ErrCorrupt, tk, err)
	}
	return &l, nil
}

// putLink writes l and its index entries, replacing prev (the link stored
// under the same key before, or nil).
func putLink(tx *bbolt.Tx, l Link, prev *Link) error {
	val, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("encode link: %w", err)
	}
	t := l.Ticket
	if err := tx.Bucket([]byte(bucketByTicket)).Put(ticketKey(t.System, t.Key, l.ArticleID), val); err != nil {
		return err
	}
	if err := tx.Bucket([]byte(bucketByArticle)).Put(articleKey(l.ArticleID, t.System, t.Key), val); err != nil {
		return err
	}
	byTime := tx.Bucket([]byte(bucketByTime))
	if prev != nil {
		if err := byTime.Delete(timeKey(*prev)); err != nil {
			return err
		}
	} else if err := addCount(tx, l.ArticleID, 1); err != nil {
		return err
	}
	return byTime.Put(timeKey(l), nil)
}

// addCount adds delta to the number of links of article.
func addCount(tx *bbolt.Tx, article string, delta int64) error {
	b := tx.Bucket([]byte(bucketCounts))
	var n uint64
	if v := b.Get([]byte(article)); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	n = uint64(max(int64(n)+delta, 0))
	if n == 0 {
		return b.Delete([]byte(article))
	}
	return b.Put([]byte(article), binary.BigEndian.AppendUint64(nil, n))
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
	// Concurrent writers share one transaction and one fsync; fn may run
	// twice, so it derives everything from the transaction it is given.
	err = s.update(func(tx *bbolt.Tx) error {
		stored, created, err = addLink(tx, l, now)
		return err
	})
	if err != nil {
		return Link{}, false, fmt.Errorf("store link: %w", err)
	}
	return stored, created, nil
}

// addLink stores the normalised l in tx, keeping the first link time of the
// link it updates.
func addLink(tx *bbolt.Tx, l Link, now time.Time) (Link, bool, error) {
	stored := l
	stored.LinkedAt, stored.UpdatedAt = now, now
	prev, err := getLink(tx, ticketKey(l.Ticket.System, l.Ticket.Key, l.ArticleID))
	if err != nil {
		return Link{}, false, err
	}
	if prev != nil {
		stored.LinkedAt = prev.LinkedAt
	}
	return stored, prev == nil, putLink(tx, stored, prev)
}

// Delete removes the link between a ticket and an article.
func (s *Store) Delete(ctx context.Context, system, key, article string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	article = strings.ToLower(article)
	return s.update(func(tx *bbolt.Tx) error {
		tk := ticketKey(system, key, article)
		prev, err := getLink(tx, tk)
		if err != nil {
			return err
		}
		if prev == nil {
			return ErrNotFound
		}
		if err := tx.Bucket([]byte(bucketByTicket)).Delete(tk); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bucketByArticle)).Delete(articleKey(article, system, key)); err != nil {
			return err
		}
		if err := tx.Bucket([]byte(bucketByTime)).Delete(timeKey(*prev)); err != nil {
			return err
		}
		return addCount(tx, article, -1)
	})
}

// scan decodes every link under prefix of bucket.
func scan(tx *bbolt.Tx, bucket string, prefix []byte) ([]Link, error) {
	var out []Link
	c := tx.Bucket([]byte(bucket)).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var l Link
		if err := json.Unmarshal(v, &l); err != nil {
			return nil, fmt.Errorf("%w: decode link %q: %w", ErrCorrupt, k, err)
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
// first, and the article's total number of links. A page costs its offset
// plus its length, whatever the number of links.
func (s *Store) ByArticle(ctx context.Context, article string, offset, limit int) ([]Link, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	article = strings.ToLower(article)
	var out []Link
	total := 0
	err := s.db.View(func(tx *bbolt.Tx) error {
		total = count(tx, article)
		prefix := []byte(article + "\x00")
		c := tx.Bucket([]byte(bucketByTime)).Cursor()
		i := 0
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if i++; i <= offset {
				continue
			}
			if limit > 0 && len(out) == limit {
				break
			}
			system, key, ok := fromTimeKey(k, len(prefix))
			if !ok {
				return fmt.Errorf("%w: bad time index key %q", ErrCorrupt, k)
			}
			l, err := getLink(tx, ticketKey(system, key, article))
			if err != nil {
				return err
			}
			if l == nil {
				return fmt.Errorf("%w: time index names a missing link %q", ErrCorrupt, k)
			}
			out = append(out, *l)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Count returns the number of links of an article.
func (s *Store) Count(ctx context.Context, article string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := s.db.View(func(tx *bbolt.Tx) error {
		n = count(tx, strings.ToLower(article))
		return nil
	})
	return n, err
}

func count(tx *bbolt.Tx, article string) int {
	if v := tx.Bucket([]byte(bucketCounts)).Get([]byte(article)); len(v) == 8 {
		return int(binary.BigEndian.Uint64(v))
	}
	return 0
}

// Counts returns the number of links of every article that has any.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[string]int{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketCounts)).ForEach(func(k, v []byte) error {
			if len(v) == 8 {
				out[string(k)] = int(binary.BigEndian.Uint64(v))
			}
			return nil
		})
	})
	return out, err
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
				return fmt.Errorf("%w: decode link %q: %w", ErrCorrupt, k, err)
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
	return ReadExport(ctx, r, s.now, func(links []Link) error {
		err := s.writeTx(func(tx *bbolt.Tx) error {
			for _, l := range links {
				prev, err := getLink(tx, ticketKey(l.Ticket.System, l.Ticket.Key, l.ArticleID))
				if err != nil {
					return err
				}
				if err := putLink(tx, l, prev); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("import links: %w", err)
		}
		return nil
	})
}

// importBatch is the number of links ReadExport hands over at once: few
// transactions, a bounded memory.
const importBatch = 20000

// ReadExport reads links written by Export, normalised, with defaults for
// missing times from now, and passes them to store in batches, returning how
// many were stored. It stops at the first invalid line, naming it; lines
// before it are stored. Every links store imports through it.
func ReadExport(ctx context.Context, r io.Reader, now func() time.Time, store func([]Link) error) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxImportLine)
	n, line := 0, 0
	var pending []Link
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		err := store(pending)
		if err == nil {
			n += len(pending)
		}
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
			l.LinkedAt = now().UTC()
		}
		if l.UpdatedAt.IsZero() {
			l.UpdatedAt = l.LinkedAt
		}
		pending = append(pending, l)
		if len(pending) == importBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("line %d: %w", line+1, err)
	}
	return n, flush()
}
