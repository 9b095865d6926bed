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
	"runtime/debug"
	"sync"
	"time"

	"kb/content"
	"kb/example"
	"kb/search"
	"kb/server"
	"kb/themes"
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
	if cfg.MemoryLimit > 0 {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(cfg.MemoryLimit))
	}
	// The links database first: a second kb on the same --data stops here, at once.
	store, fb, linksErr, closeLinks, err := openLinks(cfg.Data, now, log.With("component", "links"))
	if err != nil {
		return err
	}
	defer closeLinks()
	var links server.LinkStore // a nil *tickets.Store must stay a nil interface
	if store != nil {
		links = store
	}
	var fbStore server.FeedbackStore // likewise
	if fb != nil {
		fbStore = fb
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
	if err := lib.Load(ctx); err != nil {
		return err
	}
	// The index is a cache: pages are served at once while it is built or
	// brought up to date in the background; search answers from titles until then.
	var searcher server.Searcher
	pop := &popularity{}
	idx, err := search.Open(indexDir(cfg.Data), search.Options{Logger: log.With("component", "search"), Popularity: pop.of})
	switch {
	case errors.Is(err, search.ErrLocked):
		return fmt.Errorf("the search index in %s is in use by another kb: stop it, or give this one another --data", cfg.Data)
	case err != nil:
		log.Error("search index unavailable; serving pages, search falls back to titles", "err", err)
	default:
		defer idx.Close()
		searcher = idx
	}
	bg, stopBG := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stopBG(); wg.Wait() }() // before idx.Close, deferred earlier
	// In the background, one after the other so that the plain snapshot is
	// garbage before the index build begins: code blocks are highlighted (the
	// first load left them plain, content.Options.DeferHighlight, so serving
	// begins sooner; the new snapshot differs in HTML alone), then the index
	// is built or brought up to date to the snapshot served.
	wg.Go(func() {
		_, _ = lib.Highlight(bg) // a failure is logged by the library, which keeps serving the plain snapshot
		if idx != nil {
			syncIndex(bg, idx, lib, log)
		}
	})
	if store != nil {
		wg.Go(func() { pop.run(bg, store, now, log.With("component", "links")) })
	}
	// Live content: a watched folder, or pulls of a git ref. Each published
	// snapshot updates exactly the changed articles in the index.
	live := src.watchDir != "" && cfg.Watch
	if live {
		wg.Go(func() { watchContent(bg, src.watchDir, lib, idx, log) })
	}
	var gitPush func()
	if src.git {
		pushed := make(chan struct{}, 1)
		gitPush = func() {
			select {
			case pushed <- struct{}{}:
			default: // a pull is already due
			}
		}
		wg.Go(func() { pullContent(bg, cfg.PullInterval, pushed, lib, idx, log) })
	}
	srv, err := server.New(server.Deps{
		Live: live, GitPush: gitPush,
		Library: lib, Theme: theme, Search: searcher, Logger: log.With("component", "http"), Version: version,
		Links: links, LinksErr: linksErr, WebhookSecrets: cfg.WebhookSecrets, APIReadToken: cfg.APIReadToken,
		Feedback: fbStore, Now: now,
	})
	if err != nil {
		return err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
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
	log.Info("serving", "addr", base, "content", source, "version", version)
	urlFile := filepath.Join(cfg.Data, serverURLFile)
	if err := os.WriteFile(urlFile, []byte(base+"\n"), 0o600); err != nil {
		log.Warn("cannot record the server URL for kb search", "err", err)
	}
	defer os.Remove(urlFile)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
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
	opts := content.Options{MaxSize: cfg.MaxSize, DeferHighlight: true}
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

// watchDebounce gathers an editor's save or a checkout into one reload.
const watchDebounce = 100 * time.Millisecond

// watchContent reloads the files that change in dir until ctx ends.
func watchContent(ctx context.Context, dir string, lib *content.Library, idx *search.Index, log *slog.Logger) {
	err := content.Watch(ctx, dir, content.WatchOptions{Debounce: watchDebounce}, func(paths []string) {
		upd, err := lib.Apply(ctx, paths)
		if err != nil {
			return // logged by the library, which keeps the last good content
		}
		reindex(ctx, idx, upd, log)
	})
	if err != nil && ctx.Err() == nil {
		log.Error("watching the content folder stopped; restart kb to see changes", "err", err)
	}
}

// pullContent fetches and loads the git ref every interval, and at once after
// a push webhook, until ctx ends.
func pullContent(ctx context.Context, interval time.Duration, pushed <-chan struct{}, lib *content.Library, idx *search.Index, log *slog.Logger) {
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		case <-pushed:
		}
		upd, err := lib.Pull(ctx)
		if err != nil {
			continue // logged by the library; the last good content stays
		}
		reindex(ctx, idx, upd, log)
	}
}

// syncIndex builds the index or brings it up to date with the snapshot
// served, again as long as a newer one was published meanwhile: a live
// reload may have synced a newer snapshot before this sync wrote an older one.
func syncIndex(ctx context.Context, idx *search.Index, lib *content.Library, log *slog.Logger) {
	for snap := lib.Snapshot(); ; {
		if err := idx.Sync(ctx, snap); err != nil {
			if ctx.Err() == nil {
				log.Error("search index build failed; search falls back to titles", "err", err)
			}
			return
		}
		next := lib.Snapshot()
		if next == snap {
			return
		}
		snap = next
	}
}

// reindex brings the search index to a newly published snapshot: exactly the
// changed and deleted articles, or a sync while the first build still runs.
func reindex(ctx context.Context, idx *search.Index, upd content.Update, log *slog.Logger) {
	if idx == nil || !upd.Published {
		return
	}
	var err error
	if !idx.Ready() {
		err = idx.Sync(ctx, upd.Snapshot)
	} else {
		if len(upd.Deleted) > 0 {
			err = idx.Delete(ctx, upd.Deleted)
		}
		if err == nil && len(upd.Updated) > 0 {
			err = idx.Update(ctx, upd.Updated)
		}
	}
	if err != nil && ctx.Err() == nil {
		log.Warn("search index not updated; it catches up at the next change or restart", "err", err)
	}
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
	return root.FS(), dir, func() { root.Close() }, nil
}
