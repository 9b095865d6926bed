package search

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Searches give way to pages. A search is CPU work from start to end; on a
// machine of two cores one long search holds a core, and the collector it
// keeps busy takes part of the other, so a page request arriving meanwhile
// waits behind it (page p99 rose 20× under a flood of the worst allowed
// queries). Requests that are not searches mark themselves as foreground
// work with Index.Foreground; a running search pauses at its yield points
// (every query word, every few hits, before its snippets) while any is in
// flight, for at most maxPause at a time, so that pages are never slowed by
// search and a steady stream of pages cannot stop searches either.

// maxPause bounds one pause of a search for foreground work.
const maxPause = 20 * time.Millisecond

// priority counts the foreground requests in flight.
type priority struct {
	n    atomic.Int64 // read without the lock on every yield point
	mu   sync.Mutex   // guards idle and the transitions of n to and from 0
	idle chan struct{}
}

// enter marks one foreground request in flight; leave ends it, once.
func (p *priority) enter() (leave func()) {
	p.mu.Lock()
	if p.n.Add(1) == 1 {
		p.idle = make(chan struct{})
	}
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			if p.n.Add(-1) == 0 {
				close(p.idle)
			}
			p.mu.Unlock()
		})
	}
}

// yield lets foreground work go first: it returns when none is in flight,
// after maxPause, or when ctx ends (the search then stops on its own).
func (p *priority) yield(ctx context.Context) {
	if p.n.Load() == 0 {
		return
	}
	p.mu.Lock()
	idle := p.idle
	p.mu.Unlock()
	if idle == nil {
		return
	}
	t := time.NewTimer(maxPause)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	case <-ctx.Done():
	}
	runtime.Gosched()
}

// Foreground marks a request that must not wait behind searches (a page,
// an asset, a link write) as in flight until leave is called; leave may be
// called more than once. Searches started by such a request must call
// leave first, or they pause for it.
func (x *Index) Foreground() (leave func()) { return x.prio.enter() }

// yield is a yield point of the planner: pages in flight go first.
func (pl *planner) yield() {
	if pl.prio != nil {
		pl.prio.yield(pl.ctx)
	}
}
