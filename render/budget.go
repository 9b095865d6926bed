package render

import (
	"crypto/sha256"
	"errors"
	"runtime"
	"sync"
	"time"
)

// ErrTooSlow is returned (wrapped in a *LimitError) for a source whose
// render went past Options.Budget, now or earlier in the Renderer's life.
var ErrTooSlow = errors.New("too slow to render")

// maxSlowSources bounds the hashes of slow sources remembered.
const maxSlowSources = 4096

// slowSources runs renders within a time budget and remembers the sources
// that went past it.
type slowSources struct {
	mu    sync.Mutex
	known map[[sha256.Size]byte]bool
	// strays holds a token for each render past its budget that still runs,
	// so that abandoned renders never take more than GOMAXPROCS threads.
	strays chan struct{}
}

func newSlowSources() slowSources {
	return slowSources{known: map[[sha256.Size]byte]bool{}, strays: make(chan struct{}, runtime.GOMAXPROCS(0))}
}

// within runs render(in) and waits for it at most budget.
func (s *slowSources) within(budget time.Duration, in Input, render func(Input) (*Doc, error)) (*Doc, error) {
	key := sha256.Sum256(in.Source)
	tooSlow := &LimitError{Size: len(in.Source), Budget: budget, Err: ErrTooSlow}
	s.mu.Lock()
	if s.known[key] {
		s.mu.Unlock()
		return nil, tooSlow
	}
	s.mu.Unlock()
	type result struct {
		doc *Doc
		err error
	}
	done := make(chan result, 1)
	go func() {
		doc, err := render(in)
		done <- result{doc, err}
	}()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case res := <-done:
		return res.doc, res.err
	case <-timer.C:
	}
	s.mu.Lock()
	if len(s.known) >= maxSlowSources {
		clear(s.known)
	}
	s.known[key] = true
	s.mu.Unlock()
	select {
	case s.strays <- struct{}{}:
		go func() {
			<-done
			<-s.strays
		}()
	default:
		<-done // every stray slot is taken: this render is waited for, so no more run at once
	}
	return nil, tooSlow
}
