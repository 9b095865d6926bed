package searchlog

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"go.etcd.io/bbolt"
)

// Store records searches and opened results and reports them.
type Store interface {
	// Record counts one search for query that found results results.
	Record(ctx context.Context, query string, results int, at time.Time) error
	// Opened counts one opening of the result at url (a path on the site)
	// found by query.
	Opened(ctx context.Context, query, url string, at time.Time) error
	// Stats returns every query kept, most searched first.
	Stats(ctx context.Context) ([]Stat, error)
}

// Stat is what is kept of one query.
type Stat struct {
	Query       string         `json:"query"`
	Searches    int            `json:"searches"`
	Zero        int            `json:"zero_results"` // searches that found nothing
	LastResults int            `json:"last_results"` // results of the latest search
	Opened      int            `json:"opened"`       // results opened
	Opens       map[string]int `json:"opens,omitempty"`
	Last        time.Time      `json:"last"`
}

// Limits bound a store.
type Limits struct {
	MaxQueries int           // distinct queries kept; the least recent go first
	MaxAge     time.Duration // a query not searched for this long is dropped
}

// DefaultLimits keep a quarter of a year of a busy site's distinct queries.
var DefaultLimits = Limits{MaxQueries: 10000, MaxAge: 90 * 24 * time.Hour}

const (
	maxQuery = 200 // bytes of a normalised query
	maxURL   = 512
	maxOpens = 10 // result URLs kept a query
)

// ErrBadQuery and ErrBadURL are returned for input no store accepts.
var (
	ErrBadQuery = errors.New("query must hold a word")
	ErrBadURL   = errors.New("url must be a path on this site (starting with /), at most 512 bytes")
)

// Normalize returns the form a query is counted under: lower case, spaces
// collapsed, at most 200 bytes (cut at a character boundary), invalid UTF-8
// dropped. "" means nothing to count.
func Normalize(q string) string {
	q = strings.ToValidUTF8(q, "")
	q = strings.Join(strings.Fields(strings.ToLower(q)), " ")
	if len(q) > maxQuery {
		cut := maxQuery
		for cut > 0 && !utf8.RuneStart(q[cut]) {
			cut--
		}
		q = strings.TrimSpace(q[:cut])
	}
	return q
}

// CheckURL returns url without its query and fragment, or ErrBadURL.
func CheckURL(url string) (string, error) {
	if i := strings.IndexAny(url, "?#"); i >= 0 {
		url = url[:i]
	}
	if !strings.HasPrefix(url, "/") || strings.HasPrefix(url, "//") || len(url) > maxURL || !utf8.ValidString(url) {
		return "", ErrBadURL
	}
	return url, nil
}

// Sort orders stats most searched first, then most recent, then by query.
func Sort(stats []Stat) {
	sort.Slice(stats, func(i, j int) bool {
		a, b := stats[i], stats[j]
		if a.Searches != b.Searches {
			return a.Searches > b.Searches
		}
		if !a.Last.Equal(b.Last) {
			return a.Last.After(b.Last)
		}
		return a.Query < b.Query
	})
}

// AddOpen counts url in opens unless opens is full with other URLs.
func AddOpen(opens map[string]int, url string) map[string]int {
	if opens == nil {
		opens = map[string]int{}
	}
	if _, ok := opens[url]; ok || len(opens) < maxOpens {
		opens[url]++
	}
	return opens
}

var (
	bucket = []byte("search_stats")
	// meta holds "n", the number of queries in bucket (big-endian uint64):
	// bbolt's bucket statistics miss the keys of the open transaction.
	meta = []byte("search_stats_meta")
)

// Bolt keeps search statistics in a bbolt bucket, one JSON record a query.
type Bolt struct {
	db        *bbolt.DB
	limits    Limits
	lastPrune time.Time // written inside bbolt's write transactions, which run one at a time
}

// OpenBolt creates the store's bucket in db if needed. The caller owns db.
func OpenBolt(db *bbolt.DB, limits Limits) (*Bolt, error) {
	if err := db.Update(func(tx *bbolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucket); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(meta)
		return err
	}); err != nil {
		return nil, fmt.Errorf("open search statistics: %w", err)
	}
	return &Bolt{db: db, limits: limits}, nil
}

// Record implements Store.
func (s *Bolt) Record(ctx context.Context, query string, results int, at time.Time) error {
	q := Normalize(query)
	if q == "" {
		return ErrBadQuery
	}
	return s.update(ctx, q, at, func(st *Stat) {
		st.Searches++
		st.LastResults = max(results, 0)
		if results <= 0 {
			st.Zero++
		}
		st.Last = at
	})
}

// Opened implements Store. An opening of a query not recorded counts as one
// search of it too.
func (s *Bolt) Opened(ctx context.Context, query, url string, at time.Time) error {
	q := Normalize(query)
	if q == "" {
		return ErrBadQuery
	}
	u, err := CheckURL(url)
	if err != nil {
		return err
	}
	return s.update(ctx, q, at, func(st *Stat) {
		if st.Searches == 0 {
			st.Searches, st.LastResults, st.Last = 1, 1, at
		}
		st.Opened++
		st.Opens = AddOpen(st.Opens, u)
	})
}

func (s *Bolt) update(ctx context.Context, q string, at time.Time, change func(*Stat)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		st := Stat{Query: q}
		n := count(tx)
		if v := b.Get([]byte(q)); v != nil {
			_ = json.Unmarshal(v, &st) // a damaged record starts again
			st.Query = q
		} else {
			n++
		}
		change(&st)
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(q), v); err != nil {
			return err
		}
		return s.prune(tx, n, at)
	})
	if err != nil {
		return fmt.Errorf("record search %q: %w", q, err)
	}
	return nil
}

// prune drops the queries past MaxAge and, over MaxQueries, the least
// recent. It reads every record, so it runs only when the bucket is over
// its cap or an hour after it last ran.
func (s *Bolt) prune(tx *bbolt.Tx, n int, now time.Time) error {
	b := tx.Bucket(bucket)
	if n <= s.limits.MaxQueries && now.Sub(s.lastPrune) < time.Hour && !now.Before(s.lastPrune) {
		return setCount(tx, n)
	}
	s.lastPrune = now
	type entry struct {
		key  string
		last time.Time
	}
	var all []entry
	cutoff := now.Add(-s.limits.MaxAge)
	if err := b.ForEach(func(k, v []byte) error {
		var st Stat
		_ = json.Unmarshal(v, &st)
		all = append(all, entry{string(k), st.Last})
		return nil
	}); err != nil {
		return err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].last.After(all[j].last) })
	kept := 0
	for i, e := range all {
		if i >= s.limits.MaxQueries || (s.limits.MaxAge > 0 && e.last.Before(cutoff)) {
			if err := b.Delete([]byte(e.key)); err != nil {
				return err
			}
			continue
		}
		kept++
	}
	return setCount(tx, kept)
}

func count(tx *bbolt.Tx) int {
	if v := tx.Bucket(meta).Get([]byte("n")); len(v) == 8 {
		return int(binary.BigEndian.Uint64(v))
	}
	return tx.Bucket(bucket).Stats().KeyN // before the first count
}

func setCount(tx *bbolt.Tx, n int) error {
	return tx.Bucket(meta).Put([]byte("n"), binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// Stats implements Store.
func (s *Bolt) Stats(ctx context.Context) ([]Stat, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Stat
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var st Stat
			if json.Unmarshal(v, &st) == nil {
				st.Query = string(k)
				out = append(out, st)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read search statistics: %w", err)
	}
	Sort(out)
	return out, nil
}
