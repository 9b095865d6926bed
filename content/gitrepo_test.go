package content

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/gitrepo/gitrepotest"
)

// TestGitFS loads a commit's tree: hidden files are not content, a symbolic
// link is an article that says it was not followed, attachments seek.
func TestGitFS(t *testing.T) {
	r := gitrepotest.New(t)
	r.CommitFiles("first", map[string]string{
		"runbooks/disk.md": "# Disk full\n",
		"img/diagram.svg":  "<svg/>",
		".github/ci.yml":   "on: push",
		"notes/.draft.md":  "# draft",
		"kb.yaml":          "title: Test KB\n",
	})
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(r.Dir, "leak.md")))
	require.NoError(t, os.Symlink("runbooks/disk.md", filepath.Join(r.Dir, "inside.md")))
	r.Commit("links")
	r.Write(map[string]string{"runbooks/disk.md": "# Changed in the working tree only\n"})

	repo, err := OpenGit(context.Background(), r.Dir, "main")
	require.NoError(t, err)
	defer repo.Close()
	head, err := repo.Resolve(context.Background())
	require.NoError(t, err)
	fsys, err := repo.FS(context.Background(), head)
	require.NoError(t, err)
	_, err = fsys.Open(".github/ci.yml")
	assert.Error(t, err, "hidden files are left out")

	s, err := Load(context.Background(), fsys, Options{})
	require.NoError(t, err)
	assert.Equal(t, "Test KB", s.Site.Title)
	assert.Equal(t, "Disk full", mustArticle(t, s, "runbooks/disk.md").Title, "the commit's blob, not the working tree")
	_, ok := s.ByPath("notes/.draft.md")
	assert.False(t, ok, "hidden files are not content")
	leak := mustArticle(t, s, "leak.md")
	assert.NotEmpty(t, leak.Unrendered)
	assert.NotContains(t, string(leak.Doc.HTML), "root:")
	assert.Contains(t, messages(leak.Warnings), "not followed")
	assert.NotEmpty(t, mustArticle(t, s, "inside.md").Unrendered, "even a link inside the tree is not followed")
	f, _, err := s.Open("img/diagram.svg")
	require.NoError(t, err)
	defer f.Close()
	body, err := io.ReadAll(f)
	require.NoError(t, err)
	assert.Equal(t, "<svg/>", string(body))
	_, seekable := f.(io.Seeker)
	assert.True(t, seekable, "attachments from git are served with ranges")
	_, _, err = s.Open("leak.md")
	assert.Error(t, err)
}

func TestGitSubfolder(t *testing.T) {
	r := gitrepotest.New(t)
	r.CommitFiles("first", map[string]string{
		"src/main.go":         "package main",
		"docs/kb/a.md":        "# A\n\n[b](b.md)\n",
		"docs/kb/b.md":        "# B\n",
		"docs/other/never.md": "# Never",
	})
	repo, err := OpenGit(context.Background(), filepath.Join(r.Dir, "docs", "kb"), "")
	require.NoError(t, err)
	defer repo.Close()
	lib := NewGitLibrary(repo, Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	s := lib.Snapshot()
	require.Len(t, s.Articles, 2)
	assert.Len(t, s.Backlinks(mustArticle(t, s, "b.md")), 1)
	assert.Equal(t, "Ada Author", mustArticle(t, s, "a.md").UpdatedBy)

	r.Git("mv", "docs/kb/b.md", "docs/kb/c.md")
	r.Commit("rename b to c")
	upd, err := lib.Sync(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []Rename{{OldPath: "b.md", Path: "c.md", OldID: "b", ID: "c"}}, upd.Renamed)
	hist, err := lib.History(context.Background(), "c.md", 10)
	require.NoError(t, err)
	require.Len(t, hist, 2)
	assert.Equal(t, "c.md", hist[0].Path)
	assert.Equal(t, "b.md", hist[1].Path, "paths are relative to the content folder, renames followed")
}

func TestNotAGitRepository(t *testing.T) {
	gitrepotest.Isolate(t)
	_, err := OpenGit(context.Background(), t.TempDir(), "")
	assert.ErrorIs(t, err, ErrNoHistory)
	var none *GitRepo
	_, err = none.History(context.Background(), "", "a.md", 10)
	assert.ErrorIs(t, err, ErrNoHistory)
	lib := NewLibrary(os.DirFS(writeTree(t, map[string]string{"a.md": "# A"})), Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	_, err = lib.History(context.Background(), "a.md", 10)
	assert.ErrorIs(t, err, ErrNoHistory)
	_, err = lib.ArticleAt(context.Background(), "abcdef1", "a.md")
	assert.ErrorIs(t, err, ErrNoHistory)
	assert.Nil(t, lib.Snapshot().Articles[0].LastCommit)
}

func TestGitHistoryFileAtDiff(t *testing.T) {
	r := gitrepotest.New(t)
	c1 := r.CommitFiles("add disk runbook", map[string]string{"runbooks/disk.md": "# Disk\n\nOld step.\n"})
	c2 := r.CommitFiles("clarify the step", map[string]string{"runbooks/disk.md": "# Disk\n\nNew step.\n", "other.md": "# Other\n"})
	r.Git("mv", "runbooks/disk.md", "runbooks/disk-full.md")
	c3 := r.Commit("rename disk runbook")
	lib, repo := gitLibrary(t, r.Dir, "HEAD")
	ctx := context.Background()

	a := mustArticle(t, lib.Snapshot(), "runbooks/disk-full.md")
	require.NotNil(t, a.LastCommit)
	assert.Equal(t, c3, a.LastCommit.Hash)
	assert.Equal(t, "rename disk runbook", a.UpdateSubject)
	assert.Equal(t, "Ada Author", a.UpdatedBy)
	assert.Equal(t, a.LastCommit.Date, a.Updated)
	assert.Equal(t, c2, mustArticle(t, lib.Snapshot(), "other.md").LastCommit.Hash)

	hist, err := lib.History(ctx, a.Path, 0)
	require.NoError(t, err)
	require.Len(t, hist, 3)
	assert.Equal(t, []string{c3, c2, c1}, []string{hist[0].Hash, hist[1].Hash, hist[2].Hash})
	assert.Equal(t, []string{"runbooks/disk-full.md", "runbooks/disk.md", "runbooks/disk.md"}, []string{hist[0].Path, hist[1].Path, hist[2].Path})

	_, err = repo.FileAt(ctx, c1, "other.md")
	assert.ErrorIs(t, err, ErrNotFound, "git's not found is content's")
	_, err = repo.FileAt(ctx, "nothex", "other.md")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = lib.ArticleAt(ctx, c1, "../etc/passwd")
	assert.ErrorIs(t, err, ErrNotFound)

	d, err := lib.Git().Diff(ctx, hist[1].Hash, hist[1].Path)
	require.NoError(t, err)
	assert.Contains(t, d, "+New step.")

	was, err := lib.ArticleAt(ctx, c1, "runbooks/disk.md")
	require.NoError(t, err)
	assert.Equal(t, "Disk", was.Title)
	assert.Contains(t, string(was.Doc.HTML), "Old step.")
}

func TestGitLargeFileNotRead(t *testing.T) {
	r := gitrepotest.New(t)
	big := "---\ntitle: Huge\n---\n" + strings.Repeat("fifty megabytes of words\n", 50<<20/25)
	r.CommitFiles("a huge file", map[string]string{"huge.md": big, "small.md": "# Small\n"})
	lib, _ := gitLibrary(t, r.Dir, "HEAD")
	huge := mustArticle(t, lib.Snapshot(), "huge.md")
	assert.Contains(t, huge.Unrendered, "limit")
	assert.Equal(t, "Huge", huge.Title, "the head is read for the front matter")
	assert.Equal(t, int64(len(big)), huge.Size)
	assert.Contains(t, messages(huge.Warnings), "not rendered")

	old, err := lib.ArticleAt(context.Background(), lib.Snapshot().Commit, "huge.md")
	require.NoError(t, err, "an old version too large to render is a page that says so")
	assert.Contains(t, old.Unrendered, "limit")
}
