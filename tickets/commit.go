package tickets

import (
	"errors"
	"sync"

	"go.etcd.io/bbolt"
)

// groupCommit runs the writes of concurrent callers in shared transactions:
// one fsync for every write waiting when a commit starts. The first caller
// to find no commit running becomes the leader and commits, in its own
// goroutine, what is queued until its own write is done; then it hands the
// lead to the oldest waiting write, if any, and returns. The others wait for
// their answer or the lead. Unlike bbolt's Batch there is no timer: a lone
// write commits at once, so a ticket tool writing alone is not slowed down.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*write
	leading bool
}

// write is one caller's function and where its outcome goes.
type write struct {
	fn       func(*bbolt.Tx) error
	done     chan error    // the outcome
	lead     chan struct{} // closed when this write's caller is to lead
	finished bool          // done was sent; written and read by the leader only
}

// maxGroup bounds the writes of one transaction.
const maxGroup = 1000

// errAborted marks a write that ran in a transaction another write failed;
// it is run again in the next one.
var errAborted = errors.New("aborted with its group")

// update runs fn in a writable transaction shared with concurrent callers and
// returns once that transaction is on disk, or fn's error. fn may run more
// than once (when another write of its group fails), so it must derive
// everything from the transaction it is given.
func (s *Store) update(fn func(*bbolt.Tx) error) error {
	g := &s.commit
	w := &write{fn: fn, done: make(chan error, 1), lead: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if g.leading {
		g.mu.Unlock()
		select {
		case err := <-w.done:
			return err
		case <-w.lead: // the previous leader is done; g.leading stays true
			g.mu.Lock()
		}
	}
	g.leading = true
	for !w.finished {
		n := min(len(g.queue), maxGroup)
		group := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		retry := s.commitGroup(group)
		g.mu.Lock()
		g.queue = append(retry, g.queue...)
	}
	if len(g.queue) > 0 {
		close(g.queue[0].lead)
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	return <-w.done
}

// commitGroup runs group in one transaction and answers each write. When a
// function fails, the transaction is rolled back, that write gets its error,
// and the writes after it are returned to be run again.
func (s *Store) commitGroup(group []*write) (retry []*write) {
	failed := -1
	var fnErr error
	err := s.writeTx(func(tx *bbolt.Tx) error {
		for i, w := range group {
			if err := w.fn(tx); err != nil {
				failed, fnErr = i, err
				return errAborted
			}
		}
		return nil
	})
	switch {
	case failed >= 0:
		// The writes before the failed one did not fail in this state of the
		// database, and neither did they change it: they are run again too.
		finish(group[failed], fnErr)
		return append(group[:failed:failed], group[failed+1:]...)
	case err != nil: // the commit itself failed: nothing of the group is on disk
		for _, w := range group {
			finish(w, err)
		}
		return nil
	}
	for _, w := range group {
		finish(w, nil)
	}
	return nil
}

func finish(w *write, err error) {
	w.finished = true
	w.done <- err
}
