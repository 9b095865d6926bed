package live

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"kb/content"
	"kb/search"
)

// watchDebounce gathers an editor's save or a checkout into one reload.
const watchDebounce = 100 * time.Millisecond

// Deps lists what a Content needs; cmd/kb fills it in.
type Deps struct {
	Library *content.Library
	// Index is brought to every snapshot published; nil when kb serves
	// without a search index.
	Index *search.Index
	// Popularity is recounted while Run runs; nil: no recount.
	Popularity *Popularity
	// Evidence is read before the index is built and kept current while
	// Run runs: the index follows link changes within a second. nil: none.
	Evidence *Evidence
	Logger   *slog.Logger
	// WatchDir, when set, is the content folder whose changes are loaded as
	// they happen (kb serve --watch).
	WatchDir string
	// WatchReady, if set, is called once the folder is watched: a change
	// made after it is seen (tests wait for it).
	WatchReady func()
	// Pull makes Run pull the library's git ref every PullInterval (never
	// when zero) and after each Push.
	Pull         bool
	PullInterval time.Duration
	// Now is the clock of IndexLag; nil means time.Now.
	Now func() time.Time
}

// Content keeps a library, its search index and the popularity counts
// current. Build it with New and start Run once.
type Content struct {
	lib          *content.Library
	idx          *search.Index
	pop          *Popularity
	ev           *Evidence
	log          *slog.Logger
	watchDir     string
	watchReady   func()
	pull         bool
	pullInterval time.Duration
	pushed       chan struct{}
	now          func() time.Time

	mu          sync.Mutex
	indexed     string    // version of the snapshot last indexed
	caughtUp    bool      // the index held the snapshot served when last indexed
	behindSince time.Time // since when the index has been behind the snapshot served
}

// New returns a Content for d; nothing runs before Run.
func New(d Deps) *Content {
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &Content{
		lib: d.Library, idx: d.Index, pop: d.Popularity, ev: d.Evidence, log: log,
		watchDir: d.WatchDir, watchReady: d.WatchReady, pull: d.Pull, pullInterval: d.PullInterval,
		pushed: make(chan struct{}, 1), now: now, behindSince: now(),
	}
}

// IndexLag returns how long the search index has been behind the content
// served: 0 when it holds the snapshot served (or kb runs without one),
// else the time since it fell behind (since New, before the first build).
func (c *Content) IndexLag() time.Duration {
	snap := c.lib.Snapshot()
	if c.idx == nil || snap == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if snap.Version == c.indexed {
		return 0
	}
	c.fellBehind()
	return c.now().Sub(c.behindSince)
}

// fellBehind notes that a snapshot the index does not hold was published;
// c.mu must be held.
func (c *Content) fellBehind() {
	if c.caughtUp {
		c.caughtUp, c.behindSince = false, c.now()
	}
}

// indexedSnapshot records that the index holds snap.
func (c *Content) indexedSnapshot(snap *content.Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.indexed = snap.Version
	c.caughtUp = true
	if cur := c.lib.Snapshot(); cur != nil && cur.Version != snap.Version {
		c.fellBehind() // a newer snapshot came meanwhile; its reindex follows
	}
}

// Run keeps the content current until ctx ends and returns once all its
// work has stopped. In the background, side by side: code blocks are
// highlighted (the first load may have left them plain,
// content.Options.DeferHighlight, so serving begins sooner), and the index
// is built or brought up to date to the snapshot served. The index takes
// text, which highlighting does not change, so it need not wait for it
// (at 10,000 articles that wait was a third of the time to searchable);
// the highlighted snapshot then costs the index a comparison of hashes.
// Meanwhile the folder is watched or the git ref pulled, and each published
// snapshot updates exactly the changed articles in the index.
func (c *Content) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		_, _ = c.lib.Highlight(ctx) // a failure is logged by the library, which keeps serving the plain snapshot
	})
	wg.Go(func() {
		if c.ev != nil {
			if err := c.ev.loadTickets(ctx); err != nil && ctx.Err() == nil {
				c.log.Warn("search indexes no solved tickets until the next link change", "err", err)
			}
		}
		if c.idx != nil {
			c.syncIndex(ctx)
		}
		if c.ev != nil {
			c.followLinks(ctx) // after the first build, which read every article's evidence
		}
	})
	if c.pop != nil {
		wg.Go(func() { c.pop.run(ctx) })
	}
	if c.watchDir != "" {
		wg.Go(func() { c.watch(ctx) })
	}
	if c.pull {
		wg.Go(func() { c.pullLoop(ctx) })
	}
}

// Push asks for a pull of the git ref at once (a verified push webhook). It
// never blocks: a pull already due covers it.
func (c *Content) Push() {
	select {
	case c.pushed <- struct{}{}:
	default: // a pull is already due
	}
}

// watch reloads the files that change in the watched folder until ctx ends.
func (c *Content) watch(ctx context.Context) {
	ready := func() {
		// A file saved after the load read it and before the folder was
		// watched sent no event: look at every file's size and time once.
		if upd, err := c.lib.Apply(ctx, nil); err == nil {
			c.reindex(ctx, upd)
		}
		if c.watchReady != nil {
			c.watchReady()
		}
	}
	err := content.Watch(ctx, c.watchDir, content.WatchOptions{Debounce: watchDebounce, Ready: ready}, func(paths []string) {
		upd, err := c.lib.Apply(ctx, paths)
		if err != nil {
			return // logged by the library, which keeps the last good content
		}
		c.reindex(ctx, upd)
	})
	if err != nil && ctx.Err() == nil {
		c.log.Error("watching the content folder stopped; restart kb to see changes", "err", err)
	}
}

// pullLoop fetches and loads the git ref every interval, and at once after
// a push webhook, until ctx ends.
func (c *Content) pullLoop(ctx context.Context) {
	var tick <-chan time.Time
	if c.pullInterval > 0 {
		t := time.NewTicker(c.pullInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case <-c.pushed:
		}
		upd, err := c.lib.Pull(ctx)
		if err != nil {
			continue // logged by the library; the last good content stays
		}
		c.reindex(ctx, upd)
	}
}

// syncIndex builds the index or brings it up to date with the snapshot
// served, again as long as a newer one was published meanwhile: a live
// reload may have synced a newer snapshot before this sync wrote an older one.
func (c *Content) syncIndex(ctx context.Context) {
	for snap := c.lib.Snapshot(); ; {
		if c.ev != nil {
			c.ev.loadAlerts(snap)
		}
		err := c.idx.Sync(ctx, snap)
		switch {
		case errors.Is(err, search.ErrReadOnly):
			c.log.Warn("search index is read-only (its volume is): search answers from it as it is, without this content's changes")
			return
		case err != nil:
			if ctx.Err() == nil {
				c.log.Error("search index build failed; search falls back to titles", "err", err)
			}
			return
		}
		c.indexedSnapshot(snap)
		next := c.lib.Snapshot()
		if next == snap {
			return
		}
		if next.Version == snap.Version && reflect.DeepEqual(next.Site, snap.Site) {
			// the same files under the same kb.yaml: highlighting
			// published it, and the index holds what it holds. A sync
			// reads every article (a second or more at 10,000, under
			// load) while the edits of the first minutes wait for it.
			c.indexedSnapshot(next)
			return
		}
		snap = next
	}
}

// reindex brings the search index to a newly published snapshot: exactly the
// changed and deleted articles, or a sync while the first build still runs.
func (c *Content) reindex(ctx context.Context, upd content.Update) {
	if c.idx == nil || !upd.Published || c.idx.ReadOnly() {
		return
	}
	c.mu.Lock()
	c.fellBehind()
	c.mu.Unlock()
	var err error
	rulesChanged := c.ev != nil && c.ev.loadAlerts(upd.Snapshot)
	if !c.idx.Ready() || rulesChanged {
		// a changed rule file changes the evidence of the runbooks it
		// names: a sync reindexes exactly those whose indexed form changed
		err = c.idx.Sync(ctx, upd.Snapshot)
	} else {
		if len(upd.Deleted) > 0 {
			err = c.idx.Delete(ctx, upd.Deleted)
		}
		if err == nil && len(upd.Updated) > 0 {
			err = c.idx.Update(ctx, upd.Updated)
		}
	}
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("search index not updated; it catches up at the next change or restart", "err", err)
		}
		return
	}
	c.indexedSnapshot(upd.Snapshot)
}

// followLinks brings the index up to date with each change of ticket
// links that Evidence.LinksChanged reports, until ctx ends: the articles
// whose links changed are indexed again with their solved tickets.
func (c *Content) followLinks(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.ev.changed:
		}
		ids, all := c.ev.take()
		if err := c.refreshTickets(ctx, ids, all); err != nil && ctx.Err() == nil {
			c.log.Warn("search index does not have the latest ticket links; it catches up at the next change", "err", err)
		}
	}
}

// refreshTickets re-reads the tickets of ids (of every article when all)
// and indexes those articles again.
func (c *Content) refreshTickets(ctx context.Context, ids []string, all bool) error {
	if all {
		if err := c.ev.loadTickets(ctx); err != nil {
			return err
		}
	} else if err := c.ev.reloadTickets(ctx, ids); err != nil {
		return err
	}
	if c.idx == nil || c.idx.ReadOnly() || !c.idx.Ready() {
		return nil // the build in progress, or the next one, reads the evidence
	}
	snap := c.lib.Snapshot()
	if snap == nil {
		return nil
	}
	if all {
		return c.idx.Sync(ctx, snap)
	}
	var arts []*content.Article
	for _, id := range ids {
		if a, ok := snap.ByID(id); ok {
			arts = append(arts, a)
		}
	}
	if len(arts) == 0 {
		return nil
	}
	return c.idx.Update(ctx, arts)
}
