package content

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mkfifo makes a real named pipe at path, or skips where there are none.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
}

// within fails the test when f does not return within a generous deadline:
// what it guards against is blocking forever, not slowness.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s blocked", what)
	}
}

// TestNamedPipesNeverBlock: FIFOs in the content folder, named .md or not,
// and symbolic links to one, are skipped with a warning; loading, reloading
// and opening attachments never wait on them.
func TestNamedPipesNeverBlock(t *testing.T) {
	dir := writeTree(t, map[string]string{"ok.md": "# OK\n", "img/real.png": "png"})
	mkfifo(t, filepath.Join(dir, "pipe.md"))
	mkfifo(t, filepath.Join(dir, "img", "pipe.png"))
	require.NoError(t, os.Symlink("pipe.md", filepath.Join(dir, "link.md")))
	require.NoError(t, os.Symlink("pipe.png", filepath.Join(dir, "img", "link.png")))
	files := rootFS(t, dir)

	var snap *Snapshot
	within(t, "Load", func() {
		var err error
		snap, err = Load(context.Background(), files, Options{})
		require.NoError(t, err)
	})
	_, ok := snap.ByPath("ok.md")
	assert.True(t, ok)
	_, ok = snap.ByPath("pipe.md")
	assert.False(t, ok, "a FIFO is no article")
	kinds := map[string]WarningKind{}
	for w := range snap.AllWarnings() {
		kinds[w.Path] = w.Kind
	}
	assert.Equal(t, WarnNotRegular, kinds["pipe.md"])
	assert.Equal(t, WarnNotRegular, kinds["img/pipe.png"])
	assert.Equal(t, WarnNotRegular, kinds["link.md"], "a link to a FIFO, found on the opened handle")
	within(t, "opening a link to a FIFO as an attachment", func() {
		_, _, err := snap.Open("img/link.png")
		assert.Error(t, err)
	})
	within(t, "opening a FIFO directly", func() {
		_, err := files.Open("pipe.md")
		assert.True(t, errors.Is(err, ErrNotRegular), "%v", err)
		_, err = fs.ReadFile(files, "img/pipe.png")
		assert.True(t, errors.Is(err, ErrNotRegular), "%v", err)
	})

	lib := NewLibrary(files, Options{}, slog.New(slog.DiscardHandler))
	within(t, "Library.Load and Apply", func() {
		require.NoError(t, lib.Load(context.Background()))
		mkfifo(t, filepath.Join(dir, "later.md"))
		_, err := lib.Apply(context.Background(), []string{"later.md", "ok.md"})
		require.NoError(t, err)
	})
}

// TestRenderBudgetVerdict: a file past the render budget is served with a
// notice and a too-slow warning, and a reload does not render it again.
func TestRenderBudgetVerdict(t *testing.T) {
	big := ""
	for range 3000 {
		big += "A paragraph with *emphasis* and a [link](https://example.com).\n\n"
	}
	dir := writeTree(t, map[string]string{"slow.md": "---\ntitle: Slow\n---\n\n" + big})
	lib := NewLibrary(rootFS(t, dir), Options{RenderBudget: time.Nanosecond}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	a, ok := lib.Snapshot().ByPath("slow.md")
	require.True(t, ok)
	assert.Contains(t, a.Unrendered, "took longer than 1ns to render")
	require.NotEmpty(t, a.Warnings)
	assert.Equal(t, WarnTooSlow, a.Warnings[len(a.Warnings)-1].Kind)
	assert.Equal(t, "Slow", a.Title, "the front matter still applies")

	_, err := lib.Apply(context.Background(), []string{"slow.md"})
	require.NoError(t, err)
	a, _ = lib.Snapshot().ByPath("slow.md")
	assert.Contains(t, a.Unrendered, "took longer", "the verdict stands while the file is unchanged")
}

// TestMaxFiles: a folder with more files than Options.MaxFiles fails to
// load with ErrTooManyFiles, and a Library keeps the content it had.
func TestMaxFiles(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n", "b.md": "# B\n", "img.png": "png"})
	lib := NewLibrary(rootFS(t, dir), Options{MaxFiles: 3}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.md"), []byte("# C\n"), 0o644))
	err := lib.Load(context.Background())
	require.ErrorIs(t, err, ErrTooManyFiles)
	assert.ErrorContains(t, err, "4 files, more than 3")
	assert.Len(t, lib.Snapshot().Articles, 2, "the content loaded before is served")
	assert.ErrorIs(t, lib.Err(), ErrTooManyFiles, "and the failure is reported")
}
