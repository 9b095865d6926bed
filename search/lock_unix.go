//go:build unix

package search

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockFile holds an advisory lock on the index folder, so two kb processes
// never write one index. Writers lock exclusively, read-only openers share.
type lockFile struct {
	f *os.File
}

// lockDir locks dir/LOCK, retrying until timeout; it fails with ErrLocked
// rather than waiting forever.
func lockDir(dir string, exclusive bool, timeout time.Duration) (*lockFile, error) {
	name := dir + string(os.PathSeparator) + "LOCK"
	flag := os.O_RDWR | os.O_CREATE
	if !exclusive {
		flag = os.O_RDONLY
	}
	f, err := os.OpenFile(name, flag, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock search index: %w", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return &lockFile{f: f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return nil, fmt.Errorf("lock search index: %w", errors.Join(err, f.Close()))
		}
		if time.Now().After(deadline) {
			return nil, errors.Join(fmt.Errorf("%w: %s (waited %s)", ErrLocked, dir, timeout), f.Close())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (l *lockFile) unlock() error {
	if l == nil {
		return nil
	}
	return l.f.Close() // closing the descriptor releases the lock
}
