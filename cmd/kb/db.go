package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"

	"kb/tickets"
)

// dbFile is the name of the bbolt file under --data.
const dbFile = "kb.db"

// lockTimeout is how long kb waits for another process to release the
// database: long enough for a restart, short enough to fail at once otherwise.
const lockTimeout = 500 * time.Millisecond

// errLocked is returned by openDB when another process holds the database.
var errLocked = errors.New("locked by another kb")

// openDB opens the bbolt file under dataDir, creating both when missing; on
// a read-only volume it opens the file read-only.
// Another kb holding the file is a clear error after lockTimeout, never a
// hang; a damaged file is an error wrapping tickets.ErrCorrupt and is left as
// it is.
func openDB(dataDir string) (db *bbolt.DB, err error) {
	return openDBFile(filepath.Join(dataDir, dbFile))
}

// openDBFile is openDB for the file at path (kb store copy names files).
func openDBFile(path string) (db *bbolt.DB, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil && !errors.Is(err, syscall.EROFS) {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	if err := inspectDB(path); err != nil {
		return nil, err
	}
	defer func() {
		// bbolt panics on some kinds of damage while opening, and faults on
		// its memory map on others: both become an error here, never the end
		// of kb (SetPanicOnFault holds for this goroutine only).
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("open %s: %w: %v", path, tickets.ErrCorrupt, r)
		}
	}()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	db, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockTimeout})
	if errors.Is(err, syscall.EROFS) {
		// A read-only data volume: links and tokens are still read (a
		// restore, a snapshot of the volume); writes answer 503.
		db, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockTimeout, ReadOnly: true})
	}
	switch {
	case errors.Is(err, bberrors.ErrTimeout):
		return nil, fmt.Errorf("database %s is %w (a running kb serve?): stop it, or give this one another --data", path, errLocked)
	case err != nil:
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// cliStore is what kb token and kb links use of a links store; the bbolt
// store and the PostgreSQL one implement it.
type cliStore interface {
	CreateToken(ctx context.Context, name string, scope tickets.Scope, readPaths ...string) (string, error)
	Tokens(ctx context.Context) ([]tickets.Token, error)
	RevokeToken(ctx context.Context, name string) error
	Export(ctx context.Context, w io.Writer) error
	Import(ctx context.Context, r io.Reader) (int, error)
	tickets.Audit
}

// openStore opens the links store for a command that needs it: the
// PostgreSQL database at storeURL when set, else the bbolt file in dataDir.
func openStore(ctx context.Context, dataDir, storeURL string) (cliStore, func() error, error) {
	if storeURL != "" {
		db, err := openPostgresCLI(ctx, storeURL)
		if err != nil {
			return nil, nil, err
		}
		return db.Links(), func() error { db.Close(); return nil }, nil
	}
	return openBolt(dataDir)
}

// openBolt opens the bbolt links store in dataDir.
func openBolt(dataDir string) (*tickets.Store, func() error, error) {
	db, err := openDB(dataDir)
	if err != nil {
		return nil, nil, err
	}
	store, err := tickets.Open(db, time.Now)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return store, db.Close, nil
}
