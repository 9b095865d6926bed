package search

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/searcher"
)

// Options configures an Index. The zero value gives the defaults.
type Options struct {
	// ReadOnly opens an existing index for searching only (kb search). It
	// shares the folder with other readers; a writer (kb serve) holds it
	// exclusively, and then Open fails with ErrLocked after LockTimeout.
	ReadOnly bool
	// LockTimeout bounds the wait for the index folder's lock (default 2s).
	LockTimeout time.Duration
	// MaxConcurrent bounds the searches running at once (default one per
	// CPU: a search is CPU work from start to end, so more at once only
	// share the same cores, and pages wait behind them).
	MaxConcurrent int
	// MaxQueue bounds the searches waiting for a slot; past it a search
	// gets ErrBusy at once (default 64 per CPU, at least 128: a crowd
	// typing in 64 browsers is queued, not refused).
	MaxQueue int
	// QueueWait is how long a search waits for a free slot before ErrBusy
	// (default 1s).
	QueueWait time.Duration
	// Timeout is the deadline of one search (default 2s).
	Timeout time.Duration
	// SlowQuery is the duration from which a search counts as slow (default 100ms).
	SlowQuery time.Duration
	// Logger receives lifecycle and degradation messages (default: discarded).
	Logger *slog.Logger
	// Popularity returns how many tickets the article with id solved
	// recently; it must be fast (it is called for every candidate hit).
	// Popular articles get a small, capped boost (ranking rule 14). nil: none.
	Popularity func(id string) int
	// Off switches ranking rules off, for the relevance eval only: it
	// measures each rule by the figures without it. Rules that shape the
	// index (learned words, symptom words, synonyms) apply to an index built
	// with the same Off.
	Off []Rule
	// Evidence returns what kb knows about an article from outside its
	// file (the tickets it solved, the alert rules naming it), indexed with
	// it. Call Refresh when it changes for some articles. nil: none.
	Evidence EvidenceFunc
	// Synonyms adds to the operations synonyms kb ships (kb.yaml
	// synonyms:): each word also matches the words listed for it, and each
	// single listed word that word.
	Synonyms map[string][]string
	// Now is the clock recent answers are kept by (default time.Now).
	Now func() time.Time
	// ThreadNice is the nice value (1–19) of the threads searches run on,
	// so that the kernel runs a page request before a search (kb serve:
	// --search-nice, DefaultThreadNice). 0 runs searches on the caller's
	// thread at its priority: a library user, kb search and tests are not
	// made to wait behind every other process of their session.
	ThreadNice int
}

// DefaultThreadNice is kb serve's nice value of search threads (see
// workers.go for why 19).
const DefaultThreadNice = 19

func (o Options) withDefaults() Options {
	o.ThreadNice = min(max(o.ThreadNice, 0), 19)
	if o.LockTimeout <= 0 {
		o.LockTimeout = 2 * time.Second
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = runtime.GOMAXPROCS(0)
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = max(128, 64*runtime.GOMAXPROCS(0))
	}
	if o.QueueWait <= 0 {
		o.QueueWait = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.SlowQuery <= 0 {
		o.SlowQuery = 100 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// maxClauses is bleve's disjunction clause limit as kb sets it. kb's own
// expansions (prefix, fuzzy) stay far below it; it guards against anything
// that would expand without bound.
const maxClauses = 1024

// bleveLimits sets bleve's process-wide clause limit once. bleve offers it
// only as a package variable; this is the one piece of global state kb
// touches, and it is written before any index of this package is used.
var bleveLimits sync.Once

// Index is kb's search index: a bleve index on disk (or in memory), rebuilt
// beside the old one and swapped in atomically when it is missing, corrupt
// or of another mapping version, and otherwise updated article by article.
// It is safe for concurrent use.
type Index struct {
	dir     string // "" for an in-memory index
	opts    Options
	log     *slog.Logger
	mapping *mapping.IndexMappingImpl
	lock    *lockFile

	mu     sync.RWMutex // guards cur and closed; readers of cur hold it shared
	cur    *generation
	closed bool

	writer    chan struct{} // a token: serialises Sync, Update, Delete, Rebuild
	closing   chan struct{} // closed by Close to stop a running build
	closeOnce sync.Once
	building  atomic.Bool
	lastErr   atomic.Pointer[errBox]

	synonyms synonymTable // kb's synonyms and Options.Synonyms

	sem     chan struct{} // bounds concurrent searches
	prio    priority      // foreground requests searches give way to
	workers *workers      // the threads searches run on
	heavy   chan struct{} // bounds concurrent long searches (half the slots)
	waiting atomic.Int64  // searches waiting for a slot (Options.MaxQueue)
	stats   counters
	indexed atomic.Uint64 // documents written since Open, for tests and logs
}

type errBox struct{ err error }

// generation is one built bleve index.
type generation struct {
	name   string // folder below dir; "" in memory
	idx    bleve.Index
	meta   atomic.Pointer[indexMeta]
	broken atomic.Bool // a search failed inside bleve: rebuild at the next Sync

	// learned are the words the collection writes as one (rule 2), found
	// when the generation was built and kept for its updates.
	learned learnedWords

	// manifest describes every indexed article. Writers replace it
	// (copy on write) under the writer token; searches read it for facets.
	manifest atomic.Pointer[manifest]
	// pending holds the manifest entries changed (nil: deleted) since the
	// whole manifest was last stored; only the writer touches it. A
	// single-article update stores these, not every article's entry again.
	pending manifest

	prefixes prefixCache // completions of typed prefixes, per manifest
	results  resultCache // answers of recent searches, per manifest
	facets   facetTables // facet sets of the documents, per snapshot
	looks    lookCache   // what the second look reads of each hit, per snapshot
}

// manifest maps an article id to the fingerprint of its indexed form
// followed by its facet values ("type:runbook", "service:etcd", ...).
type manifest map[string][]string

func (m manifest) fingerprint(id string) string {
	if e := m[id]; len(e) > 0 {
		return e[0]
	}
	return ""
}

func (m manifest) set(d document) {
	m[d.id] = append([]string{d.fingerprint}, d.facets...)
}

// apply takes changed entries in; a nil entry is a deleted article.
func (m manifest) apply(changes manifest) {
	for id, e := range changes {
		if e == nil {
			delete(m, id)
		} else {
			m[id] = e
		}
	}
}

func (g *generation) entries() manifest { return *g.manifest.Load() }

// indexMeta is stored inside the index.
type indexMeta struct {
	Mapping int       `json:"mapping"`
	Content string    `json:"content"` // snapshot version last synced; "" after single updates
	Built   time.Time `json:"built"`
}

// Keys of kb's values stored in the index.
const (
	keyMeta     = "kb.meta"
	keyManifest = "kb.manifest"
	keyPending  = "kb.manifest.pending" // entries changed since kb.manifest was stored
	keyLearned  = "kb.learned"
)

// currentFile names the generation in use; it is replaced atomically.
const currentFile = "CURRENT"

// isGeneration reports whether name is the folder name of a generation.
func isGeneration(name string) bool {
	digits, ok := strings.CutPrefix(name, "gen-")
	return ok && digits != "" && strings.Trim(digits, "0123456789") == ""
}

// Open opens the index kept in folder dir, creating the folder if needed.
// A missing, corrupt or outdated index is not an error: the Index opens not
// ready, and the next Sync builds it. Open fails only when the folder cannot
// be used or another process holds it (ErrLocked), never waiting longer than
// Options.LockTimeout.
func Open(dir string, opts Options) (*Index, error) {
	x, err := newIndex(dir, opts)
	if err != nil {
		return nil, err
	}
	if !x.opts.ReadOnly {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open search index: %w", err)
		}
	}
	lock, err := lockDir(dir, !x.opts.ReadOnly, x.opts.LockTimeout)
	if err != nil {
		if x.opts.ReadOnly && errors.Is(err, fs.ErrNotExist) {
			x.setErr(fmt.Errorf("no search index in %s; run kb index", dir))
			return x, nil
		}
		return nil, err
	}
	x.lock = lock
	g, err := x.openCurrent()
	switch {
	case err != nil:
		x.setErr(err)
		x.log.Warn("search index unusable; it is rebuilt at the next sync", "err", err, "path", dir)
	case g != nil:
		x.cur = g
		x.log.Info("search index opened", "path", filepath.Join(dir, g.name), "version", g.meta.Load().Content)
	}
	if !x.opts.ReadOnly {
		x.removeStale()
	}
	return x, nil
}

// ReadOnly reports whether x was opened for searching only.
func (x *Index) ReadOnly() bool { return x.opts.ReadOnly }

// New returns an empty in-memory index, for tests and for kb search without
// a data folder. Sync fills it.
func New(opts Options) (*Index, error) {
	return newIndex("", opts)
}

func newIndex(dir string, opts Options) (*Index, error) {
	bleveLimits.Do(func() { searcher.DisjunctionMaxClauseCount = maxClauses })
	m, err := newMapping(opts.Off)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	return &Index{
		dir:      dir,
		opts:     opts,
		log:      opts.Logger,
		mapping:  m,
		writer:   make(chan struct{}, 1),
		closing:  make(chan struct{}),
		sem:      make(chan struct{}, opts.MaxConcurrent),
		heavy:    make(chan struct{}, max(1, opts.MaxConcurrent/2)),
		workers:  newWorkers(opts.MaxConcurrent, opts.ThreadNice, opts.Logger),
		synonyms: newSynonymTable(normaliseSynonyms(opts.Synonyms), proseTerms(m.AnalyzerNamed(proseAnalyzer))),
	}, nil
}

// openCurrent opens the generation CURRENT names. It returns nil, nil when
// there is none yet.
func (x *Index) openCurrent() (*generation, error) {
	raw, err := os.ReadFile(filepath.Join(x.dir, currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", currentFile, err)
	}
	name := strings.TrimSpace(string(raw))
	if !isGeneration(name) {
		return nil, fmt.Errorf("%s names %q, not an index generation", currentFile, truncateUTF8(name, 64))
	}
	idx, err := openBleve(filepath.Join(x.dir, name), x.opts.ReadOnly, x.opts.LockTimeout)
	if err != nil {
		return nil, err
	}
	g, err := loadGeneration(name, idx)
	if err != nil {
		return nil, errors.Join(err, closeIndex(idx))
	}
	return g, nil
}

// openBleve opens a bleve index, turning a panic on damaged files into an error.
func openBleve(path string, readOnly bool, lockTimeout time.Duration) (idx bleve.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			idx, err = nil, fmt.Errorf("open index %s: damaged: %v", path, r)
		}
	}()
	cfg := map[string]any{"bolt_timeout": lockTimeout.String()}
	if readOnly {
		cfg["read_only"] = true
	}
	idx, err = bleve.OpenUsing(path, cfg)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", path, err)
	}
	return idx, nil
}

// loadGeneration reads and checks kb's values in an opened index.
func loadGeneration(name string, idx bleve.Index) (g *generation, err error) {
	defer func() {
		if r := recover(); r != nil {
			g, err = nil, fmt.Errorf("read index %s: damaged: %v", name, r)
		}
	}()
	raw, err := idx.GetInternal([]byte(keyMeta))
	if err != nil {
		return nil, fmt.Errorf("read index %s: %w", name, err)
	}
	var meta indexMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, fmt.Errorf("index %s has no valid metadata: %w", name, err)
	}
	if meta.Mapping != MappingVersion {
		return nil, fmt.Errorf("index %s has mapping version %d, kb uses %d", name, meta.Mapping, MappingVersion)
	}
	raw, err = idx.GetInternal([]byte(keyManifest))
	if err != nil {
		return nil, fmt.Errorf("read index %s: %w", name, err)
	}
	man := manifest{}
	if err := json.Unmarshal(raw, &man); err != nil {
		return nil, fmt.Errorf("index %s has no valid manifest: %w", name, err)
	}
	pending := manifest{}
	raw, err = idx.GetInternal([]byte(keyPending))
	if err != nil {
		return nil, fmt.Errorf("read index %s: %w", name, err)
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &pending); err != nil {
			return nil, fmt.Errorf("index %s has no valid manifest changes: %w", name, err)
		}
		man.apply(pending)
	}
	if _, err := idx.DocCount(); err != nil {
		return nil, fmt.Errorf("read index %s: %w", name, err)
	}
	g = &generation{name: name, idx: idx, learned: learnedWords{}, pending: pending}
	if raw, err := idx.GetInternal([]byte(keyLearned)); err == nil && len(raw) > 0 {
		var words []string
		if err := json.Unmarshal(raw, &words); err != nil {
			return nil, fmt.Errorf("index %s has no valid learned words: %w", name, err)
		}
		for _, w := range words {
			g.learned[w] = true
		}
	}
	g.meta.Store(&meta)
	g.manifest.Store(&man)
	return g, nil
}

// removeStale deletes generations other than the current one: the rest of
// a build that was interrupted, or one that failed to open.
func (x *Index) removeStale() {
	entries, err := os.ReadDir(x.dir)
	if err != nil {
		x.log.Warn("cannot list search index folder", "err", err, "path", x.dir)
		return
	}
	keep := ""
	if x.cur != nil {
		keep = x.cur.name
	}
	for _, e := range entries {
		n := e.Name()
		if (isGeneration(n) && n != keep) || n == currentFile+".tmp" {
			if err := os.RemoveAll(filepath.Join(x.dir, n)); err != nil {
				x.log.Warn("cannot remove old search index", "err", err, "path", n)
			}
		}
	}
}

// writeCurrent makes name the current generation on disk, atomically.
func (x *Index) writeCurrent(name string) error {
	tmp := filepath.Join(x.dir, currentFile+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write %s: %w", currentFile, err)
	}
	_, err = f.WriteString(name + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(x.dir, currentFile))
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", currentFile, err)
	}
	if d, err := os.Open(x.dir); err == nil {
		// make the rename durable; not every platform can sync a folder
		if err := errors.Join(d.Sync(), d.Close()); err != nil {
			x.log.Warn("cannot sync search index folder", "err", err)
		}
	}
	return nil
}

// swap makes g the generation searches use and retires the old one once
// no search uses it any more.
func (x *Index) swap(g *generation) error {
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		// complete and named by CURRENT: the next Open uses it
		if err := closeIndex(g.idx); err != nil {
			x.log.Warn("cannot close new search index", "err", err, "path", g.name)
		}
		return ErrClosed
	}
	old := x.cur
	x.cur = g
	x.mu.Unlock()
	x.setErr(nil)
	if old != nil {
		x.retire(old)
	}
	return nil
}

// retire closes g and deletes its files.
func (x *Index) retire(g *generation) {
	if err := closeIndex(g.idx); err != nil {
		x.log.Warn("cannot close old search index", "err", err, "path", g.name)
	}
	if g.name != "" && g.name != x.currentName() {
		if err := os.RemoveAll(filepath.Join(x.dir, g.name)); err != nil {
			x.log.Warn("cannot remove old search index", "err", err, "path", g.name)
		}
	}
}

func (x *Index) currentName() string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.cur == nil {
		return ""
	}
	return x.cur.name
}

// closeIndex closes an index being thrown away; closing a damaged one must
// not take kb down, so a panic becomes an error.
func closeIndex(idx bleve.Index) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("close damaged index: %v", r)
		}
	}()
	return idx.Close()
}

// Close stops a running build, waits for running searches and closes the index.
func (x *Index) Close() error {
	x.closeOnce.Do(func() { close(x.closing) })
	x.writer <- struct{}{} // wait for a running write to stop
	defer func() { <-x.writer }()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	x.workers.stop() // no search runs: they hold mu shared
	var err error
	if x.cur != nil {
		err = x.cur.idx.Close()
		x.cur = nil
	}
	if lerr := x.lock.unlock(); err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("close search index: %w", err)
	}
	return nil
}

// Status describes the index for readiness checks and operators.
type Status struct {
	Ready          bool   // searches are answered
	Building       bool   // a full build is running
	Docs           int    // articles in the index searches use
	ContentVersion string // snapshot version last synced, "" after single updates
	MappingVersion int
	Err            error // why the index is not ready or was rebuilt; nil when healthy
}

// Status returns the current state of the index.
func (x *Index) Status() Status {
	s := Status{Building: x.building.Load(), MappingVersion: MappingVersion}
	if e := x.lastErr.Load(); e != nil {
		s.Err = e.err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		s.Err = ErrClosed
		return s
	}
	if g := x.cur; g != nil {
		s.Ready = true
		s.ContentVersion = g.meta.Load().Content
		if n, err := g.idx.DocCount(); err == nil {
			s.Docs = int(n)
		}
	}
	return s
}

// Ready reports whether searches are answered; false while the first build
// runs (callers answer 503 with Retry-After).
func (x *Index) Ready() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.cur != nil && !x.closed
}

func (x *Index) setErr(err error) {
	if err == nil {
		x.lastErr.Store(nil)
		return
	}
	x.lastErr.Store(&errBox{err})
}
