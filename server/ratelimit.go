package server

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v5"
	"golang.org/x/time/rate"
)

// Failed credentials (an unknown token, a wrong webhook secret) are limited
// per client address: a burst of authFailBurst, then one per
// authFailEvery. Only failures spend the allowance, so a client with a good
// token is never slowed; a client past it gets 429 before its credential is
// even looked at, so guessing gains nothing by going faster.
const (
	authFailBurst = 20
	authFailEvery = 3 * time.Second
	// authFailClients bounds the addresses remembered; past it the ones
	// whose allowance is whole again are forgotten first.
	authFailClients = 10000
)

// failLimiter counts failed authentications per client address.
type failLimiter struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[netip.Prefix]*rate.Limiter
}

func newFailLimiter(now func() time.Time) *failLimiter {
	return &failLimiter{now: now, m: map[netip.Prefix]*rate.Limiter{}}
}

// clientKey is the address a request comes from: the peer of the TCP
// connection (headers such as X-Forwarded-For can be forged), an IPv6
// address by its /64, which one client usually holds whole.
func clientKey(r *http.Request) netip.Prefix {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}
	}
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// wait returns how long the client must wait before its next attempt, 0
// when it may try now.
func (l *failLimiter) wait(r *http.Request) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.m[clientKey(r)]
	if lim == nil {
		return 0
	}
	tokens := lim.TokensAt(l.now())
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) * float64(authFailEvery))
}

// failed spends one attempt of the client's allowance.
func (l *failLimiter) failed(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key, now := clientKey(r), l.now()
	lim := l.m[key]
	if lim == nil {
		if len(l.m) >= authFailClients {
			l.forget(now)
		}
		lim = rate.NewLimiter(rate.Every(authFailEvery), authFailBurst)
		l.m[key] = lim
	}
	lim.AllowN(now, 1)
}

// forget drops the clients whose allowance is whole again, or, when none
// is, an arbitrary half: the map never grows past authFailClients.
func (l *failLimiter) forget(now time.Time) {
	for k, lim := range l.m {
		if lim.TokensAt(now) >= authFailBurst {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) < authFailClients/2 {
			break
		}
		delete(l.m, k)
	}
}

// tooManyFailures is the 429 of a client past its allowance.
func tooManyFailures(c *echo.Context, wait time.Duration) error {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return echo.NewHTTPError(http.StatusTooManyRequests, "Too many failed attempts with a wrong token or secret from this address: retry in "+strconv.Itoa(secs)+" s.")
}
