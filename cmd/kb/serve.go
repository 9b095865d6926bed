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
	"time"

	"kb/content"
	"kb/example"
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
	srv, err := server.New(server.Deps{Library: lib, Theme: theme, Logger: log.With("component", "http"), Version: version})
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
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "content", source, "version", version)
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
