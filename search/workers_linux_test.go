package search

import (
	"log/slog"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSearchThreadsRunAtLowPriority: a search runs on a thread of nice
// searchNice, and the caller's thread keeps its priority.
func TestSearchThreadsRunAtLowPriority(t *testing.T) {
	w := newWorkers(2, slog.New(slog.DiscardHandler))
	t.Cleanup(w.stop)
	nice := func() int {
		// the raw syscall returns 20 - nice
		p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
		require.NoError(t, err)
		return 20 - p
	}
	var inside int
	w.do(func() { inside = nice() })
	assert.Equal(t, searchNice, inside)
	assert.Less(t, nice(), searchNice, "the caller's thread is untouched")
}
