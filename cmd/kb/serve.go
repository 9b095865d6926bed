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
func serve(ctx context.Context, cfg config, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	// The links database first: a second kb on the same --data stops here, at once.
	store, linksErr, closeLinks, err := openLinks(cfg.Data, log.With("component", "links"))
	if err != nil {
		return err
	}
	defer closeLinks()
	var links server.LinkStore // a nil *tickets.Store must stay a nil interface
	if store != nil {
		links = store
	}
	files, source, closeFiles, err := openContent(cfg.Content)
	if err != nil {
		return err
	}
	defer closeFiles()
	theme, err := themes.Open(cfg.Theme)
	if err != nil {
		return fmt.Errorf("theme: %w", err)
	}
	lib := content.NewLibrary(files, content.Options{MaxSize: cfg.MaxSize}, log.With("component", "content"))
	if err := lib.Load(ctx); err != nil {
		return err
	}
	// The index is a cache: pages are served at once while it is built or
	// brought up to date in the background; search answers from titles until then.
	var searcher server.Searcher
	idx, err := search.Open(indexDir(cfg.Data), search.Options{Logger: log.With("component", "search")})
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
	if idx != nil {
		wg.Go(func() {
			if err := idx.Sync(bg, lib.Snapshot()); err != nil && bg.Err() == nil {
				log.Error("search index build failed; search falls back to titles", "err", err)
			}
		})
	}
	srv, err := server.New(server.Deps{
		Library: lib, Theme: theme, Search: searcher, Logger: log.With("component", "http"), Version: version,
		Links: links, LinksErr: linksErr, WebhookSecrets: cfg.WebhookSecrets, APIReadToken: cfg.APIReadToken,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
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
