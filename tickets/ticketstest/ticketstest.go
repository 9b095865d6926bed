// Package ticketstest opens real links stores for the tests and benchmarks
// of other packages, which may not import bbolt themselves. It is for tests
// only; its API is internal to kb.
package ticketstest

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"kb/tickets"
)

// Open returns a store in a new file below tb.TempDir(), closed by tb.Cleanup.
func Open(tb testing.TB) *tickets.Store {
	tb.Helper()
	return OpenFile(tb, filepath.Join(tb.TempDir(), "kb.db"))
}

// OpenClock is Open with the clock that stamps links and tokens.
func OpenClock(tb testing.TB, now func() time.Time) *tickets.Store {
	tb.Helper()
	s, closeFn, err := openPath(filepath.Join(tb.TempDir(), "kb.db"), now)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := closeFn(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// OpenFile returns the store in the file at path, created when missing and
// closed by tb.Cleanup.
func OpenFile(tb testing.TB, path string) *tickets.Store {
	tb.Helper()
	s, closeFn, err := OpenPath(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := closeFn(); err != nil {
			tb.Error(err)
		}
	})
	return s
}

// OpenPath returns the store in the file at path and the function that
// closes it, for code that outlives one test, such as a benchmark fixture.
func OpenPath(path string) (*tickets.Store, func() error, error) {
	return openPath(path, nil)
}

func openPath(path string, now func() time.Time) (*tickets.Store, func() error, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, nil, err
	}
	s, err := tickets.Open(db, now)
	if err != nil {
		return nil, nil, errors.Join(err, db.Close())
	}
	return s, db.Close, nil
}
