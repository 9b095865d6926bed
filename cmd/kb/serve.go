package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/bbolt"

	"kb/content"
	"kb/example"
	"kb/feedback"
	"kb/live"
	"kb/postgres"
	"kb/search"
	"kb/searchlog"
	"kb/server"
	"kb/signin"
	"kb/themes"
	"kb/tickets"
)

// HTTP server limits: slow or huge requests cannot tie up the server.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 10 * time.Second
)

// serve runs the HTTP server until ctx ends, then shuts it down gracefully.
func serve(ctx context.Context, cfg config, now func() time.Time, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	switch {
	case cfg.MemoryLimit > 0:
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(cfg.MemoryLimit))
	case cfg.MemoryLimit == autoMemoryLimit:
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1)) // whatever memoryGuard set goes
		guardCtx, stopGuard := context.WithCancel(ctx)
		guardDone := make(chan struct{})
		go func() { defer close(guardDone); memoryGuard(guardCtx, memoryGuardEvery, log) }()
		defer func() { stopGuard(); <-guardDone }()
	}
	var (
		links    server.LinkStore     // a nil *tickets.Store must stay a nil interface
		fbStore  server.FeedbackStore // likewise
		searches searchlog.Store      // likewise
		db       *bbolt.DB
		store    *tickets.Store
		linksErr error
		pg       *postgres.DB
		hooks    fleetHooks // what a change on another replica updates here; filled in below, before pg.Run starts
	)
	if cfg.Store != "" {
		// A fleet's shared database. Unreachable is not fatal (pages and
		// search are served, kb connects when it answers); a schema newer
		// than this kb's, a bad URL or a refused login are.
		var err error
		pg, err = postgres.Open(ctx, cfg.Store, postgres.Options{Logger: log.With("component", "links"), Now: now, OnChange: hooks.changed, OnPull: hooks.pulled, AuditLimits: cfg.AuditLimits})
		if err != nil {
			return err
		}
		defer pg.Close()
		links, fbStore, searches = pg.Links(), pg.Feedback(), pg.SearchLog(searchlog.DefaultLimits)
		log.Info("ticket links in PostgreSQL; kb takes no hot backups of it (PostgreSQL's own backups cover it)", "store", pg.Name())
	} else {
		// The links database first: a second kb on the same --data stops here, at once.
		var fb *feedback.Store
		var closeLinks func()
		var err error
		db, store, fb, linksErr, closeLinks, err = openLinks(cfg.Data, now, log.With("component", "links"))
		if err != nil {
			return err
		}
		defer closeLinks()
		if store != nil {
			store.SetAuditLimits(cfg.AuditLimits)
			links = store
		}
		if fb != nil {
			fbStore = fb
		}
		if db != nil {
			sl, err := searchlog.OpenBolt(db, searchlog.DefaultLimits)
			if err != nil {
				log.Warn("search statistics are not recorded", "err", err)
			} else {
				searches = sl
			}
		}
	}
	// Solved tickets become search evidence (ranking rule 16): the links
	// store's writes say which articles to index again; in a fleet the
	// notifications of every replica's writes do.
	var evLinks live.TicketLinks // nil without a store
	switch {
	case pg != nil:
		evLinks = pg.Links()
	case store != nil:
		evLinks = store
	}
	ev := live.NewEvidence(evLinks, log.With("component", "search"))
	hooks.ev = ev
	if store != nil {
		links = notifyingLinks{Store: store, changed: ev.LinksChanged}
	}
	theme, err := themes.Open(cfg.Theme)
	if err != nil {
		return fmt.Errorf("theme: %w", err)
	}
	src, err := openSource(ctx, cfg, log.With("component", "content"))
	if err != nil {
		return err
	}
	defer src.close()
	lib, source := src.lib, src.name
	// The index is a cache: pages are served at once while it is built or
	// brought up to date in the background; search answers from titles until then.
	var searcher server.Searcher
	pop := live.NewPopularity(evLinks, now, log.With("component", "links"))
	readOnly := readOnlyDir(cfg.Data)
	if readOnly {
		log.Warn("the data folder is on a read-only volume: search answers from the index found there (not updated), link writes answer 503", "path", cfg.Data)
	}
	if cfg.SearchNice < 0 || cfg.SearchNice > 19 {
		return fmt.Errorf("--search-nice %d: want 0 (normal priority) to 19", cfg.SearchNice)
	}
	idx, err := search.Open(indexDir(cfg.Data), search.Options{Logger: log.With("component", "search"), Popularity: pop.Of, ReadOnly: readOnly, Evidence: ev.Of, ThreadNice: cfg.SearchNice})
	switch {
	case errors.Is(err, search.ErrLocked):
		return fmt.Errorf("the search index in %s is in use by another kb: stop it, or give this one another --data", cfg.Data)
	case err != nil:
		log.Error("search index unavailable; serving pages, search falls back to titles", "err", err)
	default:
		defer idx.Close()
		searcher = idx
	}
	// Live content: a watched folder, or pulls of a git ref. Each published
	// snapshot updates exactly the changed articles in the index.
	watch := src.watchDir != "" && cfg.Watch
	deps := live.Deps{Library: lib, Index: idx, Popularity: pop, Evidence: ev, Logger: log, Pull: src.git, PullInterval: cfg.PullInterval, Now: now}
	if watch {
		deps.WatchDir = src.watchDir
	}
	lc := live.New(deps)
	var puller server.Puller // nil unless kb pulls a git ref: the push hook answers 404
	bg, stopBG := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stopBG(); wg.Wait() }() // before idx.Close, deferred earlier
	if src.git {
		puller = lc
		if pg != nil { // a push webhook reaches one replica: it passes it on to the others
			fp := &fleetPuller{local: lc, announce: make(chan struct{}, 1)}
			wg.Go(func() { fp.run(bg, pg, log.With("component", "links")) })
			puller = fp
		}
	}
	var bk server.BackupStatus // nil: no backups taken (--backup-interval 0, or no usable store)
	if store != nil && !store.ReadOnly() && cfg.BackupInterval > 0 {
		b := &backups{db: db, dir: filepath.Join(cfg.Data, backupDir), interval: cfg.BackupInterval, keep: cfg.BackupKeep, now: now, log: log.With("component", "backup")}
		wg.Go(func() { b.run(bg) })
		bk = b
	}
	proxy, sessions, err := signIn(ctx, cfg, log, now)
	if err != nil {
		return err
	}
	var auditLog tickets.Audit // nil without a store
	switch {
	case pg != nil:
		auditLog = pg.Links()
	case store != nil && !store.ReadOnly():
		auditLog = store
	}
	srv, err := server.New(server.Deps{
		Audit: auditLog, AdminGroup: cfg.AdminGroup,
		Proxy: proxy, Sessions: sessions,
		Live: watch, Puller: puller,
		Library: lib, Theme: theme, Search: searcher, Logger: log.With("component", "http"), Version: version,
		Links: links, LinksErr: linksErr, LinksReadOnly: store != nil && store.ReadOnly(), WebhookSecrets: cfg.WebhookSecrets, APIReadToken: cfg.APIReadToken,
		Feedback: fbStore, SearchLog: searches, Backups: bk, Now: now, Index: lc,
	})
	if err != nil {
		return err
	}
	// Search slots and render budgets are sized by now, one per core; the
	// runtime gets search.Procs (processors for pages beside those lowered
	// search threads keep). An explicit GOMAXPROCS is left as it is.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(search.Procs(runtime.GOMAXPROCS(0), cfg.SearchNice))
	}
	// The listener opens before the content is read: /healthz answers at
	// once, /readyz says the content is loading, and pages answer 503 with
	// Retry-After until the first snapshot is published, instead of a
	// refused connection for as long as a large load takes.
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if cfg.DebugAddr != "" {
		_, stopDebug, err := serveDebug(ctx, cfg.DebugAddr, log.With("component", "debug"))
		if err != nil {
			ln.Close()
			return err
		}
		defer stopDebug()
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	base := "http://" + ln.Addr().String()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	stop := func() error { // the listener goes before an error return
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		return hs.Shutdown(sctx)
	}
	log.Info("listening; loading the content", "url", base, "content", source)
	if cfg.beforeLoad != nil {
		cfg.beforeLoad(ctx)
	}
	if err := lib.Load(ctx); err != nil {
		if serr := stop(); serr != nil {
			log.Warn("shutdown", "err", serr)
		}
		if ctx.Err() != nil {
			return nil // stopped while loading
		}
		return err
	}
	wg.Go(func() { lc.Run(bg) })
	if pg != nil {
		hooks.srv, hooks.pop = srv, pop
		if src.git {
			hooks.pull = lc
		}
		wg.Go(func() { pg.Run(bg) })
	}
	log.Info("serving", "addr", base, "content", source, "version", version)
	urlFile := filepath.Join(cfg.Data, serverURLFile)
	if err := os.WriteFile(urlFile, []byte(base+"\n"), 0o600); err != nil {
		log.Warn("cannot record the server URL for kb search", "err", err)
	}
	defer os.Remove(urlFile)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// readOnlyDir reports whether dir sits on a read-only volume (EROFS), by
// trying to create a file in it.
func readOnlyDir(dir string) bool {
	f, err := os.CreateTemp(dir, ".kb-write-probe-*")
	if err != nil {
		return errors.Is(err, syscall.EROFS)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return false
}

// renderCacheDir is the folder under --data of content.RenderCache.
const renderCacheDir = "render"

// source is where the content comes from and how it is kept current.
type source struct {
	lib      *content.Library
	name     string // for the log
	watchDir string // the folder to watch in working-tree mode; "" otherwise
	git      bool   // content read from the commits of a ref, pulled
	close    func()
}

// openSource opens the content: the built-in example, a folder (with its
// git history when it is in a repository), or the commits of --git-ref.
func openSource(ctx context.Context, cfg config, log *slog.Logger) (source, error) {
	opts := content.Options{MaxSize: cfg.MaxSize, DeferHighlight: true, RenderBudget: cfg.RenderBudget, MaxFiles: cfg.MaxFiles}
	if cfg.Data != "" && !readOnlyDir(cfg.Data) {
		rc, err := content.OpenRenderCache(filepath.Join(cfg.Data, renderCacheDir), log)
		if err != nil {
			log.Warn("rendered pages are not kept across restarts", "err", err)
		}
		opts.RenderCache = rc
	}
	if cfg.GitRef != "" {
		repo, err := content.OpenGit(ctx, cfg.Content, cfg.GitRef)
		if err != nil {
			return source{}, fmt.Errorf("--git-ref %s: %w", cfg.GitRef, err)
		}
		return source{lib: content.NewGitLibrary(repo, opts, log), name: cfg.Content + "@" + cfg.GitRef, git: true, close: func() { repo.Close() }}, nil
	}
	files, name, closeFiles, err := openContent(cfg.Content)
	if err != nil {
		return source{}, err
	}
	src := source{name: name, watchDir: cfg.Content, close: closeFiles}
	if cfg.Content != "" {
		repo, err := content.OpenGit(ctx, cfg.Content, "")
		if err != nil {
			log.Info("no git history for the content folder; pages show file times", "err", err)
		} else {
			opts.Git = repo
			src.close = func() { repo.Close(); closeFiles() }
		}
	}
	src.lib = content.NewLibrary(files, opts, log)
	return src, nil
}

// openContent opens the content folder through os.Root, so no path and no
// symbolic link can lead outside it; with no folder it returns the example.
func openContent(dir string) (files fs.FS, source string, closeFn func(), err error) {
	if dir == "" {
		return example.FS(), "built-in example", func() {}, nil
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, "", nil, fmt.Errorf("open content: %w", err)
	}
	return content.DirFS(root), dir, func() { root.Close() }, nil
}

// fleetHooks passes the shared store's change notifications to what they
// concern on this replica: the cached pages listing tickets, the
// popularity counts of search and, for a push webhook another replica
// received, a pull. Its fields are set before the store's Run starts.
type fleetHooks struct {
	srv  *server.Server
	pop  *live.Popularity
	ev   *live.Evidence
	pull *live.Content // nil unless kb serves a git ref
}

func (h *fleetHooks) changed(c postgres.Change) {
	if h.srv == nil {
		return
	}
	if c.All {
		h.srv.AllLinksChanged()
		h.ev.LinksChanged()
	} else {
		h.srv.LinksChanged(c.Articles...)
		h.ev.LinksChanged(c.Articles...)
	}
	h.pop.Changed()
}

func (h *fleetHooks) pulled() {
	if h.pull != nil {
		h.pull.Push()
	}
}

// fleetPuller pulls at once on a push webhook and asks the other replicas
// of the fleet to pull too.
type fleetPuller struct {
	local    *live.Content
	announce chan struct{}
}

// Push implements server.Puller.
func (p *fleetPuller) Push() {
	p.local.Push()
	select {
	case p.announce <- struct{}{}:
	default: // an announcement is pending; it covers this push
	}
}

// run sends the announcements until ctx ends.
func (p *fleetPuller) run(ctx context.Context, db *postgres.DB, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.announce:
			if err := db.AnnouncePull(ctx); err != nil && ctx.Err() == nil {
				log.Warn("cannot ask the other replicas to pull; they pull at their next --pull-interval", "err", err)
			}
		}
	}
}

// signIn builds what --auth asks for: the trusted proxy, or the OpenID
// relying party (which discovers its provider now: a wrong issuer fails kb
// serve at start, not at the first sign-in).
func signIn(ctx context.Context, cfg config, log *slog.Logger, now func() time.Time) (*server.Proxy, server.Sessions, error) {
	switch cfg.Auth {
	case "proxy":
		trusted, err := cfg.trustedProxies()
		if err != nil {
			return nil, nil, err
		}
		log.Info("sign-in through proxy headers", "user_header", cfg.ProxyUserHeader, "groups_header", cfg.ProxyGroupsHeader, "trusted", cfg.ProxyTrusted)
		return &server.Proxy{UserHeader: cfg.ProxyUserHeader, GroupsHeader: cfg.ProxyGroupsHeader, Trusted: trusted}, nil, nil
	case "oidc":
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		o, err := signin.New(dctx, signin.Config{
			Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret, RedirectURL: cfg.OIDCRedirectURL,
			GroupsClaim: cfg.OIDCGroupsClaim, Scopes: splitList(cfg.OIDCScopes), UserClaim: cfg.OIDCUserClaim, SessionKey: []byte(cfg.SessionKey), Lifetime: cfg.SessionLifetime,
			Logger: log.With("component", "signin"), Now: now,
		})
		if err != nil {
			return nil, nil, err
		}
		log.Info("sign-in through OpenID Connect", "issuer", cfg.OIDCIssuer)
		return nil, o, nil
	}
	return nil, nil, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
