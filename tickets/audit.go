package tickets

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.etcd.io/bbolt"
)

// The audited acts: what an Event records.
const (
	ActLinkWrite       = "link.write"
	ActLinkDelete      = "link.delete"
	ActTokenCreate     = "token.create"
	ActTokenFirstUse   = "token.first_use"
	ActTokenRevoke     = "token.revoke"
	ActWebhookBadSig   = "webhook.bad_signature"
	ActSignIn          = "signin"
	ActSignOut         = "signout"
	ActAccessDenied    = "access.denied"
	anonymous          = "anonymous"
	maxAuditFieldBytes = 512
)

// Event is one entry of the audit trail: who did what to which path or key,
// when and from where.
type Event struct {
	Time   time.Time `json:"time"`
	Who    string    `json:"who"`    // user or token name; "anonymous" when nobody is known
	Action string    `json:"action"` // one of the Act* constants
	Target string    `json:"target"` // the path, ticket key or token name acted on
	From   string    `json:"from"`   // client address
	Detail string    `json:"detail,omitempty"`
}

// Normalise fills in "anonymous" for an unknown actor and cuts every field
// to a bounded size of valid UTF-8: the values come from requests (proxy
// headers, paths), and recording them must never fail.
func (e Event) Normalise() Event {
	e.Who = clip(e.Who)
	if e.Who == "" {
		e.Who = anonymous
	}
	e.Action, e.Target, e.From, e.Detail = clip(e.Action), clip(e.Target), clip(e.From), clip(e.Detail)
	return e
}

func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxAuditFieldBytes {
		return s
	}
	s = s[:maxAuditFieldBytes]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// AuditQuery selects entries of the trail, newest first.
type AuditQuery struct {
	Since  time.Time // zero: from the oldest kept
	Who    string    // "": anyone; else only this actor's entries
	Action string    // "": every action; else only this one
	Offset int
	Limit  int // <= 0: DefaultAuditLimit
}

// DefaultAuditLimit is the number of entries a List returns when asked for none.
const DefaultAuditLimit = 100

// AuditLimits bound the trail; zero values take the defaults.
type AuditLimits struct {
	MaxAge     time.Duration // 90 days
	MaxEntries int           // 100,000
}

// Defaults of AuditLimits, and how many entries one append prunes at most:
// pruning walks the oldest end only, so an append costs the same however
// long the trail is.
const (
	DefaultAuditMaxAge     = 90 * 24 * time.Hour
	DefaultAuditMaxEntries = 100_000
	AuditPruneBatch        = 1000
)

// WithDefaults returns l with zero values replaced by the defaults.
func (l AuditLimits) WithDefaults() AuditLimits {
	if l.MaxAge <= 0 {
		l.MaxAge = DefaultAuditMaxAge
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultAuditMaxEntries
	}
	return l
}

// Audit is the append-only audit trail; *Store and postgres.Links implement it.
type Audit interface {
	// Append records e, stamping its time from the store's clock when it
	// has none, and prunes entries past the limits.
	Append(ctx context.Context, e Event) error
	// List returns entries newest first.
	List(ctx context.Context, q AuditQuery) ([]Event, error)
}

// SetAuditLimits bounds the audit trail; call it before the store is used.
func (s *Store) SetAuditLimits(l AuditLimits) { s.audit = l.WithDefaults() }

func (s *Store) auditLimits() AuditLimits { return s.audit.WithDefaults() }

// Append records e in the audit bucket, keyed by a sequence number, so that
// the oldest entries are first and pruning is a walk from the start. Calls
// from concurrent requests share a transaction (bbolt's Batch), so that
// auditing does not add an fsync to every write.
func (s *Store) Append(ctx context.Context, e Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e = e.Normalise()
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	e.Time = e.Time.UTC()
	val, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode audit event: %w", err)
	}
	if s.db.IsReadOnly() {
		return fmt.Errorf("audit: %w", ErrReadOnly)
	}
	lim := s.auditLimits()
	cutoff := s.now().Add(-lim.MaxAge)
	err = s.db.Batch(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(bucketAudit))
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), val); err != nil {
			return err
		}
		return pruneAudit(b, seq, lim.MaxEntries, cutoff)
	})
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	return nil
}

// pruneAudit deletes, from the oldest end, entries older than cutoff and
// entries more than max behind the newest sequence last, at most
// AuditPruneBatch of them.
func pruneAudit(b *bbolt.Bucket, last uint64, max int, cutoff time.Time) error {
	c := b.Cursor()
	for n, k, v := 0, []byte(nil), []byte(nil); n < AuditPruneBatch; n++ {
		k, v = c.First()
		if k == nil || len(k) != 8 {
			return nil
		}
		seq := binary.BigEndian.Uint64(k)
		if last-seq < uint64(max) {
			var e Event
			if err := json.Unmarshal(v, &e); err == nil && !e.Time.Before(cutoff) {
				return nil
			}
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// List returns audit entries newest first.
func (s *Store) List(ctx context.Context, q AuditQuery) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.Limit <= 0 {
		q.Limit = DefaultAuditLimit
	}
	var out []Event
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(bucketAudit))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		skipped := 0
		for k, v := c.Last(); k != nil && len(out) < q.Limit; k, v = c.Prev() {
			var e Event
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("%w: decode audit event %x: %w", ErrCorrupt, k, err)
			}
			if !q.Since.IsZero() && e.Time.Before(q.Since) {
				return nil
			}
			if q.Who != "" && e.Who != q.Who || q.Action != "" && e.Action != q.Action {
				continue
			}
			if skipped < q.Offset {
				skipped++
				continue
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	return out, nil
}
