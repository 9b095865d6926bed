package server

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBadTokensRateLimited: past authFailBurst failures from one address,
// the next attempt gets 429 with Retry-After before its token is looked at;
// the allowance comes back with time.
func TestBadTokensRateLimited(t *testing.T) {
	var offset atomic.Int64 // what the test's clock has advanced
	clock := func() time.Time { return testClock().Add(time.Duration(offset.Load())) }
	site := newLinkSite(t, func(d *Deps) { d.Now = clock })
	body := linkBody("RL-1", "etcd-no-leader")

	good := site.post(t, "/api/v1/links", site.write, body)
	require.Equal(t, http.StatusCreated, good.status, "good tokens spend nothing")
	for i := range authFailBurst {
		res := site.post(t, "/api/v1/links", "kb_wrong", body)
		require.Equal(t, http.StatusUnauthorized, res.status, "failure %d", i+1)
	}
	res := site.post(t, "/api/v1/links", "kb_wrong", body)
	require.Equal(t, http.StatusTooManyRequests, res.status, res.body)
	assert.Contains(t, errorOf(t, res), "Too many failed attempts")
	retry, err := strconv.Atoi(res.header.Get("Retry-After"))
	require.NoError(t, err)
	assert.Equal(t, int(authFailEvery/time.Second), retry)
	res = site.post(t, "/api/v1/hooks/jira", "", `{}`, "Authorization", "Bearer wrong")
	assert.Equal(t, http.StatusTooManyRequests, res.status, "webhook secrets share the allowance")
	res = site.post(t, "/api/v1/links", site.write, body)
	assert.Equal(t, http.StatusTooManyRequests, res.status, "a limited address is refused before its token is checked")

	offset.Add(int64(authFailEvery))
	res = site.post(t, "/api/v1/links", site.write, body)
	assert.Equal(t, http.StatusOK, res.status, "the allowance comes back: %s", res.body)
}

func TestFailLimiterPerAddress(t *testing.T) {
	l := newFailLimiter(testClock)
	req := func(addr string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = addr
		return r
	}
	for range authFailBurst {
		l.failed(req("192.0.2.1:1000"))
	}
	assert.Positive(t, l.wait(req("192.0.2.1:2000")), "the port does not matter")
	assert.Zero(t, l.wait(req("192.0.2.2:1000")), "another address is not slowed")
	for range authFailBurst {
		l.failed(req("[2001:db8::1]:1000"))
	}
	assert.Positive(t, l.wait(req("[2001:db8::2]:1000")), "an IPv6 client by its /64")
	assert.Zero(t, l.wait(req("[2001:db8:0:1::1]:1000")))

	for i := range authFailClients + 10 {
		l.failed(req("10.0." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250) + ":1"))
	}
	assert.LessOrEqual(t, len(l.m), authFailClients, "the memory is bounded")
}
