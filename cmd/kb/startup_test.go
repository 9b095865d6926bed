package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var listeningEarly = regexp.MustCompile(`"?url"?[=:]"?http://(127\.0\.0\.1:\d+)`)

// TestServeListensBeforeLoad: the listener opens before the content is
// read, so while the first load runs (held here) /healthz answers, /readyz
// says the content is loading and pages and the API answer 503 with
// Retry-After instead of hanging or refusing the connection; once the load
// is let through the same server serves the page.
func TestServeListensBeforeLoad(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"runbooks/disk-full.md": "# Disk full\n\nFree some space.\n"})
	logs := &syncBuffer{}
	cfg, err := parseConfig("serve", []string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--content", dir}, env(nil), io.Discard)
	require.NoError(t, err)
	held, release := make(chan struct{}), make(chan struct{})
	cfg.beforeLoad = func(ctx context.Context) {
		close(held)
		select {
		case <-release:
		case <-ctx.Done():
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, testClock, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "kb serve shuts down cleanly")
		case <-time.After(time.Minute):
			t.Error("kb serve did not shut down")
		}
	})
	select {
	case <-held:
	case err := <-done:
		t.Fatalf("kb serve stopped: %v\n%s", err, logs.String())
	case <-time.After(time.Minute):
		t.Fatalf("the load was never reached:\n%s", logs.String())
	}
	m := listeningEarly.FindStringSubmatch(logs.String())
	require.NotNil(t, m, "the listener's URL is logged before the load:\n%s", logs.String())
	base := "http://" + m[1]

	status, _ := get(t, base+"/healthz")
	assert.Equal(t, http.StatusOK, status, "/healthz answers while loading")

	res, err := http.Get(base + "/readyz")
	require.NoError(t, err)
	var ready struct{ Status, Error string }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&ready))
	res.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Equal(t, "not ready", ready.Status)
	assert.Contains(t, ready.Error, "loading")
	assert.NotEmpty(t, res.Header.Get("Retry-After"))

	for _, path := range []string{"/", "/runbooks/disk-full", "/search?q=disk", "/api/v1/search?q=disk", "/api/v1/articles"} {
		res, err := http.Get(base + path)
		require.NoError(t, err, path)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode, path)
		assert.NotEmpty(t, res.Header.Get("Retry-After"), path)
		assert.Regexp(t, "not loaded yet|being built", string(body), path)
	}
	assert.NotContains(t, logs.String(), `"msg":"serving"`)

	close(release)
	deadline := time.Now().Add(time.Minute)
	for {
		status, body := get(t, base+"/runbooks/disk-full")
		if status == http.StatusOK {
			assert.Contains(t, body, "Free some space.")
			break
		}
		require.Equal(t, http.StatusServiceUnavailable, status, "only 503 while loading")
		require.True(t, time.Now().Before(deadline), "the page was never served")
		time.Sleep(20 * time.Millisecond)
	}
	status, _ = get(t, base+"/readyz")
	assert.Equal(t, http.StatusOK, status)
}

// TestServeStopsWhileLoading: a signal during the first load ends kb
// cleanly, without waiting for the load.
func TestServeStopsWhileLoading(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.md": "# A\n"})
	cfg, err := parseConfig("serve", []string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--content", dir}, env(nil), io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cfg.beforeLoad = func(ctx context.Context) {
		cancel() // the signal arrives during the load
		<-ctx.Done()
	}
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, testClock, &syncBuffer{}) }()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("kb serve did not stop")
	}
}
