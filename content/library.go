package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"kb/gitrepo"
)

// Library holds the current Snapshot of the content and replaces it
// atomically when the content changes: readers never see half a load. The
// content is a folder (NewLibrary) or the commits of a git ref
// (NewGitLibrary). When a load fails, the last good snapshot stays published
// and the error is kept (Err, ErrSince) until a load succeeds.
type Library struct {
	from origin   // where the content comes from: the folder or the commits of a ref
	git  *GitRepo // the repository: the source in git mode, history otherwise; may be nil
	opts Options
	log  *slog.Logger

	mu       sync.Mutex // serialises loads
	pullMu   sync.Mutex // serialises fetches, which lock refs in the repository
	current  atomic.Pointer[Snapshot]
	early    atomic.Pointer[Snapshot] // of the first load while it renders; nil otherwise
	lastErr  atomic.Pointer[loadError]
	progress loadProgress // of the full load that runs (Load)
	// fetched is when the last fetch succeeded (git mode), in Unix
	// nanoseconds; at first, when the library was made.
	fetched atomic.Int64
}

// ErrEmpty is the error of a load that finds no article where the last one
// had some: a folder deleted, unmounted or being cloned again. The last
// content stays served; remove the articles one load at a time, or restart,
// to serve an empty knowledge base.
var ErrEmpty = errors.New("the content has no articles any more; serving the last content")

type loadError struct {
	err error
	at  time.Time // when the run of failures began
}

// NewLibrary returns a Library over the folder files; nothing is read until
// Load. With opts.Git, articles get their last commit and History works.
func NewLibrary(files fs.FS, opts Options, log *slog.Logger) *Library {
	return &Library{from: folderOrigin{files: files, git: opts.Git}, git: opts.Git, opts: opts, log: log}
}

// NewGitLibrary returns a Library that reads the content from the commit
// that repo's ref names, never from a working tree: Load reads that commit,
// Sync moves to the commit the ref names now, Pull fetches first. Nothing is
// read until Load.
func NewGitLibrary(repo *GitRepo, opts Options, log *slog.Logger) *Library {
	opts.Git = repo
	l := &Library{from: refOrigin{repo: repo, log: log}, git: repo, opts: opts, log: log}
	l.fetched.Store(opts.now().UnixNano())
	return l
}

// FetchAge returns how long ago the last fetch of the git ref succeeded
// (since the library was made, before the first), and false for a folder,
// which is never fetched.
func (l *Library) FetchAge() (time.Duration, bool) {
	if _, ok := l.from.(refOrigin); !ok {
		return 0, false
	}
	return l.opts.now().Sub(time.Unix(0, l.fetched.Load())), true
}

// Load reads all of the content again and publishes the new snapshot. When
// loading fails, the last good snapshot stays published and the error is
// kept for readiness checks.
func (l *Library) Load(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.progress.running.Store(true)
	defer l.progress.running.Store(false)
	in := buildInput{opts: l.opts, prev: l.current.Load(), full: true, progress: &l.progress}
	if in.prev == nil {
		in.early = l.publishEarly
		defer l.early.Store(nil) // published whole, or failed: nothing is served from it any more
	}
	if _, err := l.from.read(ctx, &in, nil); err != nil {
		return l.failed(err)
	}
	_, err := l.publish(ctx, in)
	return err
}

// publishEarly makes e the early snapshot of the first load.
func (l *Library) publishEarly(e *Snapshot) {
	l.early.Store(e)
	l.log.Info("articles served while the content renders", "count", len(e.Articles))
	if l.opts.Early != nil {
		l.opts.Early(e)
	}
}

// Early returns the early snapshot of the first load while it renders
// (see Snapshot.Partial): every file listed and read, ids and URLs settled,
// articles rendered on request (Snapshot.Rendered). It is nil before the
// files are read and once the first snapshot is published (Snapshot), which
// replaces it.
func (l *Library) Early() *Snapshot {
	if l.current.Load() != nil {
		return nil
	}
	return l.early.Load()
}

// Apply brings the snapshot up to date after files changed in the folder:
// changed lists root-relative paths of files or folders (as Watch reports
// them) that are read again whatever their listing says. Other files are
// read again only when their size or time changed, and articles are rendered
// again only when they or a file they link to changed. In git mode changed is
// ignored and Apply is Sync.
func (l *Library) Apply(ctx context.Context, changed []string) (Update, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.current.Load()
	in := buildInput{opts: l.opts, prev: prev, full: prev == nil, hints: changed}
	same, err := l.from.read(ctx, &in, prev)
	if err != nil {
		return Update{Snapshot: prev}, l.failed(err)
	}
	if same {
		l.lastErr.Store(nil)
		return Update{Snapshot: prev}, nil
	}
	return l.publish(ctx, in)
}

// Sync moves the snapshot to the commit the git ref names now (git mode),
// reading, rendering and listing as updated only the files changed since
// the commit it serves. A ref rewritten by a force-push works too: history
// is read again and files are still compared by content. For a folder, Sync
// is Apply with nothing known to have changed.
func (l *Library) Sync(ctx context.Context) (Update, error) {
	return l.Apply(ctx, nil)
}

// Pull fetches the remote of the git ref and then syncs (git mode); use a
// remote-tracking ref such as origin/main, which a fetch moves. A failed
// fetch still syncs to what the repository has, and is kept as the error
// (Err) until a fetch succeeds. Pulls run one at a time, so a webhook and the
// pull interval may call it together. For a folder, Pull is Sync: kb never
// writes into a working tree.
func (l *Library) Pull(ctx context.Context) (Update, error) {
	l.pullMu.Lock()
	defer l.pullMu.Unlock()
	before := l.lastErr.Load()
	fetchErr := l.from.fetch(ctx)
	if fetchErr == nil {
		l.fetched.Store(l.opts.now().UnixNano())
	}
	upd, err := l.Sync(ctx)
	if err != nil || fetchErr == nil {
		return upd, err
	}
	if l.lastErr.Load() == nil && before != nil {
		l.lastErr.Store(before) // a run of failed fetches keeps its start
	}
	return upd, l.failed(fetchErr)
}

// Highlight renders again, with highlighting, the articles that the first
// load left with plain code blocks (Options.DeferHighlight), and publishes
// them in one new snapshot; readers see either snapshot whole, never a mix.
// Their HTML alone changes, so they are in Update.Restyled, not Updated. Like
// any load it also takes in files changed since, which are in Updated. With
// nothing left to highlight it publishes nothing.
//
// Afterwards the render cache (Options.RenderCache) keeps only the files of
// the snapshot served: older versions of edited files, and the plain renders
// that highlighting replaced, go.
func (l *Library) Highlight(ctx context.Context) (Update, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.pruneCache()
	prev := l.current.Load()
	if prev == nil || !slices.ContainsFunc(prev.Articles, func(a *Article) bool { return a.Doc.Unhighlighted }) {
		return Update{Snapshot: prev}, nil
	}
	in := buildInput{opts: l.opts, prev: prev}
	if err := l.from.reread(ctx, &in, prev); err != nil {
		return Update{Snapshot: prev}, l.failed(err)
	}
	return l.publish(ctx, in)
}

// pruneCache removes the render cache's files that the current snapshot
// does not use. It must be called with l.mu held.
func (l *Library) pruneCache() {
	s := l.current.Load()
	if l.opts.RenderCache == nil || s == nil {
		return
	}
	keep := make(map[string]bool, len(s.entries))
	for _, e := range s.allEntries() {
		if e.out != nil && e.out.stored != nil {
			keep[e.out.stored.file] = true
		}
	}
	l.saveFrontMatter(s)
	if n, err := l.opts.RenderCache.prune(keep); err != nil {
		l.log.Warn("render cache not pruned", "err", err)
	} else if n > 0 {
		l.log.Debug("render cache pruned", "removed", n)
	}
}

// saveFrontMatter writes the front-matter cache with the front matter of s,
// for the next start. It must be called with l.mu held.
func (l *Library) saveFrontMatter(s *Snapshot) {
	fmc := l.opts.RenderCache.frontMatter()
	if fmc == nil || s == nil {
		return
	}
	use := make(map[[32]byte]bool, len(s.entries))
	for _, e := range s.allEntries() {
		if e.src.fmKey != ([32]byte{}) {
			use[e.src.fmKey] = true
		}
	}
	if err := fmc.save(use); err != nil {
		l.log.Warn("front-matter cache not stored", "err", err)
	}
}

// publish builds a snapshot from in and publishes it when it differs from the
// current one. It must be called with l.mu held.
func (l *Library) publish(ctx context.Context, in buildInput) (Update, error) {
	s, upd, err := build(ctx, in)
	var changed changedError
	for try := 0; try < maxBuildTries && errors.As(err, &changed); try++ {
		in.hints = append(in.hints, changed...) // read them again
		s, upd, err = build(ctx, in)
	}
	if err == nil && len(s.Articles) == 0 && in.prev != nil && len(in.prev.Articles) > 0 {
		err = ErrEmpty
	}
	if err != nil {
		return Update{Snapshot: in.prev}, l.failed(err)
	}
	l.lastErr.Store(nil)
	if !upd.Published {
		upd.Snapshot = in.prev
		return upd, nil
	}
	l.current.Store(s)
	l.early.Store(nil)
	if in.prev == nil || in.full {
		l.saveFrontMatter(s)
		l.logWarnings(s)
		l.log.Info("content loaded", "count", len(s.Articles), "warnings", s.WarningCount(), "dur", s.LoadTime.Round(time.Millisecond), "version", s.Version, "commit", gitrepo.Short(s.Commit))
	} else if len(upd.Restyled) > 0 && len(upd.Updated)+len(upd.Deleted)+len(upd.Renamed) == 0 {
		l.log.Info("code highlighted", "count", len(upd.Restyled), "dur", s.LoadTime.Round(time.Millisecond), "version", s.Version, "commit", gitrepo.Short(s.Commit))
	} else {
		for _, a := range upd.Updated {
			for _, w := range a.Warnings {
				l.log.Warn(w.Message, "path", w.Path, "line", w.Line)
			}
		}
		l.log.Info("content updated", "count", len(upd.Updated), "deleted", len(upd.Deleted), "renamed", len(upd.Renamed), "dur", s.LoadTime.Round(time.Millisecond), "version", s.Version, "commit", gitrepo.Short(s.Commit))
	}
	return upd, nil
}

// failed records err, keeping the time the run of failures began, and
// returns it wrapped.
func (l *Library) failed(err error) error {
	at := time.Now()
	if prev := l.lastErr.Load(); prev != nil {
		at = prev.at
	}
	l.lastErr.Store(&loadError{err: err, at: at})
	if errors.Is(err, context.Canceled) {
		l.log.Debug("content load stopped: kb is shutting down", "err", err) // not a failure of the content
		return fmt.Errorf("load content: %w", err)
	}
	l.log.Error("content load failed; serving the last good content", "err", err)
	return fmt.Errorf("load content: %w", err)
}

// maxLoggedWarnings keeps a large, messy folder from flooding the log.
const maxLoggedWarnings = 50

func (l *Library) logWarnings(s *Snapshot) {
	n := 0
	for w := range s.AllWarnings() {
		if n++; n <= maxLoggedWarnings {
			l.log.Warn(w.Message, "path", w.Path, "line", w.Line)
		}
	}
	if n > maxLoggedWarnings {
		l.log.Warn("more content warnings not logged; run kb check for all of them", "count", n-maxLoggedWarnings)
	}
}

// Snapshot returns the current snapshot, or nil before the first good load.
func (l *Library) Snapshot() *Snapshot {
	return l.current.Load()
}

// Err returns the error of the last load, sync or fetch, nil when it succeeded.
func (l *Library) Err() error {
	if e := l.lastErr.Load(); e != nil {
		return e.err
	}
	return nil
}

// ErrSince returns when the failures that Err reports began; zero when Err is nil.
func (l *Library) ErrSince() time.Time {
	if e := l.lastErr.Load(); e != nil {
		return e.at
	}
	return time.Time{}
}

// Git returns the repository of the content, nil when there is none. Its
// History, FileAt and Diff serve the history pages; on nil they return
// ErrNoHistory.
func (l *Library) Git() *GitRepo {
	return l.git
}

// History lists the commits that changed the article file at root-relative
// path p, newest first and following renames, as of the commit the current
// snapshot shows (git mode) or the HEAD it was loaded with. It returns
// ErrNoHistory without git.
func (l *Library) History(ctx context.Context, p string, limit int) ([]Commit, error) {
	if l.git == nil {
		return nil, ErrNoHistory
	}
	rev := ""
	if s := l.current.Load(); s != nil && s.hist != nil {
		rev = s.hist.head
	}
	return l.git.History(ctx, rev, p, limit)
}

// ArticleAt returns the article file at root-relative path p as it was in
// commit (p is its path then, as History gives it), parsed and rendered
// with its links resolved against the current snapshot. It is not part of
// any snapshot. It returns ErrNoHistory without git and ErrNotFound for a
// file the commit does not have.
func (l *Library) ArticleAt(ctx context.Context, commit, p string) (*Article, error) {
	s := l.current.Load()
	if s == nil {
		return nil, errors.New("content is not loaded yet")
	}
	maxSize := int64(s.Site.MaxSize)
	data, err := l.git.FileAt(ctx, commit, p)
	var tl *gitrepo.TooLargeError
	if errors.As(err, &tl) {
		return &Article{
			Path: p, URL: URLFor(p), ID: DeriveID(p), Title: titleFromPath(p), Size: tl.Size,
			Unrendered: fmt.Sprintf("This file is %s, over the %s limit, so it is not rendered.", humanBytes(tl.Size), humanBytes(maxSize)),
		}, nil
	}
	if err != nil {
		return nil, err
	}
	src := parseArticle(file{path: p, size: int64(len(data))}, data[:min(int64(len(data)), maxSize+1)], nil, maxSize, nil)
	a := src.instance(s.Site, "")
	finish(a, renderSource(s.renderer, s, src, src.body, l.opts.NoHighlight))
	return a, nil
}
