package search

import (
	"log/slog"
	"runtime"
	"sync"
)

// Searches run on worker threads of lower OS priority. The priority gate
// (priority.go) pauses a search only at its yield points, and between them
// the operating system still shares a core between a search and a page
// request that woke meanwhile: page p99 stayed 4.3 ms (one scheduler slice)
// against 0.3 ms idle under a flood of the worst allowed queries. With the
// searches' threads at a higher nice value the kernel runs the page first
// (page p99 under that flood ≈ idle). A worker locks its goroutine to its
// thread for its whole life, and the thread ends with it, so no other
// goroutine ever runs at the lowered priority.

// kb serve uses nice 19 (DefaultThreadNice): at 10 a page still waited
// behind a search in one run of three. The kernel weighs threads against
// the others of their scheduling group (a session's autogroup, a systemd
// unit's cgroup), so at 19 searches still get every cycle kb's other
// threads leave; but a CPU-bound process in the same group (a build in
// the same shell) takes nearly all of it from them, which is why it is a
// setting (--search-nice 0 keeps searches at normal priority).

// Procs is the GOMAXPROCS to run with beside searches on threads at nice,
// given cores: when nice lowers them, a processor for each search slot
// (one per core) and cores more for everything else. A search's thread
// that the kernel holds back keeps its Go processor, and a page readied
// meanwhile waited for one; with as many processors left as cores, pages
// never share one with a search (BenchmarkPagesUnderSearchAbuse on two
// cores, alternating run by run: page p99 under a search flood a median
// 1.26x idle with 4 processors, 7 of 8 runs under 2x; 2.11x with 3, 3 of 8;
// 2.9x with 2). Set it after Open, whose search slots are one per
// processor.
func Procs(cores, nice int) int {
	if !threadPriorities || nice <= 0 {
		return cores
	}
	return 2 * cores
}

// workers run searches, at most one per search slot.
type workers struct {
	n      int
	nice   int // 0: searches run on the caller's thread
	log    *slog.Logger
	once   sync.Once
	warned sync.Once
	jobs   chan func()
	wg     sync.WaitGroup
}

func newWorkers(n, nice int, log *slog.Logger) *workers {
	return &workers{n: n, nice: nice, log: log, jobs: make(chan func())}
}

// do runs fn on a worker and returns when it is done. The caller holds a
// search slot, so a worker is free or about to be.
func (w *workers) do(fn func()) {
	if !threadPriorities || w.nice == 0 {
		fn()
		return
	}
	w.once.Do(func() {
		for range w.n {
			w.wg.Go(w.loop)
		}
	})
	done := make(chan struct{})
	w.jobs <- func() {
		defer close(done)
		fn()
	}
	<-done
}

func (w *workers) loop() {
	runtime.LockOSThread() // never unlocked: the thread ends with the worker
	if err := lowerThreadPriority(w.nice); err != nil {
		w.warned.Do(func() {
			w.log.Warn("searches run at normal priority: pages may wait behind them", "err", err)
		})
	}
	for job := range w.jobs {
		job()
	}
}

// stop ends the workers; no do may be running or follow.
func (w *workers) stop() {
	w.once.Do(func() {}) // none started: none start later
	close(w.jobs)
	w.wg.Wait()
}
