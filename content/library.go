package content

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Library holds the current Snapshot of a content folder and replaces it
// atomically when the folder is loaded again: readers never see half a load.
type Library struct {
	files fs.FS
	opts  Options
	log   *slog.Logger

	mu      sync.Mutex // serialises loads
	current atomic.Pointer[Snapshot]
	lastErr atomic.Pointer[loadError]
}

type loadError struct {
	err error
	at  time.Time
}

// NewLibrary returns a Library over files; nothing is read until Load.
func NewLibrary(files fs.FS, opts Options, log *slog.Logger) *Library {
	return &Library{files: files, opts: opts, log: log}
}

// Load reads the content folder and publishes the new snapshot. When loading
// fails, the last good snapshot stays published and the error is kept for
// readiness checks.
func (l *Library) Load(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, err := Load(ctx, l.files, l.opts)
	if err != nil {
		l.lastErr.Store(&loadError{err: err, at: time.Now()})
		l.log.Error("content load failed; serving the last good content", "err", err)
		return fmt.Errorf("load content: %w", err)
	}
	l.lastErr.Store(nil)
	l.current.Store(s)
	l.logWarnings(s)
	l.log.Info("content loaded", "count", len(s.Articles), "warnings", s.WarningCount(), "dur", s.LoadTime.Round(time.Millisecond), "version", s.Version)
	return nil
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

// Err returns the error of the last load, nil when it succeeded.
func (l *Library) Err() error {
	if e := l.lastErr.Load(); e != nil {
		return e.err
	}
	return nil
}
