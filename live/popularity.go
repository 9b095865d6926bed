package live

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"kb/tickets"
)

// Search gives a small boost to articles that solved tickets recently
// (search ranking rule 14); Popularity keeps those counts, recounted from the
// links store in the background so that no search waits for the store.
const (
	popularityWindow = 90 * 24 * time.Hour
	popularityEvery  = 5 * time.Minute
	// popularityGap is the least time between two recounts asked for by
	// Changed: a burst of link writes costs one recount, not one each.
	popularityGap = 200 * time.Millisecond
)

// Links lists the ticket links popularity is counted from; *tickets.Store
// and *postgres.Links implement it.
type Links interface {
	Each(ctx context.Context, fn func(tickets.Link) error) error
}

// Popularity counts the tickets each article solved recently. Its Of is
// search.Options.Popularity; Content.Run recounts it.
type Popularity struct {
	links   Links
	now     func() time.Time
	log     *slog.Logger
	counts  atomic.Pointer[map[string]int]
	changed chan struct{} // a recount is asked for
}

// NewPopularity returns counts over links (nil: always zero), recounted
// with the clock now; nothing is counted before Run.
func NewPopularity(links Links, now func() time.Time, log *slog.Logger) *Popularity {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Popularity{links: links, now: now, log: log, changed: make(chan struct{}, 1)}
}

// Changed asks for a recount soon: links changed, here or on another
// replica (cmd/kb calls it for the store's change notifications). It never
// blocks; requests made while one is pending are one recount.
func (p *Popularity) Changed() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// Of returns the tickets the article with id solved within the window, as
// last counted.
func (p *Popularity) Of(id string) int {
	if m := p.counts.Load(); m != nil {
		return (*m)[id]
	}
	return 0
}

// count recounts: links that resolved a ticket or worked around it, by the
// ticket's resolution time, else the time the link was written.
func (p *Popularity) count(ctx context.Context, store Links, now time.Time) error {
	counts := map[string]int{}
	err := store.Each(ctx, func(l tickets.Link) error {
		if l.Solves() && l.CountsSince(now.Add(-popularityWindow)) {
			counts[l.ArticleID]++
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.counts.Store(&counts)
	return nil
}

// run recounts at once, then every popularityEvery and after Changed,
// until ctx ends; with no links it returns at once.
func (p *Popularity) run(ctx context.Context) {
	if p.links == nil {
		return
	}
	t := time.NewTicker(popularityEvery)
	defer t.Stop()
	for {
		if err := p.count(ctx, p.links, p.now()); err != nil && ctx.Err() == nil {
			p.log.Warn("cannot count recent ticket links for search ranking", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.changed:
			select { // gather the rest of a burst
			case <-ctx.Done():
				return
			case <-time.After(popularityGap):
			}
		}
	}
}
