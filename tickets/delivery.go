package tickets

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// Resolved is a resolved ticket as a webhook delivered it. A ticket that
// carried no reference to an existing article is a knowledge gap: a problem
// solved without the knowledge base, or with knowledge not written down yet.
type Resolved struct {
	Ticket Ticket `json:"ticket"`
	Source string `json:"source"` // the webhook source that delivered it: jira, zendesk, ...
	// Articles are the ids of the articles the ticket was linked to; empty for a gap.
	Articles []string `json:"articles,omitempty"`
	// Unresolved are references found in the ticket that named no article
	// (a deleted runbook, a typo, an alert without a runbook).
	Unresolved []string  `json:"unresolved,omitempty"`
	SeenAt     time.Time `json:"seen_at"` // when kb last received it resolved
}

// Gap reports whether r is a knowledge gap: resolved without any kb article.
func (r Resolved) Gap() bool { return len(r.Articles) == 0 }

// Delivery is what one webhook delivery records, all in one transaction: the
// links found in it, its resolved tickets, and the references seen on tickets
// not resolved yet. Source and ID identify the delivery, so that a retry
// records nothing twice.
type Delivery struct {
	Source   string
	ID       string
	Links    []Link
	Resolved []Resolved
	Mentions []Mention
}

// Mention is a reference to kb seen on a ticket that is not resolved yet (a
// PagerDuty note naming a runbook arrives before incident.resolved). The
// store keeps it until the ticket is resolved; Mentions returns it then.
type Mention struct {
	Ticket Ticket
	Refs   []string // as found, e.g. "/runbooks/etcd/no-leader#restore-quorum"
}

// Limits on a delivery as stored.
const (
	maxDeliveryID  = 256
	maxUnresolved  = 50   // also the references remembered for one ticket
	maxDeliveryLen = 1000 // links or resolved tickets in one delivery
)

// deliveryKey is source \x00 id in bucketDeliveries.
func deliveryKey(source, id string) []byte { return []byte(source + "\x00" + id) }

func resolvedKey(t Ticket) []byte { return []byte(t.System + "\x00" + t.Key) }

// Normalise checks d and returns a copy ready to store: links normalised as
// Add does (the first invalid one stops it with its *ValidationError),
// tickets trimmed, unresolved references bounded. The caller's slices are
// not modified. Every links store records what Normalise returns.
func (d Delivery) Normalise() (Delivery, error) {
	switch {
	case d.Source == "" || !systemRE.MatchString(d.Source) || len(d.Source) > MaxSystem:
		return Delivery{}, &ValidationError{"source", "a webhook source such as jira"}
	case d.ID == "" || len(d.ID) > maxDeliveryID || !printable(d.ID):
		return Delivery{}, &ValidationError{"delivery id", fmt.Sprintf("1 to %d printable bytes", maxDeliveryID)}
	case len(d.Links) > maxDeliveryLen || len(d.Resolved) > maxDeliveryLen || len(d.Mentions) > maxDeliveryLen:
		return Delivery{}, &ValidationError{"delivery", fmt.Sprintf("at most %d links and %d tickets", maxDeliveryLen, maxDeliveryLen)}
	}
	out := Delivery{Source: d.Source, ID: d.ID, Links: make([]Link, len(d.Links)), Resolved: slices.Clone(d.Resolved), Mentions: make([]Mention, len(d.Mentions))}
	for i, l := range d.Links {
		if err := l.Normalise(); err != nil {
			return Delivery{}, err
		}
		out.Links[i] = l
	}
	for i, m := range d.Mentions {
		if err := (&Link{Ticket: m.Ticket, ArticleID: "-"}).Normalise(); err != nil {
			return Delivery{}, err
		}
		m.Ticket.System, m.Ticket.Key = strings.TrimSpace(m.Ticket.System), strings.TrimSpace(m.Ticket.Key)
		out.Mentions[i] = m
	}
	for i := range out.Resolved {
		r := &out.Resolved[i]
		if err := (&Link{Ticket: r.Ticket, ArticleID: "-"}).Normalise(); err != nil {
			return Delivery{}, err
		}
		r.Ticket.System, r.Ticket.Key = strings.TrimSpace(r.Ticket.System), strings.TrimSpace(r.Ticket.Key)
		if len(r.Unresolved) > maxUnresolved {
			r.Unresolved = r.Unresolved[:maxUnresolved]
		}
	}
	return out, nil
}

// Record stores the links and resolved tickets of d unless a delivery with
// the same source and id was recorded before, in which case it stores nothing
// and reports duplicate. Links are normalised as Add does; the first invalid
// one stops the delivery with its *ValidationError. When Record returns nil
// everything is on disk.
func (s *Store) Record(ctx context.Context, d Delivery) (stored []Link, duplicate bool, err error) {
	d, err = d.Normalise()
	if err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	now := s.now().UTC()
	err = s.update(func(tx *bbolt.Tx) error {
		stored, duplicate = nil, false
		deliveries := tx.Bucket([]byte(bucketDeliveries))
		dk := deliveryKey(d.Source, d.ID)
		if deliveries.Get(dk) != nil {
			duplicate = true
			return nil
		}
		for _, l := range d.Links {
			sl, _, err := addLink(tx, l, now)
			if err != nil {
				return err
			}
			stored = append(stored, sl)
		}
		mentions := tx.Bucket([]byte(bucketMentions))
		for _, m := range d.Mentions {
			if err := addMention(mentions, m); err != nil {
				return err
			}
		}
		for _, r := range d.Resolved {
			if err := putResolved(tx, r, now); err != nil {
				return err
			}
			if err := mentions.Delete(resolvedKey(r.Ticket)); err != nil { // used up by the resolution
				return err
			}
		}
		return deliveries.Put(dk, []byte(now.Format(time.RFC3339Nano)))
	})
	if err != nil {
		return nil, false, fmt.Errorf("record %s delivery: %w", d.Source, err)
	}
	return stored, duplicate, nil
}

// MergeRefs returns refs with the references of add that it lacks appended,
// in order, each once, printable and at most maxUnresolved in all: what a
// store remembers of the references seen on an unresolved ticket.
func MergeRefs(refs, add []string) []string {
	refs = slices.Clone(refs)
	for _, r := range add {
		if len(refs) < maxUnresolved && r != "" && len(r) <= MaxURL && printable(r) && !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	return refs
}

// MergeResolved returns r as a store keeps it, seen at now and merged with
// prev, what an earlier delivery said about the same ticket (nil: none): a
// ticket once linked stays linked.
func MergeResolved(prev *Resolved, r Resolved, now time.Time) Resolved {
	r.Articles = slices.Clone(r.Articles)
	if prev != nil {
		for _, id := range prev.Articles {
			if !slices.Contains(r.Articles, id) {
				r.Articles = append(r.Articles, id)
			}
		}
		r.Unresolved = slices.Clone(r.Unresolved)
		for _, ref := range prev.Unresolved {
			if len(r.Unresolved) < maxUnresolved && !slices.Contains(r.Unresolved, ref) {
				r.Unresolved = append(r.Unresolved, ref)
			}
		}
	}
	r.SeenAt = now
	return r
}

// addMention adds the references of m to those remembered for its ticket.
func addMention(b *bbolt.Bucket, m Mention) error {
	k := resolvedKey(m.Ticket)
	var refs []string
	if old := b.Get(k); old != nil {
		if err := json.Unmarshal(old, &refs); err != nil {
			return fmt.Errorf("%w: decode mentions %q: %w", ErrCorrupt, k, err)
		}
	}
	val, err := json.Marshal(MergeRefs(refs, m.Refs))
	if err != nil {
		return fmt.Errorf("encode mentions: %w", err)
	}
	return b.Put(k, val)
}

// Mentions returns the references remembered for a ticket that webhooks
// delivered unresolved, in the order they came.
func (s *Store) Mentions(ctx context.Context, system, key string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var refs []string
	err := s.db.View(func(tx *bbolt.Tx) error {
		k := resolvedKey(Ticket{System: system, Key: key})
		if v := tx.Bucket([]byte(bucketMentions)).Get(k); v != nil {
			if err := json.Unmarshal(v, &refs); err != nil {
				return fmt.Errorf("%w: decode mentions %q: %w", ErrCorrupt, k, err)
			}
		}
		return nil
	})
	return refs, err
}

// ResolvedTicket returns what webhooks delivered about the ticket when it
// was resolved, and whether it was.
func (s *Store) ResolvedTicket(ctx context.Context, system, key string) (Resolved, bool, error) {
	if err := ctx.Err(); err != nil {
		return Resolved{}, false, err
	}
	var r Resolved
	var found bool
	err := s.db.View(func(tx *bbolt.Tx) error {
		k := resolvedKey(Ticket{System: system, Key: key})
		v := tx.Bucket([]byte(bucketResolved)).Get(k)
		if v == nil {
			return nil
		}
		found = true
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("%w: decode resolved ticket %q: %w", ErrCorrupt, k, err)
		}
		return nil
	})
	return r, found, err
}

// putResolved stores r, merged with what an earlier delivery said about the
// same ticket: a ticket once linked stays linked.
func putResolved(tx *bbolt.Tx, r Resolved, now time.Time) error {
	b := tx.Bucket([]byte(bucketResolved))
	k := resolvedKey(r.Ticket)
	var prev *Resolved
	if old := b.Get(k); old != nil {
		prev = new(Resolved)
		if err := json.Unmarshal(old, prev); err != nil {
			return fmt.Errorf("%w: decode resolved ticket %q: %w", ErrCorrupt, k, err)
		}
	}
	val, err := json.Marshal(MergeResolved(prev, r, now))
	if err != nil {
		return fmt.Errorf("encode resolved ticket: %w", err)
	}
	return b.Put(k, val)
}

// EachResolved calls fn for every resolved ticket webhooks delivered, ordered
// by system and key.
func (s *Store) EachResolved(ctx context.Context, fn func(Resolved) error) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucketResolved)).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			var r Resolved
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("%w: decode resolved ticket %q: %w", ErrCorrupt, k, err)
			}
			return fn(r)
		})
	})
}
