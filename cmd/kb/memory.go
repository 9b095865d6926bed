package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// --memory-limit auto: the soft limit is twice the live heap plus some
// headroom, never under minAutoLimit, derived every memoryGuardEvery from
// the start, so it follows the content as it loads and grows (the index
// build, the highlighted pages) instead of sitting below it: a limit under
// the live heap makes the collector run without pause (a fixed 256MiB at
// 10,000 articles). Twice is where Go's collector would start anyway, so the
// limit only stops a runaway; at one and a half times the live heap
// (make bench-scale, 10,000 articles) RSS fell from ~420 to ~305 MB but an
// edit took 1.3 s to be searchable instead of 0.45-0.75 s, collections
// taking the CPU.
const (
	minAutoLimit     = 256 << 20
	autoHeadroom     = 64 << 20
	memoryGuardEvery = time.Second
)

// autoLimit is the soft limit for a live heap of live bytes.
func autoLimit(live uint64) int64 {
	return max(minAutoLimit, int64(2*live)+autoHeadroom)
}

// liveHeap is the heap the last garbage collection found in use.
func liveHeap() uint64 {
	return readUint("/gc/heap/live:bytes")
}

func readUint(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// After a peak (the first load and index build: ~1 GB at 10,000 articles,
// against a live heap of ~70 MB once serving) the heap keeps the pages it
// no longer uses, which Go's background scavenger hands back to the system
// over minutes. Heap pages kept free beyond what the live heap may grow
// into before the next collection (one live heap, GOGC=100) and some slack
// are handed back at once, at most every releaseEvery.
const (
	releaseSlack = 64 << 20
	releaseEvery = 30 * time.Second
)

// shouldRelease reports whether free heap pages, with a live heap of live
// bytes, are more than the heap will grow into.
func shouldRelease(free, live uint64) bool {
	return free > live+releaseSlack
}

// memoryGuard sets the soft memory limit from the live heap at once and then
// every interval until ctx ends, and hands free heap pages back after a
// peak (shouldRelease).
func memoryGuard(ctx context.Context, every time.Duration, log *slog.Logger) {
	var last int64
	var released time.Time
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		live := liveHeap()
		if l := autoLimit(live); l != last {
			debug.SetMemoryLimit(l)
			if last == 0 {
				log.Debug("memory limit derived from the live heap", "limit_mib", l>>20)
			}
			last = l
		}
		if free := readUint("/memory/classes/heap/free:bytes"); shouldRelease(free, live) && time.Since(released) >= releaseEvery {
			debug.FreeOSMemory()
			released = time.Now()
			log.Debug("free heap pages handed back", "free_mib", free>>20, "live_mib", live>>20)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
