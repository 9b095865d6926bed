package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/themes"
)

// Files outside the content folder that no response may ever contain.
const (
	secretOutside = "TOP-SECRET-OUTSIDE-THE-ROOT"
	secretGit     = "GIT-CONFIG-SECRET"
	secretEnv     = "DOT-ENV-SECRET"
)

// testSite is a copy of testdata/site in a temporary folder, with what a
// repository checkout has and testdata cannot hold: a .git folder, a hidden
// file, and symbolic links that point out of the root.
type testSite struct {
	dir  string // the content root
	lib  *content.Library
	srv  *Server
	ts   *httptest.Server
	logs *syncBuffer
}

func newTestSite(t *testing.T) *testSite {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "site")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/site")))
	require.NoError(t, os.WriteFile(filepath.Join(base, "secret.txt"), []byte(secretOutside), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".git"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".git", "config"), []byte("[core]\n\tsecret = "+secretGit+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("TOKEN="+secretEnv+"\n"), 0o644))
	require.NoError(t, os.Symlink("../../secret.txt", filepath.Join(dir, "runbooks", "secret.txt")))
	require.NoError(t, os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(dir, "leak.txt")))
	require.NoError(t, os.Symlink("/etc", filepath.Join(dir, "etc")))
	require.NoError(t, os.Symlink("../secret.txt", filepath.Join(dir, "leak.md")))

	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, root.Close()) })
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	lib := content.NewLibrary(root.FS(), content.Options{}, log)
	require.NoError(t, lib.Load(context.Background()))
	site := newSite(t, lib, log)
	site.dir, site.logs = dir, logs
	return site
}

// testClock is the clock of the server's tests: two weeks after the dates of
// the webhook samples (2026-09-01), so that their tickets stay inside every
// report window whenever the tests run.
func testClock() time.Time { return time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC) }

// steppingClock starts at t and moves on a second at every reading, so that
// links written one after the other have distinct, ordered times.
func steppingClock(t time.Time) func() time.Time {
	var n atomic.Int64
	return func() time.Time { return t.Add(time.Duration(n.Add(1)) * time.Second) }
}

// newSite starts a real Server over lib in an httptest.Server.
func newSite(t *testing.T, lib *content.Library, log *slog.Logger) *testSite {
	t.Helper()
	theme, err := themes.Open("")
	require.NoError(t, err)
	srv, err := New(Deps{Library: lib, Theme: theme, Logger: log, Version: "v9.9.9-test", Now: testClock})
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testSite{lib: lib, srv: srv, ts: ts}
}

// newEmptyLibrary returns a library that has not loaded anything.
func newEmptyLibrary(t *testing.T) *content.Library {
	t.Helper()
	return content.NewLibrary(os.DirFS(t.TempDir()), content.Options{}, slog.New(slog.DiscardHandler))
}

// response is a fully read HTTP response.
type response struct {
	status int
	header http.Header
	body   string
}

// get requests path with optional header pairs ("Accept-Encoding", "gzip"),
// without following redirects or decompressing.
func (s *testSite) get(t *testing.T, path string, header ...string) response {
	t.Helper()
	return s.do(t, http.MethodGet, path, nil, header...)
}

func (s *testSite) do(t *testing.T, method, path string, body io.Reader, header ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, s.ts.URL+path, body)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer func() { assert.NoError(t, res.Body.Close()) }()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// syncBuffer collects log output from concurrent requests.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// contains reports whether the log has a line with every one of parts.
func (b *syncBuffer) hasLine(parts ...string) bool {
	for line := range strings.Lines(b.String()) {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return true
		}
	}
	return false
}
