package content

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWalkCompareIsWalkOrder(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, p := range []string{"a/b.md", "a-b.md", "a.md", "a/c/d.md", "a/c.md", "b/a.md", "A.md", "a/b/c.md"} {
		fsys[p] = &fstest.MapFile{Data: []byte("x")}
	}
	var walked []string
	require.NoError(t, fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			walked = append(walked, p)
		}
		return err
	}))
	sorted := slices.Clone(walked)
	slices.Reverse(sorted)
	slices.SortFunc(sorted, walkCompare)
	assert.Equal(t, walked, sorted)
}

// TestApplyRelists: an edit, a new file, a removed file and a removed folder
// reported by the watcher give the snapshot a full load gives, without a walk.
func TestApplyRelists(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	write := func(p, s string) {
		full := filepath.Join(root, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(s), 0o644))
	}
	write("runbooks/a.md", "# A\n\nSee [b](b.md) and [img](pic.png).\n")
	write("runbooks/b.md", "# B\n")
	write("runbooks/old/c.md", "# C\n")
	write("runbooks/pic.png", "png")
	write("articles/d.md", "# D\n")
	lib := NewLibrary(os.DirFS(root), Options{}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(ctx))
	require.True(t, lib.Snapshot().relistable)

	write("runbooks/a.md", "# A edited\n\nSee [b](b.md) and [img](pic.png).\n")
	write("runbooks/a-new.md", "# New\n")
	require.NoError(t, os.Remove(filepath.Join(root, "runbooks/b.md")))
	require.NoError(t, os.Remove(filepath.Join(root, "runbooks/pic.png")))
	require.NoError(t, os.RemoveAll(filepath.Join(root, "runbooks/old")))
	in := buildInput{files: os.DirFS(root), prev: lib.Snapshot(), hints: []string{"runbooks/a.md", "runbooks/a-new.md", "runbooks/b.md", "runbooks/pic.png", "runbooks/old"}}
	_, _, ok := relist(in)
	require.True(t, ok, "these changes need no walk")
	upd, err := lib.Apply(ctx, in.hints)
	require.NoError(t, err)
	full, err := Load(ctx, os.DirFS(root), Options{})
	require.NoError(t, err)

	paths := func(s *Snapshot) (out []string) {
		for _, a := range s.Articles {
			out = append(out, a.Path+" "+a.Title)
		}
		return out
	}
	assert.Equal(t, paths(full), paths(upd.Snapshot))
	assert.Equal(t, full.listed, upd.Snapshot.listed, "the same listing, in walk order")
	assert.Empty(t, full.attached)
	assert.Empty(t, upd.Snapshot.attached)
	a, _ := upd.Snapshot.ByPath("runbooks/a.md")
	assert.True(t, a.Doc.Links[0].Broken && a.Doc.Links[1].Broken, "links to the removed files are broken")

	// A new folder needs a walk, and gets one.
	write("runbooks/new/e.md", "# E\n")
	_, _, ok = relist(buildInput{files: os.DirFS(root), prev: lib.Snapshot(), hints: []string{"runbooks/new"}})
	assert.False(t, ok)
	upd, err = lib.Apply(ctx, []string{"runbooks/new"})
	require.NoError(t, err)
	_, found := upd.Snapshot.ByPath("runbooks/new/e.md")
	assert.True(t, found)
}
