package gitrepo

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/gitrepo/gitrepotest"
)

// hidden is the Skip of these tests: dot files and folders, as kb skips them.
func hidden(p string) bool {
	return slices.ContainsFunc(strings.Split(p, "/"), func(s string) bool { return strings.HasPrefix(s, ".") })
}

func open(t testing.TB, dir, ref string) *Repo {
	t.Helper()
	repo, err := Open(context.Background(), dir, Options{Ref: ref, Skip: hidden})
	require.NoError(t, err)
	t.Cleanup(func() { repo.Close() })
	return repo
}

func TestFS(t *testing.T) {
	r := gitrepotest.New(t)
	first := r.CommitFiles("first", map[string]string{
		"runbooks/disk.md":   "# Disk full\n",
		"articles/intro.md":  "# Intro\n\nSee [disk](../runbooks/disk.md).\n",
		"img/diagram.svg":    "<svg/>",
		".github/ci.yml":     "on: push",
		"notes/.draft.md":    "# draft",
		"kb.yaml":            "title: Test KB\n",
		"runbooks/script.sh": "#!/bin/sh\n",
	})
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(r.Dir, "leak.md")))
	commit := r.Commit("links")
	r.Write(map[string]string{"runbooks/disk.md": "# Changed in the working tree only\n"})

	repo := open(t, r.Dir, "main")
	head, err := repo.Resolve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, commit, head)

	plain, err := repo.FS(context.Background(), first)
	require.NoError(t, err)
	require.NoError(t, fstest.TestFS(plain, "runbooks/disk.md", "articles/intro.md", "img/diagram.svg", "kb.yaml", "runbooks/script.sh"))

	fsys, err := repo.FS(context.Background(), head)
	require.NoError(t, err)
	got, err := fs.ReadFile(fsys, "runbooks/disk.md")
	require.NoError(t, err)
	assert.Equal(t, "# Disk full\n", string(got), "the commit's blob, not the working tree")
	_, err = fsys.Open(".github/ci.yml")
	assert.ErrorIs(t, err, fs.ErrNotExist, "skipped files are left out")
	_, err = fsys.Open("leak.md")
	assert.ErrorIs(t, err, ErrSymlink, "a symbolic link is never followed")
	info, err := fs.Stat(fsys, "leak.md")
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&fs.ModeSymlink)
	info, err = fs.Stat(fsys, "img/diagram.svg")
	require.NoError(t, err)
	assert.IsType(t, BlobID(""), info.Sys(), "a file's blob id tells whether it changed")

	f, err := fsys.Open("img/diagram.svg")
	require.NoError(t, err)
	defer f.Close()
	body, err := io.ReadAll(f)
	require.NoError(t, err)
	assert.Equal(t, "<svg/>", string(body))
	_, seekable := f.(io.Seeker)
	assert.True(t, seekable, "files are served with ranges")

	_, err = repo.FS(context.Background(), "--output=/tmp/x")
	assert.Error(t, err, "only commit hashes reach git")
}

func TestSubfolder(t *testing.T) {
	r := gitrepotest.New(t)
	r.CommitFiles("first", map[string]string{
		"src/main.go":         "package main",
		"docs/kb/a.md":        "# A\n\n[b](b.md)\n",
		"docs/kb/b.md":        "# B\n",
		"docs/other/never.md": "# Never",
	})
	r.Git("mv", "docs/kb/b.md", "docs/kb/c.md")
	head := r.Commit("rename b to c")
	repo := open(t, filepath.Join(r.Dir, "docs", "kb"), "")

	fsys, err := repo.FS(context.Background(), head)
	require.NoError(t, err)
	require.NoError(t, fstest.TestFS(fsys, "a.md", "c.md"))
	hist, err := repo.History(context.Background(), "", "c.md", 10)
	require.NoError(t, err)
	require.Len(t, hist, 2)
	assert.Equal(t, "c.md", hist[0].Path)
	assert.Equal(t, "b.md", hist[1].Path, "paths are relative to the folder, renames followed")
}

func TestNotARepository(t *testing.T) {
	gitrepotest.Isolate(t)
	_, err := Open(context.Background(), t.TempDir(), Options{})
	assert.ErrorIs(t, err, ErrNotRepository)
	_, err = Open(context.Background(), t.TempDir(), Options{Ref: "--upload-pack=x"})
	assert.Error(t, err, "a ref that git could read as an option")
}

func TestChanged(t *testing.T) {
	r := gitrepotest.New(t)
	from := r.CommitFiles("first", map[string]string{
		"a.md": "# A\n\nA long enough body that git sees the rename as one.\n",
		"b.md": "# B\n", "c.md": "# C\n", ".hidden.md": "# H\n",
	})
	to := r.CommitFiles("second", map[string]string{
		"a.md": "", "moved/a2.md": "# A\n\nA long enough body that git sees the rename as one.\n",
		"b.md": "# B changed\n", "c.md": "", "d.md": "# D\n", ".hidden.md": "# H2\n",
	})
	repo := open(t, r.Dir, "")
	changes, err := repo.Changed(context.Background(), from, to)
	require.NoError(t, err)
	assert.ElementsMatch(t, []Change{
		{Op: ChangeRenamed, Path: "moved/a2.md", OldPath: "a.md"},
		{Op: ChangeModified, Path: "b.md"},
		{Op: ChangeDeleted, Path: "c.md"},
		{Op: ChangeAdded, Path: "d.md"},
	}, changes)
	_, err = repo.Changed(context.Background(), "--output=/tmp/x", to)
	assert.Error(t, err, "only commit hashes reach git")

	ok, err := repo.IsAncestor(context.Background(), from, to)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = repo.IsAncestor(context.Background(), to, from)
	require.NoError(t, err)
	assert.False(t, ok)
	ok, err = repo.IsAncestor(context.Background(), strings.Repeat("e", 40), to)
	require.NoError(t, err)
	assert.False(t, ok, "a commit that is gone is no ancestor")
}

func TestReadLog(t *testing.T) {
	r := gitrepotest.New(t)
	c1 := r.CommitFiles("first", map[string]string{"a.md": "# A\n\nA long enough body that git sees the rename as one.\n", "b.md": "# B\n", ".hidden.md": "# H\n"})
	r.Git("mv", "a.md", "a2.md")
	c2 := r.Commit("rename a")
	repo := open(t, r.Dir, "")

	log, err := repo.ReadLog(context.Background(), c2, nil, 100)
	require.NoError(t, err)
	assert.Equal(t, c2, log.Head)
	assert.Equal(t, c2, log.Last["a2.md"].Hash)
	assert.Equal(t, c1, log.Last["b.md"].Hash)
	assert.Equal(t, c1, log.Last[".hidden.md"].Hash, "the log is not filtered by Skip")
	assert.NotContains(t, log.Last, "a.md", "a renamed file is gone from its old path")
	assert.Equal(t, []Change{{Op: ChangeRenamed, Path: "a2.md", OldPath: "a.md"}}, log.Renames)

	c3 := r.CommitFiles("change b, delete a2", map[string]string{"b.md": "# B two\n", "a2.md": ""})
	more, err := repo.ReadLog(context.Background(), c3, log, 100)
	require.NoError(t, err)
	assert.Equal(t, c3, more.Last["b.md"].Hash)
	assert.Equal(t, c1, more.Last[".hidden.md"].Hash, "kept from the log it builds on")
	assert.NotContains(t, more.Last, "a2.md")
	assert.Empty(t, more.Renames, "only the renames of the commits read")
	assert.Equal(t, c2, log.Last["a2.md"].Hash, "the log built on is unchanged")

	short, err := repo.ReadLog(context.Background(), c3, nil, 1)
	require.NoError(t, err)
	assert.NotContains(t, short.Last, ".hidden.md", "files last changed before depth commits get no last commit")
}

func TestHistoryFileAtDiff(t *testing.T) {
	r := gitrepotest.New(t)
	c1 := r.CommitFiles("add disk runbook", map[string]string{"runbooks/disk.md": "# Disk\n\nOld step.\n"})
	c2 := r.CommitFiles("clarify the step", map[string]string{"runbooks/disk.md": "# Disk\n\nNew step.\n", "other.md": "# Other\n"})
	r.Git("mv", "runbooks/disk.md", "runbooks/disk-full.md")
	c3 := r.Commit("rename disk runbook")
	repo := open(t, r.Dir, "HEAD")
	ctx := context.Background()

	hist, err := repo.History(ctx, c3, "runbooks/disk-full.md", 0)
	require.NoError(t, err)
	require.Len(t, hist, 3)
	assert.Equal(t, []string{c3, c2, c1}, []string{hist[0].Hash, hist[1].Hash, hist[2].Hash})
	assert.Equal(t, []string{"runbooks/disk-full.md", "runbooks/disk.md", "runbooks/disk.md"}, []string{hist[0].Path, hist[1].Path, hist[2].Path})
	assert.Equal(t, "clarify the step", hist[1].Subject)
	assert.Equal(t, "ada@example.com", hist[1].Email)
	assert.Len(t, hist[1].Short, 7)
	_, err = repo.History(ctx, "zz", "other.md", 0)
	assert.ErrorIs(t, err, ErrNotFound)

	old, err := repo.FileAt(ctx, hist[2].Hash, hist[2].Path)
	require.NoError(t, err)
	assert.Equal(t, "# Disk\n\nOld step.\n", string(old))
	_, err = repo.FileAt(ctx, c1, "other.md")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = repo.FileAt(ctx, "nothex", "other.md")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = repo.FileAt(ctx, c1, "../etc/passwd")
	assert.ErrorIs(t, err, ErrNotFound)

	d, err := repo.Diff(ctx, hist[1].Hash, hist[1].Path)
	require.NoError(t, err)
	assert.Contains(t, d, "-Old step.")
	assert.Contains(t, d, "+New step.")
	d, err = repo.Diff(ctx, c3[:10], "runbooks/disk-full.md")
	require.NoError(t, err)
	assert.Contains(t, d, "rename from runbooks/disk.md")
}

// BenchmarkHistory measures History of a file in a repository of 5,000
// commits: "first" runs git, "cached" is a later view of the same commit.
func BenchmarkHistory(b *testing.B) {
	r := gitrepotest.New(b)
	gitrepotest.LongHistory(r, 3000, 5000)
	r.Git("checkout", "-q", "main")
	repo := open(b, r.Dir, "main")
	head, err := repo.Resolve(context.Background())
	require.NoError(b, err)
	log, err := repo.ReadLog(context.Background(), head, nil, 5000)
	require.NoError(b, err)
	var files []string
	for p := range log.Last {
		files = append(files, p)
	}
	slices.Sort(files)
	renamed := files[slices.IndexFunc(files, func(p string) bool { return strings.Contains(p, "-r") })]
	for _, p := range []string{"runbooks/s0/page0.md", renamed} {
		b.Run("first/"+filepath.Base(p), func(b *testing.B) {
			for b.Loop() {
				repo.cache.mu.Lock()
				repo.cache.m = nil // a first view
				repo.cache.mu.Unlock()
				if _, err := repo.History(context.Background(), head, p, 100); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("cached/"+filepath.Base(p), func(b *testing.B) {
			for b.Loop() {
				if _, err := repo.History(context.Background(), head, p, 100); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
