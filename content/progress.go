package content

import "sync/atomic"

// Progress is how far a full load (Library.Load) has come: kb serve's
// /readyz shows it while the first snapshot is not yet published.
type Progress struct {
	Loading bool // a full load runs
	Files   int  // Markdown files listed; 0 while the folder is being listed
	Done    int  // of them, read and rendered (or found in the render cache)
}

// loadProgress is the counters one full load updates; a nil one counts nothing.
type loadProgress struct {
	running     atomic.Bool
	files, done atomic.Int64
}

func (p *loadProgress) listed(n int) {
	if p != nil {
		p.files.Store(int64(n))
		p.done.Store(0)
	}
}

func (p *loadProgress) settled(n int) {
	if p != nil {
		p.done.Add(int64(n))
	}
}

// Progress returns how far the full load that runs has come.
func (l *Library) Progress() Progress {
	p := &l.progress
	return Progress{Loading: p.running.Load(), Files: int(p.files.Load()), Done: int(p.done.Load())}
}
