package search

import (
	"log/slog"
	"runtime"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSearchThreadsRunAtLowPriority: a search runs on a thread of nice
// DefaultThreadNice, and the caller's thread keeps its priority.
func TestSearchThreadsRunAtLowPriority(t *testing.T) {
	w := newWorkers(2, DefaultThreadNice, slog.New(slog.DiscardHandler))
	t.Cleanup(w.stop)
	nice := func() int {
		// the raw syscall returns 20 - nice
		p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
		require.NoError(t, err)
		return 20 - p
	}
	var inside int
	w.do(func() { inside = nice() })
	assert.Equal(t, DefaultThreadNice, inside)
	assert.Less(t, nice(), DefaultThreadNice, "the caller's thread is untouched")
}

// TestSearchThreadsNiceZero: without a nice value a search runs on the
// caller's thread, at its priority.
func TestSearchThreadsNiceZero(t *testing.T) {
	w := newWorkers(2, 0, slog.New(slog.DiscardHandler))
	t.Cleanup(w.stop)
	runtime.LockOSThread() // the test's goroutine stays on its thread
	defer runtime.UnlockOSThread()
	caller := syscall.Gettid()
	var inside int
	w.do(func() { inside = syscall.Gettid() })
	assert.Equal(t, caller, inside)
}

// TestProcs: processors for pages beside lowered search threads, none beside
// searches at normal priority.
func TestProcs(t *testing.T) {
	assert.Equal(t, 4, Procs(2, DefaultThreadNice))
	assert.Equal(t, 16, Procs(8, DefaultThreadNice))
	assert.Equal(t, 2, Procs(2, 0))
}
