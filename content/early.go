package content

import (
	"context"
	"runtime"
	"slices"
	"sync"

	"kb/render"
)

// An early snapshot is what the first load of a Library publishes once
// every file is listed and read and every id, URL and alias is settled, but
// before any article is rendered (Library.Early): rendering everything is
// most of a cold start (1.9–2.7 s of the PowerShell docs' 3,091 files on
// two busy cores), and one page needs one render. Its articles carry their
// front matter, ids, URLs, warnings of the load and a title (the file
// name's when the front matter has none); Rendered renders one on request,
// resolving its links against the whole listing exactly as the full load
// does, so its page is the same. What needs every article rendered (links
// between articles, titles taken from a first heading, the search index)
// waits for the complete snapshot, which replaces the early one.

// lazyRenders renders the articles of an early snapshot on request: once
// per article however many requests ask at the same time, at most
// GOMAXPROCS at a time, and keeps each outcome for the load to reuse.
type lazyRenders struct {
	snap     *Snapshot           // the early snapshot: its links resolve as the load's snapshot's do
	base     map[string]*Article // articles as assign settled them, before any render
	srcs     map[string]*source
	bodies   map[string][]byte // Markdown of each source, taken before the load may drop it
	renderer *render.Renderer  // the load's: its verdicts on slow files are shared
	rkey     render.Options
	plain    bool
	cache    *RenderCache
	slots    chan struct{}

	mu      sync.Mutex
	flights map[string]*renderFlight // article path → its render, running or done
}

// renderFlight is one article's render that concurrent requests wait for.
type renderFlight struct {
	done chan struct{}
	out  *rendered // set before done closes; nil when the leader gave up
	art  *Article  // the finished article
}

// earlySnapshot returns the early snapshot of a first load: s as assign
// left it (ids, URLs, aliases, moves settled; nothing rendered), with copies
// of the articles that the load's rendering does not touch, indexed for
// lookups and listings. warns are the load's warnings so far.
func (s *Snapshot) earlySnapshot(articles []*Article, srcs map[string]*source, warns []Warning, plain bool, cache *RenderCache) *Snapshot {
	e := newSnapshot(s.Site, s.files, s.attached)
	e.Commit, e.hist, e.rkey, e.renderer = s.Commit, s.hist, s.rkey, s.renderer
	e.siteKey, e.Access, e.moves = s.siteKey, s.Access, s.moves
	e.Warnings = slices.Clone(warns)
	lz := &lazyRenders{
		snap: e, base: make(map[string]*Article, len(articles)), srcs: srcs, bodies: make(map[string][]byte, len(articles)),
		renderer: s.renderer, rkey: s.rkey, plain: plain, cache: cache,
		slots: make(chan struct{}, runtime.GOMAXPROCS(0)), flights: map[string]*renderFlight{},
	}
	copies := make([]*Article, len(articles))
	for i, a := range articles {
		b := *a
		b.Warnings, b.Aliases = slices.Clip(slices.Clone(a.Warnings)), slices.Clone(a.Aliases)
		lz.base[a.Path] = &b
		lz.bodies[a.Path] = srcs[a.Path].body
		c := b
		c.Warnings = slices.Clip(c.Warnings)
		if c.Unrendered == "" && c.Title == "" {
			c.Title = titleFromPath(c.Path) // a first heading is known once rendered
		}
		c.Class = e.Access.Class(c.Path, c.Access)
		e.applyHistory(&c)
		copies[i] = &c
	}
	e.indexAlerts(copies)
	e.mapArticles(copies)
	e.index(copies)
	e.classes = e.readClasses()
	e.lazy = lz
	return e
}

// Partial reports whether s is an early snapshot (Library.Early): its
// articles are not rendered yet; Rendered renders one.
func (s *Snapshot) Partial() bool {
	return s.lazy != nil
}

// Rendered returns article a of s rendered. For a complete snapshot that is
// a itself. For an early one (Partial) it renders a now, or waits for the
// render another request started, and returns the article as the complete
// snapshot will hold it, except for what needs every article rendered:
// Backlinks, and titles of other articles taken from their first heading.
// It fails only when ctx ends first.
func (s *Snapshot) Rendered(ctx context.Context, a *Article) (*Article, error) {
	if s.lazy == nil {
		return a, nil
	}
	return s.lazy.article(ctx, s, a)
}

func (l *lazyRenders) article(ctx context.Context, s *Snapshot, a *Article) (*Article, error) {
	base, ok := l.base[a.Path]
	if !ok {
		return a, nil // not an article of this load
	}
	if err := ctx.Err(); err != nil {
		return nil, err // the request is gone: render nothing for it
	}
	for {
		l.mu.Lock()
		f, running := l.flights[a.Path]
		if !running {
			f = &renderFlight{done: make(chan struct{})}
			l.flights[a.Path] = f
		}
		l.mu.Unlock()
		if !running {
			return l.lead(ctx, f, base, a)
		}
		select {
		case <-f.done:
			if f.art != nil {
				return f.art, nil
			}
			// the request that began it went away before it could render: begin again
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// lead renders the article of flight f under one of the render slots.
func (l *lazyRenders) lead(ctx context.Context, f *renderFlight, base, early *Article) (*Article, error) {
	defer close(f.done)
	select {
	case l.slots <- struct{}{}:
		defer func() { <-l.slots }()
	case <-ctx.Done():
		l.mu.Lock()
		delete(l.flights, base.Path)
		l.mu.Unlock()
		return nil, ctx.Err()
	}
	src := l.srcs[base.Path]
	out := l.cache.get(l.rkey, src, l.snap)
	if out == nil {
		out = l.cache.render(l.renderer, l.rkey, l.snap, src, l.bodies[base.Path], l.plain)
	}
	f.out, f.art = out, l.finish(base, early, out)
	return f.art, nil
}

// finish makes the article the load will publish from base and its render
// outcome, as build does; early is base's copy in the early snapshot, which
// holds the warnings about alerts claimed twice.
func (l *lazyRenders) finish(base, early *Article, out *rendered) *Article {
	s := l.snap
	a := *base
	a.Warnings = slices.Clip(a.Warnings)
	finish(&a, out)
	a.Class = early.Class
	a.Warnings = append(a.Warnings, s.movedLinkWarnings(&a)...)
	s.applyHistory(&a)
	a.Warnings = append(a.Warnings, early.Warnings[len(base.Warnings):]...)
	return &a
}

// finished returns the outcome of the render of the article at p done on
// request, nil when there is none (yet): the load takes it instead of
// rendering the article again.
func (l *lazyRenders) finished(p string) *rendered {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	f, ok := l.flights[p]
	l.mu.Unlock()
	if !ok {
		return nil
	}
	select {
	case <-f.done:
		return f.out
	default:
		return nil
	}
}
