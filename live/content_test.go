package live

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/search"
)

// deadline bounds every wait for background work: generous, so that a
// loaded machine does not fail the tests.
const deadline = 30 * time.Second

const diskRunbook = "# Disk full\n\nFree space on the volume.\n\n```sh\ndf -h\n```\n"

func write(t *testing.T, dir, rel, text string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
}

// folderLibrary loads the folder dir as kb serve does: code blocks left
// plain for the first load.
func folderLibrary(t *testing.T, dir string) *content.Library {
	t.Helper()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	lib := content.NewLibrary(root.FS(), content.Options{DeferHighlight: true}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	return lib
}

// openIndex opens a search index on disk below t.TempDir().
func openIndex(t *testing.T) *search.Index {
	t.Helper()
	idx, err := search.Open(filepath.Join(t.TempDir(), "index"), search.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, idx.Close()) })
	return idx
}

// start runs c until the test ends, then cancels it and waits for it.
func start(t *testing.T, c *Content) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); waitDone(t, done) })
}

// found returns the ids of the articles a search for text finds, nil while
// the index is not ready.
func found(idx *search.Index, text string) []string {
	res, err := idx.Search(context.Background(), search.Query{Text: text})
	if err != nil {
		return nil
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func finds(idx *search.Index, text, id string) func() bool {
	return func() bool { return slices.Contains(found(idx, text), id) }
}

func TestRunHighlightsAndIndexes(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "runbooks/disk-full.md", diskRunbook)
	lib := folderLibrary(t, dir)
	a, ok := lib.Snapshot().ByURL("/runbooks/disk-full")
	require.True(t, ok)
	require.True(t, a.Doc.Unhighlighted, "the first load leaves code plain")
	idx := openIndex(t)

	c := New(Deps{Library: lib, Index: idx})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	waitDone(t, done) // nothing to watch or pull: Run ends after the first sync
	cancel()

	a, ok = lib.Snapshot().ByURL("/runbooks/disk-full")
	require.True(t, ok)
	assert.False(t, a.Doc.Unhighlighted, "code highlighted in the background")
	assert.True(t, idx.Ready())
	assert.Equal(t, lib.Snapshot().Version, idx.Status().ContentVersion, "the index is synced to the snapshot served")
	assert.Contains(t, found(idx, "volume"), a.ID)
}

func TestRunWithoutIndex(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.md", diskRunbook)
	lib := folderLibrary(t, dir)
	c := New(Deps{Library: lib})
	done := make(chan struct{})
	go func() { c.Run(context.Background()); close(done) }()
	waitDone(t, done)
	a, ok := lib.Snapshot().ByURL("/a")
	require.True(t, ok)
	assert.False(t, a.Doc.Unhighlighted)
}

func TestRunWatchesFolder(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "runbooks/disk-full.md", diskRunbook)
	lib := folderLibrary(t, dir)
	idx := openIndex(t)
	ready := make(chan struct{})
	start(t, New(Deps{Library: lib, Index: idx, WatchDir: dir, WatchReady: func() { close(ready) }}))
	require.Eventually(t, finds(idx, "volume", "runbooks-disk-full"), deadline, 20*time.Millisecond)
	select {
	case <-ready:
	case <-time.After(deadline):
		t.Fatal("the folder was never watched")
	}

	write(t, dir, "runbooks/dns.md", "# DNS fails\n\nRestart the resolver daemon.\n")
	require.Eventually(t, finds(idx, "resolver", "runbooks-dns"), deadline, 20*time.Millisecond,
		"a new file is indexed without a restart")
	_, ok := lib.Snapshot().ByURL("/runbooks/dns")
	assert.True(t, ok, "and served")

	require.NoError(t, os.Remove(filepath.Join(dir, "runbooks", "disk-full.md")))
	require.Eventually(t, func() bool { return !slices.Contains(found(idx, "volume"), "runbooks-disk-full") }, deadline, 20*time.Millisecond,
		"a deleted file leaves the index")
}

func TestRunPullsOnPushAndInterval(t *testing.T) {
	origin := newGitRepo(t)
	write(t, origin.dir, "runbooks/disk-full.md", diskRunbook)
	origin.commit("disk runbook")
	clone := filepath.Join(t.TempDir(), "clone")
	origin.run(".", "clone", "-q", origin.dir, clone)
	repo, err := content.OpenGit(context.Background(), clone, "origin/main")
	require.NoError(t, err)
	t.Cleanup(func() { repo.Close() })
	lib := content.NewGitLibrary(repo, content.Options{}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	idx := openIndex(t)

	t.Run("push", func(t *testing.T) {
		c := New(Deps{Library: lib, Index: idx, Pull: true}) // no interval: only a push pulls
		start(t, c)
		require.Eventually(t, finds(idx, "volume", "runbooks-disk-full"), deadline, 20*time.Millisecond)
		write(t, origin.dir, "runbooks/dns.md", "# DNS fails\n\nRestart the resolver daemon.\n")
		origin.commit("dns runbook")
		c.Push()
		c.Push() // a second push while one is due changes nothing
		require.Eventually(t, finds(idx, "resolver", "runbooks-dns"), deadline, 20*time.Millisecond)
		_, ok := lib.Snapshot().ByURL("/runbooks/dns")
		assert.True(t, ok)
	})

	t.Run("interval", func(t *testing.T) {
		start(t, New(Deps{Library: lib, Index: idx, Pull: true, PullInterval: 50 * time.Millisecond}))
		write(t, origin.dir, "runbooks/tls.md", "# TLS expired\n\nRenew the certificate.\n")
		origin.commit("tls runbook")
		require.Eventually(t, finds(idx, "certificate", "runbooks-tls"), deadline, 20*time.Millisecond)
	})
}

func TestPushNeverBlocks(t *testing.T) {
	c := New(Deps{})
	for range 3 {
		c.Push() // nothing pulls: the second and third find one due
	}
}

// gitRepo is a real git repository in a temporary folder, with a fixed
// identity and without the machine's git configuration.
type gitRepo struct {
	t   *testing.T
	dir string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull) // kb's own git commands too
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	r := &gitRepo{t: t, dir: t.TempDir()}
	r.run(r.dir, "init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) commit(msg string) {
	r.t.Helper()
	r.run(r.dir, "add", "-A")
	r.run(r.dir, "commit", "-q", "-m", msg)
}

func (r *gitRepo) run(dir string, args ...string) {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Ada Author", "GIT_AUTHOR_EMAIL=ada@example.com",
		"GIT_COMMITTER_NAME=Ada Author", "GIT_COMMITTER_EMAIL=ada@example.com")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(r.t, cmd.Run(), "git %v: %s", args, stderr.String())
}

// TestIndexLag: the lag counts from when the index fell behind the content
// served, and is 0 once it holds it.
func TestIndexLag(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "runbooks/disk-full.md", diskRunbook)
	lib := folderLibrary(t, dir)
	idx := openIndex(t)
	var mu sync.Mutex
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := New(Deps{Library: lib, Index: idx, Now: clock})
	advance(time.Minute)
	assert.Equal(t, time.Minute, c.IndexLag(), "not built yet: behind since the start")

	done := make(chan struct{})
	go func() { c.Run(context.Background()); close(done) }()
	waitDone(t, done) // the first sync
	assert.Zero(t, c.IndexLag())

	write(t, dir, "runbooks/dns.md", "# DNS fails\n")
	upd, err := lib.Apply(context.Background(), []string{"runbooks/dns.md"})
	require.NoError(t, err)
	lag := c.IndexLag() // the publish is seen here (reindex, or the first scrape after it)
	advance(3 * time.Second)
	assert.Equal(t, lag+3*time.Second, c.IndexLag(), "behind, and counting")
	c.reindex(context.Background(), upd)
	assert.Zero(t, c.IndexLag(), "caught up")
	assert.Zero(t, New(Deps{Library: lib}).IndexLag(), "no index, no lag")
}

// TestRunCatchesEditsBeforeTheWatch: a file saved after the first load read
// it but before the folder was watched (kb serve's start-up, when the
// watcher starts after the load) is taken in once the watch begins, not
// left out until the file changes again.
func TestRunCatchesEditsBeforeTheWatch(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "runbooks/disk-full.md", diskRunbook)
	lib := folderLibrary(t, dir)
	write(t, dir, "runbooks/disk-full.md", "# Disk full\n\nMove the logs to the archive volume.\n")
	write(t, dir, "runbooks/dns.md", "# DNS fails\n\nRestart the resolver daemon.\n")
	idx := openIndex(t)
	ready := make(chan struct{})
	start(t, New(Deps{Library: lib, Index: idx, WatchDir: dir, WatchReady: func() { close(ready) }}))
	select {
	case <-ready:
	case <-time.After(deadline):
		t.Fatal("the folder was never watched")
	}
	a, ok := lib.Snapshot().ByURL("/runbooks/disk-full")
	require.True(t, ok)
	assert.Contains(t, a.Doc.Text, "archive volume", "the edit made before the watch is served once it is ready")
	_, ok = lib.Snapshot().ByURL("/runbooks/dns")
	assert.True(t, ok, "and the file added then")
	require.Eventually(t, finds(idx, "archive", "runbooks-disk-full"), deadline, 20*time.Millisecond, "and searchable")
}
