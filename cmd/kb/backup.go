package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"kb/tickets"
)

// backupDir is the folder under --data that holds the hot backups.
const backupDir = "backups"

// backups writes hot copies of the links database (links, tokens,
// deliveries, feedback: the whole file) under --data/backups every
// interval, keeps the newest keep of them, and checks each by opening it
// read-only and reading all of it, as kb does at start.
type backups struct {
	db       *bbolt.DB
	dir      string
	interval time.Duration
	keep     int
	now      func() time.Time
	log      *slog.Logger

	mu   sync.Mutex
	last time.Time // of the newest good backup; zero: none yet
	err  error     // of the last attempt, nil when it succeeded
}

// LastBackup returns when the newest good backup was taken (zero when there
// is none) and why the last attempt failed, if it did.
func (b *backups) LastBackup() (time.Time, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last, b.err
}

// run takes a backup at once when the newest one is older than the
// interval (or there is none), then every interval, until ctx ends.
func (b *backups) run(ctx context.Context) {
	if newest, ok := b.newest(); ok {
		b.mu.Lock()
		b.last = newest
		b.mu.Unlock()
	}
	wait := time.Duration(0)
	if last, _ := b.LastBackup(); !last.IsZero() {
		wait = max(0, b.interval-b.now().Sub(last))
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		path, err := b.once()
		b.mu.Lock()
		b.err = err
		if err == nil {
			b.last = b.now()
		}
		b.mu.Unlock()
		if err != nil {
			b.log.Error("backup of the links database failed; the previous backups are kept", "err", err)
		} else {
			b.log.Info("links database backed up", "path", path)
		}
		t.Reset(b.interval)
	}
}

// once writes one backup and prunes the old ones; it returns the new file.
func (b *backups) once() (string, error) {
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	tmp, err := os.CreateTemp(b.dir, ".kb-backup-*")
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// A read transaction sees one consistent state while writers go on.
	if err := b.db.View(func(tx *bbolt.Tx) error {
		_, err := tx.WriteTo(tmp)
		return err
	}); err != nil {
		return "", fmt.Errorf("backup: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	if err := verifyBackup(tmp.Name()); err != nil {
		return "", fmt.Errorf("backup: the copy does not read back: %w", err)
	}
	final := filepath.Join(b.dir, "kb-"+b.now().UTC().Format("20060102T150405.000Z")+".db")
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	done = true
	if err := syncDir(b.dir); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	return final, b.prune()
}

// verifyBackup opens the copy at path read-only and reads it through, as
// kb serve does with kb.db at start.
func verifyBackup(path string) error {
	if err := inspectDB(path); err != nil {
		return err
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return err
	}
	_, err = tickets.Open(db, nil)
	return errors.Join(err, db.Close())
}

// files returns the backups, oldest first (their names sort by time).
func (b *backups) files() ([]string, error) {
	entries, err := os.ReadDir(b.dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, "kb-") && strings.HasSuffix(n, ".db") {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// newest returns the time of the newest backup on disk.
func (b *backups) newest() (time.Time, bool) {
	fs, err := b.files()
	if err != nil || len(fs) == 0 {
		return time.Time{}, false
	}
	at, err := time.Parse("20060102T150405.000Z", strings.TrimSuffix(strings.TrimPrefix(fs[len(fs)-1], "kb-"), ".db"))
	return at, err == nil
}

// prune removes all but the newest keep backups.
func (b *backups) prune() error {
	fs, err := b.files()
	if err != nil {
		return fmt.Errorf("backup: prune: %w", err)
	}
	var errs []error
	for len(fs) > b.keep {
		if err := os.Remove(filepath.Join(b.dir, fs[0])); err != nil {
			errs = append(errs, err)
		}
		fs = fs[1:]
	}
	if len(errs) > 0 {
		return fmt.Errorf("backup: prune: %w", errors.Join(errs...))
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
