package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// gitDirChange is the path Watch reports when the folder's .git directory
// changed (a commit, a checkout, a reset): the files may be the same, but
// their last commits are not.
const gitDirChange = ".git"

// maxWaitFactor bounds how long a steady stream of events postpones a call:
// at most this many debounce periods after the first event.
const maxWaitFactor = 10

// settleDivisor sets the short wait for the first event after a quiet
// spell: an editor's save is a handful of events within a millisecond or
// two (create, write, rename), so Debounce/settleDivisor still sees them as
// one change, while a lone edit need not wait the whole Debounce.
const settleDivisor = 10

// WatchOptions configures Watch.
type WatchOptions struct {
	// Debounce is how long a burst of events must be quiet before it is
	// reported. The first event after a quiet spell of Debounce is reported
	// after Debounce/settleDivisor only, so a single save is served at once;
	// the events that follow within Debounce are gathered as before.
	Debounce time.Duration
	// Ready, if set, is called once, when every folder is watched: any change
	// made after it was called is reported. Callers that must not miss a
	// change (tests, a reload right after start) wait for it.
	Ready func()
}

// Watch watches the folder dir and all folders below it (new ones as they
// appear; hidden ones and symbolic links never) and calls fn with the
// root-relative slash paths of what changed, once a burst of events has been
// quiet for opts.Debounce: an editor's save (rename, create, write) or a
// checkout of many files is one call. A folder created with files in it is
// reported with its files. When the system dropped events, fn gets "."
// (everything). A change in dir/.git is reported as ".git". Calls never
// overlap: events that arrive during one are reported in the next. Watch
// returns when ctx ends (nil) or watching fails.
func Watch(ctx context.Context, dir string, opts WatchOptions, fn func(paths []string)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	defer w.Close()
	root, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	wt := &watcher{w: w, root: root, pending: map[string]bool{}}
	if err := wt.addTree(root, false); err != nil {
		return err
	}
	if info, err := os.Lstat(filepath.Join(root, ".git")); err == nil && info.IsDir() {
		if err := w.Add(filepath.Join(root, ".git")); err != nil {
			return fmt.Errorf("watch %s: %w", filepath.Join(dir, ".git"), err)
		}
	}
	if opts.Ready != nil {
		opts.Ready()
	}
	return wt.run(ctx, opts.Debounce, fn)
}

type watcher struct {
	w       *fsnotify.Watcher
	root    string
	pending map[string]bool
	first   time.Time // of the pending events
}

// addTree watches dir and the folders below it. With report, the files found
// are pending too: they may have been written before the watch began.
func (wt *watcher) addTree(dir string, report bool) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && !report {
				return fmt.Errorf("watch %s: %w", p, err)
			}
			return nil // vanished or unreadable; the next load warns about it
		}
		if p != wt.root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			if report {
				wt.mark(p)
			}
			return nil
		}
		if err := wt.w.Add(p); err != nil {
			if p == dir && !report {
				return fmt.Errorf("watch %s: %w", p, err)
			}
			wt.mark(p) // cannot watch it; a reload still reads it
		}
		return nil
	})
}

// mark adds the path p (absolute) to the pending changes.
func (wt *watcher) mark(p string) {
	rel, err := filepath.Rel(wt.root, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return
	}
	rel = filepath.ToSlash(rel)
	if rel == gitDirChange || strings.HasPrefix(rel, gitDirChange+"/") {
		rel = gitDirChange
	} else if hiddenPath(rel) {
		return
	}
	if len(wt.pending) == 0 {
		wt.first = time.Now()
	}
	wt.pending[rel] = true
}

func (wt *watcher) run(ctx context.Context, debounce time.Duration, fn func([]string)) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	done := make(chan struct{})
	busy := false
	var lastDone time.Time // when the last call returned; zero before the first
	flush := func() {
		if busy || len(wt.pending) == 0 {
			return
		}
		batch := slices.Sorted(func(yield func(string) bool) {
			for p := range wt.pending {
				if !yield(p) {
					return
				}
			}
		})
		clear(wt.pending)
		busy = true
		go func() {
			defer func() { done <- struct{}{} }()
			fn(batch)
		}()
	}
	schedule := func() {
		wait := debounce
		if !busy && time.Since(lastDone) >= debounce && time.Since(wt.first) < debounce/settleDivisor {
			// A burst starting after a quiet spell: act almost at once
			// (a single edit), and gather what follows with the full wait.
			wait = debounce/settleDivisor - time.Since(wt.first)
		}
		if late := time.Until(wt.first.Add(maxWaitFactor * debounce)); late < wait {
			wait = max(late, 0)
		}
		timer.Reset(wait)
	}
	for {
		select {
		case <-ctx.Done():
			timer.Stop()
			if busy {
				<-done
			}
			return nil
		case ev, ok := <-wt.w.Events:
			if !ok {
				return errors.New("watch: events closed")
			}
			wt.event(ev)
			if len(wt.pending) > 0 {
				schedule()
			}
		case err, ok := <-wt.w.Errors:
			if !ok {
				return errors.New("watch: errors closed")
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				return fmt.Errorf("watch %s: %w", wt.root, err)
			}
			if len(wt.pending) == 0 {
				wt.first = time.Now()
			}
			wt.pending["."] = true // events were lost: everything may have changed
			schedule()
		case <-timer.C:
			flush()
		case <-done:
			busy = false
			lastDone = time.Now()
			if len(wt.pending) > 0 {
				schedule()
			}
		}
	}
}

// event records one fsnotify event; a new folder is watched with what is in it.
func (wt *watcher) event(ev fsnotify.Event) {
	if ev.Op == fsnotify.Chmod {
		return // touched metadata only; editors and indexers do it constantly
	}
	wt.mark(ev.Name)
	if ev.Has(fsnotify.Rename) || ev.Has(fsnotify.Remove) {
		wt.w.Remove(ev.Name) //nolint:errcheck // most names are files, never watched
	}
	if ev.Has(fsnotify.Create) {
		info, err := os.Lstat(ev.Name)
		if err == nil && info.IsDir() && !strings.HasPrefix(filepath.Base(ev.Name), ".") && filepath.Dir(ev.Name) != filepath.Join(wt.root, ".git") {
			wt.addTree(ev.Name, true) //nolint:errcheck // with report set, problems become pending paths
		}
	}
}
