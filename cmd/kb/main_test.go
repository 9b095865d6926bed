package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testClock is the clock of the command's tests: a fixed day, so that the
// dates kb writes and compares do not depend on when the tests run.
func testClock() time.Time { return time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC) }

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"version"}, env(nil), testClock, nil, &out, io.Discard))
	assert.Equal(t, "kb dev\n", out.String())
}

func TestUnknownCommand(t *testing.T) {
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"frobnicate"}, env(nil), testClock, nil, io.Discard, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "frobnicate")
	assert.Contains(t, errOut.String(), "kb serve")
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfg, err := parseConfig("serve", []string{"--addr", ":9999"}, env(map[string]string{
		"KB_ADDR": "127.0.0.1:1234", "KB_CONTENT": dir, "KB_LOG_FORMAT": "json", "KB_MAX_SIZE": "2MiB",
	}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, ":9999", cfg.Addr, "a flag wins over the environment")
	assert.Equal(t, dir, cfg.Content, "the environment wins over the default")
	assert.Equal(t, "json", cfg.LogFormat)
	assert.Equal(t, int64(2<<20), cfg.MaxSize)
	assert.Equal(t, "kb-data", cfg.Data, "default")
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "missing content", args: []string{"--content", "/no/such/dir"}, want: "--content"},
		{name: "bad addr", args: []string{"--addr", "8080"}, want: "--addr"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, want: "--log-format"},
		{name: "bad level", args: []string{"--log-level", "loud"}, want: "--log-level"},
		{name: "bad size", args: []string{"--max-size", "-1"}, want: "--max-size"},
		{name: "stray argument", args: []string{"extra"}, want: "no arguments"},
		{name: "unknown flag", args: []string{"--nope"}, want: "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig("serve", tt.args, env(nil), io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

var listening = regexp.MustCompile(`"?addr"?[=:]"?http://(127\.0\.0\.1:\d+)`)

// startServe runs kb serve with args on a free port and returns its base URL.
func startServe(t *testing.T, args ...string) (base string, logs *syncBuffer) {
	t.Helper()
	return startServeWith(t, nil, testClock, args...)
}

// startServeWith is startServe with environment variables and a clock.
func startServeWith(t *testing.T, vars map[string]string, clock func() time.Time, args ...string) (base string, logs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	done := make(chan error, 1)
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...)
	go func() { done <- run(ctx, args, env(vars), clock, nil, io.Discard, logs) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "kb serve shuts down cleanly")
		case <-time.After(time.Minute):
			t.Error("kb serve did not shut down")
		}
	})
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(logs.String()); m != nil {
			return "http://" + m[1], logs
		}
		select {
		case err := <-done:
			t.Fatalf("kb serve stopped: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("kb serve did not start:\n%s", logs.String())
	return "", nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
}

func TestServeExample(t *testing.T) {
	base, _ := startServe(t)
	status, body := get(t, base+"/healthz")
	assert.Equal(t, http.StatusOK, status)
	assert.NotEmpty(t, body)
	status, body = get(t, base+"/")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Acme Platform Knowledge Base", "the embedded example is served")
	status, _ = get(t, base+"/readyz")
	assert.Equal(t, http.StatusOK, status)
}

func TestServeContentFolder(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "runbooks", "etcd"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "runbooks", "etcd", "no-leader.md"), []byte("# etcd has no leader\n\nCheck the members.\n"), 0o644))
	base, logs := startServe(t, "--content", dir, "--log-format", "json")
	status, body := get(t, base+"/runbooks/etcd/no-leader")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "etcd has no leader")
	assert.Contains(t, body, "Check the members.")
	assert.True(t, strings.Contains(logs.String(), `"msg":"serving"`), "JSON logs")
}

// TestServeDiagrams: with the render cache of kb serve, which keeps rendered
// HTML out of the article, a page with a mermaid block still loads the
// diagram script, once its body is rendered.
func TestServeDiagrams(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"flow.md": "# Flow\n\n```mermaid\ngraph TD\n  A --> B\n```\n"})
	base, _ := startServe(t, "--content", dir)
	require.Eventually(t, func() bool {
		status, body := get(t, base+"/flow")
		return status == http.StatusOK && strings.Contains(body, `<code class="language-mermaid">`) && strings.Contains(body, "/static/mermaid.min.")
	}, time.Minute, 50*time.Millisecond, "the page with a diagram loads mermaid")
}
