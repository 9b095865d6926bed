package server

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/themes"
)

// pushCounter is the Puller of liveSite: it counts the pulls asked for.
type pushCounter struct{ atomic.Int32 }

func (p *pushCounter) Push() { p.Add(1) }

// liveSite serves a temporary folder with live reload on and a git push hook
// that counts its calls.
func liveSite(t *testing.T, secret string) (*testSite, string, *pushCounter) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.md"), []byte("# A\n"), 0o644))
	if secret != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "kb.yaml"), []byte("webhook_secrets: {git: "+secret+"}\n"), 0o644))
	}
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	lib := content.NewLibrary(root.FS(), content.Options{}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	theme, err := themes.Open("")
	require.NoError(t, err)
	var pushes pushCounter
	srv, err := New(Deps{Library: lib, Theme: theme, Logger: slog.New(slog.DiscardHandler), Live: true, Puller: &pushes})
	require.NoError(t, err)
	return &testSite{lib: lib, srv: srv, ts: newHTTPTestServer(t, srv)}, dir, &pushes
}

func TestLiveEvents(t *testing.T) {
	s, dir, _ := liveSite(t, "")
	page := s.get(t, "/a")
	assert.Contains(t, page.body, `data-live="/api/v1/events"`)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.ts.URL+"/api/v1/events", nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	lines := bufio.NewScanner(res.Body)
	next := func() string { // the data of the next version event
		for lines.Scan() {
			if v, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
				return v
			}
		}
		return ""
	}
	first := next()
	assert.Equal(t, s.lib.Snapshot().Version, first, "the version at connect")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.md"), []byte("# A changed\n"), 0o644))
	_, err = s.lib.Apply(context.Background(), []string{"a.md"})
	require.NoError(t, err)
	second := next()
	assert.NotEqual(t, first, second, "a new snapshot is announced")
	assert.Equal(t, s.lib.Snapshot().Version, second)
}

func TestLiveOff(t *testing.T) {
	s := newTestSite(t)
	assert.Equal(t, http.StatusNotFound, s.get(t, "/api/v1/events").status)
	assert.NotContains(t, s.get(t, "/").body, "data-live")
}

func TestGitPushHook(t *testing.T) {
	s, _, pushes := liveSite(t, "s3cret")
	body := `{"ref":"refs/heads/main"}`
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write([]byte(body))
	sig := hex.EncodeToString(mac.Sum(nil))
	tests := []struct {
		name   string
		header []string
		status int
	}{
		{name: "github", header: []string{"X-Hub-Signature-256", "sha256=" + sig}, status: 202},
		{name: "gitea", header: []string{"X-Gitea-Signature", sig}, status: 202},
		{name: "gitlab", header: []string{"X-Gitlab-Token", "s3cret"}, status: 202},
		{name: "shared secret", header: []string{"X-KB-Secret", "s3cret"}, status: 202},
		{name: "bad signature", header: []string{"X-Hub-Signature-256", "sha256=" + strings.Repeat("0", 64)}, status: 401},
		{name: "wrong secret", header: []string{"X-Gitlab-Token", "nope"}, status: 401},
		{name: "nothing", status: 401},
	}
	want := int32(0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, http.MethodPost, "/api/v1/hooks/git", strings.NewReader(body), tt.header...)
			assert.Equal(t, tt.status, r.status, r.body)
			if tt.status == 202 {
				want++
			}
			assert.Equal(t, want, pushes.Load(), "only verified pushes fetch")
		})
	}
}

func TestGitPushHookOff(t *testing.T) {
	s, _, _ := liveSite(t, "")
	r := s.do(t, http.MethodPost, "/api/v1/hooks/git", strings.NewReader("{}"), "X-KB-Secret", "x")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, apiError(t, r), "webhook_secrets.git")
}
