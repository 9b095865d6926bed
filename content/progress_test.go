package content

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heldFS is a folder whose file held cannot be opened until release closes.
type heldFS struct {
	fs.FS
	held    string
	opened  chan struct{}
	release chan struct{}
}

func (h *heldFS) Open(name string) (fs.File, error) {
	if name == h.held {
		close(h.opened)
		<-h.release
	}
	return h.FS.Open(name)
}

// TestLoadProgress: while a full load runs, Progress says it loads and how
// many files it listed; once it is over, that every one was settled.
func TestLoadProgress(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"a.md", "b.md", "c.md"} {
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte("# "+p+"\n\nText.\n"), 0o644))
	}
	files := &heldFS{FS: os.DirFS(root), held: "b.md", opened: make(chan struct{}), release: make(chan struct{})}
	lib := NewLibrary(files, Options{}, slog.New(slog.DiscardHandler))
	assert.False(t, lib.Progress().Loading, "nothing loads before Load")
	done := make(chan error, 1)
	go func() { done <- lib.Load(context.Background()) }()
	select {
	case <-files.opened:
	case <-time.After(30 * time.Second):
		t.Fatal("the load never read b.md")
	}
	p := lib.Progress()
	assert.True(t, p.Loading)
	assert.Equal(t, 3, p.Files)
	assert.Less(t, p.Done, 3, "b.md is not read yet")
	close(files.release)
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the load did not end")
	}
	assert.Equal(t, Progress{Files: 3, Done: 3}, lib.Progress())
}
