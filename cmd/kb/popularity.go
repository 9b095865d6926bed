package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"kb/tickets"
)

// Search gives a small boost to articles that solved tickets recently
// (search ranking rule 14); popularity keeps those counts, recounted from the
// links store in the background so that no search waits for the store.
const (
	popularityWindow = 90 * 24 * time.Hour
	popularityEvery  = 5 * time.Minute
)

type popularity struct {
	counts atomic.Pointer[map[string]int]
}

// of returns the tickets the article with id solved within the window.
func (p *popularity) of(id string) int {
	if m := p.counts.Load(); m != nil {
		return (*m)[id]
	}
	return 0
}

// count recounts: links that resolved a ticket or worked around it, by the
// ticket's resolution time, else the time the link was written.
func (p *popularity) count(ctx context.Context, store *tickets.Store, now time.Time) error {
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

// run recounts at once and then every popularityEvery until ctx ends.
func (p *popularity) run(ctx context.Context, store *tickets.Store, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(popularityEvery)
	defer t.Stop()
	for {
		if err := p.count(ctx, store, now()); err != nil && ctx.Err() == nil {
			log.Warn("cannot count recent ticket links for search ranking", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
