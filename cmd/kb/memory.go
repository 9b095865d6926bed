package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// --memory-limit auto: the soft limit is half again the live heap plus some
// headroom, never under minAutoLimit, derived every memoryGuardEvery from
// the start, so it follows the content as it loads and grows (the index
// build, the highlighted pages) instead of sitting below it: a limit under
// the live heap makes the collector run without pause (a fixed 256MiB at
// 10,000 articles). Half again, not Go's default of twice, keeps the peak
// of a cold start near the bare libraries' at a little more collection.
const (
	minAutoLimit     = 256 << 20
	autoHeadroom     = 64 << 20
	memoryGuardEvery = time.Second
)

// autoLimit is the soft limit for a live heap of live bytes.
func autoLimit(live uint64) int64 {
	return max(minAutoLimit, int64(live+live/2)+autoHeadroom)
}

// liveHeap is the heap the last garbage collection found in use.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// memoryGuard sets the soft memory limit from the live heap at once and then
// every interval until ctx ends.
func memoryGuard(ctx context.Context, every time.Duration, log *slog.Logger) {
	var last int64
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if l := autoLimit(liveHeap()); l != last {
			debug.SetMemoryLimit(l)
			if last == 0 {
				log.Debug("memory limit derived from the live heap", "limit_mib", l>>20)
			}
			last = l
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
