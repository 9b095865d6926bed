// Package feedbacktest opens real feedback stores for the tests of other
// packages, which may not import bbolt themselves. It is for tests only; its
// API is internal to kb.
package feedbacktest

import (
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"kb/feedback"
)

// Open returns a store in a new file below tb.TempDir(), closed by tb.Cleanup.
func Open(tb testing.TB) *feedback.Store {
	tb.Helper()
	db, err := bbolt.Open(filepath.Join(tb.TempDir(), "feedback.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	s, err := feedback.Open(db)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
