//go:build !unix

package search

import "time"

// lockFile is a no-op where flock is missing; bleve's own bolt lock (opened
// with a timeout) still keeps a second writer out.
type lockFile struct{}

func lockDir(dir string, exclusive bool, timeout time.Duration) (*lockFile, error) {
	return &lockFile{}, nil
}

func (l *lockFile) unlock() error { return nil }
