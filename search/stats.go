package search

import (
	"sync/atomic"
	"time"
)

// Stats counts the searches an Index answered since it was opened, by
// outcome, for the server's /metrics. Every search counts in exactly one of
// the outcome fields; Slow counts answered searches that took longer than
// Options.SlowQuery.
type Stats struct {
	OK       uint64 // answered with hits
	Zero     uint64 // answered with no hits
	BadQuery uint64 // refused (400)
	NotReady uint64 // index not built yet (503)
	Busy     uint64 // too many searches at once (429)
	Timeout  uint64 // past the deadline
	Canceled uint64 // the caller gave up
	Failed   uint64 // internal errors
	Slow     uint64
}

type counters struct {
	ok, zero, badQuery, notReady, busy, timeout, canceled, failed, slow atomic.Uint64
}

func (c *counters) record(err error, total int, took, slow time.Duration) {
	switch outcome(err, total) {
	case "ok":
		c.ok.Add(1)
	case "zero":
		c.zero.Add(1)
	case "bad_query":
		c.badQuery.Add(1)
	case "not_ready":
		c.notReady.Add(1)
	case "busy":
		c.busy.Add(1)
	case "timeout":
		c.timeout.Add(1)
	case "canceled":
		c.canceled.Add(1)
	default:
		c.failed.Add(1)
	}
	if err == nil && took >= slow {
		c.slow.Add(1)
	}
}

// Stats returns the counters.
func (x *Index) Stats() Stats {
	c := &x.stats
	return Stats{
		OK: c.ok.Load(), Zero: c.zero.Load(), BadQuery: c.badQuery.Load(), NotReady: c.notReady.Load(),
		Busy: c.busy.Load(), Timeout: c.timeout.Load(), Canceled: c.canceled.Load(), Failed: c.failed.Load(),
		Slow: c.slow.Load(),
	}
}
