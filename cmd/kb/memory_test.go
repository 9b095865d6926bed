package main

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShouldRelease(t *testing.T) {
	assert.False(t, shouldRelease(70<<20, 70<<20), "free pages the heap grows into before the next collection stay")
	assert.False(t, shouldRelease(70<<20+releaseSlack, 70<<20))
	assert.True(t, shouldRelease(600<<20, 70<<20), "what a load's peak left goes back")
}

// TestMemoryGuardHandsBackFreePages: the pages of a peak that is over are
// handed back to the system at the guard's first look, not over minutes.
func TestMemoryGuardHandsBackFreePages(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	peak := func() int {
		b := make([]byte, 384<<20)
		for i := range b {
			b[i] = 1 // touched: in the process's RSS
		}
		return len(b)
	}
	require.Positive(t, peak())
	runtime.GC()
	const released = "/memory/classes/heap/released:bytes"
	before := readUint(released)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); memoryGuard(ctx, time.Hour, slog.New(slog.DiscardHandler)) }()
	defer func() { cancel(); <-done }()
	require.Eventually(t, func() bool { return readUint(released) >= before+256<<20 }, 10*time.Second, 10*time.Millisecond,
		"the peak's pages handed back")
}
