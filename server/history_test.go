package server

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/themes"
)

// gitSite serves a git repository with one article changed twice.
func gitSite(t *testing.T) *testSite {
	t.Helper()
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=Ada Author", "-c", "user.email=ada@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	write := func(p, body string) {
		t.Helper()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644))
	}
	git("init", "-q", "-b", "main")
	write("runbooks/disk.md", "# Disk full\n\nDelete old logs.\n")
	git("add", ".")
	git("commit", "-q", "-m", "Add the disk runbook")
	write("runbooks/disk.md", "# Disk full\n\nDelete old logs, then <script>alert(1)</script> rotate them.\n")
	git("commit", "-q", "-am", "Rotate logs too")

	ctx := context.Background()
	repo, err := content.OpenGit(ctx, dir, "")
	require.NoError(t, err)
	t.Cleanup(func() { repo.Close() })
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	lib := content.NewLibrary(root.FS(), content.Options{Git: repo}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(ctx))
	theme, err := themes.Open("")
	require.NoError(t, err)
	srv, err := New(Deps{Library: lib, Theme: theme, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return &testSite{lib: lib, srv: srv, ts: newHTTPTestServer(t, srv)}
}

func TestHistory(t *testing.T) {
	s := gitSite(t)
	page := s.get(t, "/runbooks/disk")
	require.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, page.body, "by Ada Author", "last updated by whom")
	assert.Contains(t, page.body, "Rotate logs too", "the commit subject")
	assert.Contains(t, page.body, `href="/runbooks/disk/history"`)

	list := s.get(t, "/runbooks/disk/history")
	require.Equal(t, http.StatusOK, list.status)
	assert.Contains(t, list.body, "Add the disk runbook")
	assert.Contains(t, list.body, "Rotate logs too")
	hashes := regexp.MustCompile(`/runbooks/disk/history/([0-9a-f]{40})"`).FindAllStringSubmatch(list.body, -1)
	require.Len(t, hashes, 2)

	old := s.get(t, "/runbooks/disk/history/"+hashes[0][1][:12])
	require.Equal(t, http.StatusOK, old.status)
	assert.Contains(t, old.body, `diff-add`, "the diff against the previous version")
	assert.Contains(t, old.body, "rotate them")
	assertNoExecutable(t, old.body)

	first := s.get(t, "/runbooks/disk/history/"+hashes[1][1])
	require.Equal(t, http.StatusOK, first.status)
	assert.NotContains(t, first.body, "rotate them", "the old version as it was")

	assert.Equal(t, http.StatusNotFound, s.get(t, "/runbooks/disk/history/deadbeef").status)
	assert.Equal(t, http.StatusNotFound, s.get(t, "/runbooks/disk/history/zz").status)
	assert.Equal(t, http.StatusNotFound, s.get(t, "/runbooks/nope/history").status)
}

func TestHistoryWithoutGit(t *testing.T) {
	s := newTestSite(t)
	r := s.get(t, "/runbooks/etcd/no-leader/history")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Contains(t, r.body, "not a git repository")
}

// TestHistoryCompare: any two versions compare at /history/{a}..{b}, in
// either order, with the changed words marked and the lines single-spaced;
// bad ranges answer 400 or 404 pages.
func TestHistoryCompare(t *testing.T) {
	s := gitSite(t)
	list := s.get(t, "/runbooks/disk/history")
	hashes := regexp.MustCompile(`/runbooks/disk/history/([0-9a-f]{40})"`).FindAllStringSubmatch(list.body, -1)
	require.Len(t, hashes, 2)
	newer, older := hashes[0][1], hashes[1][1]
	assert.Contains(t, list.body, `href="/runbooks/disk/history/`+older+`..`+newer+`"`, "compare with the latest")
	assert.Contains(t, list.body, `<select name="from">`, "the compare form")

	for _, r := range []string{older + ".." + newer, newer[:7] + ".." + older[:7]} {
		page := s.get(t, "/runbooks/disk/history/"+r)
		require.Equal(t, http.StatusOK, page.status, r)
		assert.Contains(t, page.body, "What changed between these versions")
		assert.Contains(t, page.body, `<span class="diff-line diff-del">-Delete old logs.</span>`, r)
		assert.Contains(t, page.body, `<span class="diff-line diff-add">&#43;Delete old logs<mark class="diff-word">, then &lt;script&gt;alert(1)&lt;/script&gt; rotate them</mark>.</span>`, r)
		assert.Contains(t, page.body, "rotate them.</p>", "the newer version shown, whichever order the URL gave")
		assert.NotContains(t, page.body, "</span>\n<span class=\"diff-line", "one line each, no blank line between")
		assertNoExecutable(t, page.body)
	}

	// The one-commit diff marks words too.
	one := s.get(t, "/runbooks/disk/history/"+newer)
	assert.Contains(t, one.body, `<mark class="diff-word">`)

	form := s.get(t, "/runbooks/disk/history?from="+older+"&to="+newer)
	assert.Equal(t, http.StatusFound, form.status)
	assert.Equal(t, "/runbooks/disk/history/"+older+".."+newer, form.header.Get("Location"))

	for path, want := range map[string]int{
		"/runbooks/disk/history/" + older + "..zz":         http.StatusBadRequest,
		"/runbooks/disk/history/" + older + "...." + newer: http.StatusBadRequest,
		"/runbooks/disk/history/deadbeef.." + newer:        http.StatusNotFound,
		"/runbooks/disk/history/" + older + "..deadbeef":   http.StatusNotFound,
		"/runbooks/disk/history?from=zz&to=" + newer:       http.StatusBadRequest,
		"/runbooks/nope/history/" + older + ".." + newer:   http.StatusNotFound,
	} {
		r := s.get(t, path)
		assert.Equal(t, want, r.status, path)
		assert.Contains(t, r.header.Get("Content-Type"), "text/html", path)
	}
}
