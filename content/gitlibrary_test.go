package content

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/gitrepo/gitrepotest"
	"kb/internal/gen"
	"kb/internal/race"
)

func sync1(t *testing.T, lib *Library) Update {
	t.Helper()
	upd, err := lib.Sync(context.Background())
	require.NoError(t, err)
	return upd
}

func TestGitLibrarySync(t *testing.T) {
	r := gitrepotest.New(t)
	c1 := r.CommitFiles("first", map[string]string{
		"a.md": "# A\n\nSee [b](b.md).\n",
		"b.md": "# B\n\nThe body of b, long enough to be a rename when it moves.\n",
		"c.md": "# C\n",
	})
	lib, _ := gitLibrary(t, r.Dir, "main")
	first := lib.Snapshot()
	assert.Equal(t, c1, first.Commit)

	r.Write(map[string]string{"c.md": "# C edited in the working tree\n"})
	upd := sync1(t, lib)
	assert.False(t, upd.Published, "the working tree is never read in git mode")
	assert.Same(t, first, lib.Snapshot())

	c2 := r.CommitFiles("edit c", map[string]string{"c.md": "# C committed\n"})
	upd = sync1(t, lib)
	require.True(t, upd.Published)
	s := lib.Snapshot()
	assert.Equal(t, c2, s.Commit)
	assert.Equal(t, []string{"c.md"}, paths(upd.Updated))
	assert.Equal(t, "C committed", mustArticle(t, s, "c.md").Title)
	assert.Equal(t, "edit c", mustArticle(t, s, "c.md").UpdateSubject)
	assert.Same(t, mustArticle(t, first, "a.md"), mustArticle(t, s, "a.md"))

	r.Git("mv", "b.md", "b-renamed.md")
	r.Commit("rename b")
	upd = sync1(t, lib)
	assert.Equal(t, []Rename{{OldPath: "b.md", Path: "b-renamed.md", OldID: "b", ID: "b-renamed"}}, upd.Renamed)
	assert.Equal(t, []string{"a.md", "b-renamed.md"}, paths(upd.Updated), "the article linking to the old path is rendered again")
	assert.Equal(t, []string{"b"}, upd.Deleted, "the search index drops the old id")
	checkRenamed := func(s *Snapshot) {
		t.Helper()
		b := mustArticle(t, s, "b-renamed.md")
		got, ok := s.ByAlias("/b")
		require.True(t, ok, "the old URL redirects")
		assert.Same(t, b, got)
		got, ok = s.ByID("b")
		require.True(t, ok, "the old id (ticket links, permalinks) finds the article")
		assert.Same(t, b, got)
		a := mustArticle(t, s, "a.md")
		assert.Contains(t, string(a.Doc.HTML), `href="/b-renamed"`)
		assert.Contains(t, messages(a.Warnings), "a.md:3: links to old path b.md; update to b-renamed.md")
		assert.Equal(t, []*Article{a}, s.Backlinks(b))
		assert.Empty(t, s.OrphanedIDs())
	}
	checkRenamed(lib.Snapshot())

	restarted, _ := gitLibrary(t, r.Dir, "main")
	checkRenamed(restarted.Snapshot()) // from the renames in git history

	r.Git("rm", "-q", "b-renamed.md")
	r.Commit("delete b")
	upd = sync1(t, lib)
	assert.Equal(t, []string{"b-renamed"}, upd.Deleted)
	assert.Equal(t, []string{"b", "b-renamed"}, lib.Snapshot().OrphanedIDs(), "ticket links to either id are orphaned")
	assert.Contains(t, messages(mustArticle(t, lib.Snapshot(), "a.md").Warnings), "broken link")
}

func TestGitForcePush(t *testing.T) {
	r := gitrepotest.New(t)
	c1 := r.CommitFiles("first", map[string]string{"a.md": "# A one\n", "b.md": "# B\n"})
	r.CommitFiles("second", map[string]string{"a.md": "# A two\n"})
	lib, _ := gitLibrary(t, r.Dir, "main")
	assert.Equal(t, "A two", mustArticle(t, lib.Snapshot(), "a.md").Title)

	r.Git("reset", "-q", "--hard", c1)
	r.Git("reflog", "expire", "--expire=now", "--all")
	r.Git("gc", "-q", "--prune=now") // the commit served is gone for good
	c3 := r.CommitFiles("rewritten", map[string]string{"a.md": "# A rewritten\n", "c.md": "# C\n"})
	upd := sync1(t, lib)
	require.True(t, upd.Published)
	s := lib.Snapshot()
	assert.Equal(t, c3, s.Commit)
	assert.Equal(t, "A rewritten", mustArticle(t, s, "a.md").Title)
	assert.Equal(t, "rewritten", mustArticle(t, s, "a.md").UpdateSubject, "history read again")
	assert.Equal(t, c1, mustArticle(t, s, "b.md").LastCommit.Hash)
	assert.NoError(t, lib.Err())
}

func TestGitPullUnreachableRemote(t *testing.T) {
	remote := gitrepotest.New(t)
	remote.CommitFiles("first", map[string]string{"a.md": "# A one\n"})
	clone := filepath.Join(t.TempDir(), "clone")
	remote.GitIn(".", "clone", "-q", remote.Dir, clone)
	lib, _ := gitLibrary(t, clone, "origin/main")
	ctx := context.Background()

	remote.CommitFiles("second", map[string]string{"a.md": "# A two\n"})
	_, err := lib.Pull(ctx)
	require.NoError(t, err)
	assert.Equal(t, "A two", mustArticle(t, lib.Snapshot(), "a.md").Title)
	good := lib.Snapshot()

	away := remote.Dir + "-away"
	require.NoError(t, os.Rename(remote.Dir, away))
	_, err = lib.Pull(ctx)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "git fetch")
	assert.Same(t, good, lib.Snapshot(), "the last good content is served")
	require.Error(t, lib.Err())
	since := lib.ErrSince()
	_, err = lib.Pull(ctx)
	require.Error(t, err)
	assert.Equal(t, since, lib.ErrSince(), "still failing since the first failure")

	require.NoError(t, os.Rename(away, remote.Dir))
	remote.CommitFiles("third", map[string]string{"a.md": "# A three\n"})
	_, err = lib.Pull(ctx)
	require.NoError(t, err, "recovers by itself")
	assert.NoError(t, lib.Err())
	assert.True(t, lib.ErrSince().IsZero())
	assert.Equal(t, "A three", mustArticle(t, lib.Snapshot(), "a.md").Title)

	// A webhook and the pull interval at once.
	remote.CommitFiles("fourth", map[string]string{"a.md": "# A four\n"})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			_, err := lib.Pull(ctx)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.Equal(t, "A four", mustArticle(t, lib.Snapshot(), "a.md").Title)
}

func TestGitRepositoryBrokenKeepsServing(t *testing.T) {
	r := gitrepotest.New(t)
	r.CommitFiles("first", map[string]string{"a.md": "# A\n"})
	lib, _ := gitLibrary(t, r.Dir, "main")
	good := lib.Snapshot()
	require.NoError(t, os.RemoveAll(filepath.Join(r.Dir, ".git")))
	_, err := lib.Sync(context.Background())
	require.Error(t, err)
	assert.Same(t, good, lib.Snapshot())
	assert.Error(t, lib.Err())
}

// TestGitManyFilesInOneCommit changes 10,000 files in one commit: the next
// snapshot has every change, or none.
func TestGitManyFilesInOneCommit(t *testing.T) {
	const n = 10000
	r := gitrepotest.New(t)
	im := gitrepotest.NewImporter(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	v1, v2 := map[string]string{}, map[string]string{}
	for i := range n {
		p := fmt.Sprintf("runbooks/s%02d/page%05d.md", i%100, i)
		v1[p] = fmt.Sprintf("# Page %d\n\nversion 1\n", i)
		v2[p] = fmt.Sprintf("# Page %d\n\nversion 2\n", i)
	}
	im.Commit("Ada Author", "all files", "", v1)
	r.FastImport(im.Bytes())
	r.Git("tag", "v1", "main")
	lib, _ := gitLibrary(t, r.Dir, "main")
	require.Len(t, lib.Snapshot().Articles, n)

	im = gitrepotest.NewImporter(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	im.Commit("Bob Builder", "every file at once", "refs/heads/main^0", v2)
	r.FastImport(im.Bytes())
	start := time.Now()
	upd := sync1(t, lib)
	t.Logf("10,000 files changed in one commit: synced in %s", time.Since(start).Round(time.Millisecond))
	assert.Len(t, upd.Updated, n)
	for _, a := range lib.Snapshot().Articles {
		if !strings.Contains(a.Doc.Text, "version 2") || a.UpdatedBy != "Bob Builder" {
			t.Fatalf("%s is not at version 2: %q by %s", a.Path, a.Doc.Text, a.UpdatedBy)
		}
	}
}

// TestNoMixedSnapshots hammers Library.Snapshot from readers while the
// library moves through commits that each set every file to one version:
// every snapshot a reader gets holds exactly one version, and its lookups,
// listings and link graph agree with its article list.
func TestNoMixedSnapshots(t *testing.T) {
	const files, versions = 40, 15
	r := gitrepotest.New(t)
	im := gitrepotest.NewImporter(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	for v := 1; v <= versions; v++ {
		set := map[string]string{}
		for i := range files {
			set[fmt.Sprintf("f%02d.md", i)] = fmt.Sprintf("---\ntags: [v%d]\n---\n# F%d\n\nversion %d; see [next](f%02d.md)\n", v, i, v, (i+1)%files)
		}
		if v%2 == 0 { // files come and go, too
			set[fmt.Sprintf("extra%d.md", v)] = fmt.Sprintf("# Extra\n\nversion %d\n", v)
		}
		ops := []string{}
		if v > 1 && (v-1)%2 == 0 {
			ops = append(ops, fmt.Sprintf("D extra%d.md", v-1))
		}
		im.Commit("Ada Author", fmt.Sprintf("version %d", v), "", set, ops...)
	}
	r.FastImport(im.Bytes())
	commits := strings.Fields(r.Git("rev-list", "--reverse", "main"))
	require.Len(t, commits, versions)
	versionOf := map[string]int{}
	for i, c := range commits {
		versionOf[c] = i + 1
	}
	r.Git("update-ref", "refs/heads/live", commits[0])
	lib, _ := gitLibrary(t, r.Dir, "live")

	versionRE := regexp.MustCompile(`version (\d+)`)
	var stop atomic.Bool
	var checked atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for ; !stop.Load(); time.Sleep(200 * time.Microsecond) {
				s := lib.Snapshot()
				want := fmt.Sprint(versionOf[s.Commit])
				for _, a := range s.Articles {
					m := versionRE.FindStringSubmatch(a.Doc.Text)
					if !assert.NotNil(t, m, a.Path) || !assert.Equal(t, want, m[1], "%s in the snapshot of version %s", a.Path, want) {
						stop.Store(true)
						return
					}
					if got, _ := s.ByID(a.ID); got != a {
						t.Errorf("ByID(%s) is another article", a.ID)
					}
					if got, _ := s.ByURL(a.URL); got != a {
						t.Errorf("ByURL(%s) is another article", a.URL)
					}
					for _, b := range s.Backlinks(a) {
						if got, _ := s.ByPath(b.Path); got != b {
							t.Errorf("backlink %s of %s is not in the snapshot", b.Path, a.Path)
						}
					}
				}
				if n := len(s.Tagged("v" + want)); n != files {
					t.Errorf("version %s: %d articles tagged v%s, want %d", want, n, want, files)
				}
				checked.Add(1)
			}
		})
	}
	for _, c := range commits[1:] {
		r.Git("update-ref", "refs/heads/live", c)
		sync1(t, lib)
		time.Sleep(2 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	assert.Equal(t, commits[versions-1], lib.Snapshot().Commit)
	t.Logf("%d snapshots checked during %d syncs", checked.Load(), versions-1)
}

// TestHistoryLongRepository measures an article's history in a repository
// of 5,000 commits: the first view runs git log --follow, later ones are
// answered from the cache.
func TestHistoryLongRepository(t *testing.T) {
	r := gitrepotest.New(t)
	gitrepotest.LongHistory(r, 300, 5000)
	start := time.Now()
	lib, _ := gitLibrary(t, r.Dir, "main")
	load := time.Since(start)
	s := lib.Snapshot()
	a := mustArticle(t, s, "runbooks/s0/page0.md")
	require.NotNil(t, a.LastCommit)

	ctx := context.Background()
	start = time.Now()
	hist, err := lib.History(ctx, a.Path, 50)
	first := time.Since(start)
	require.NoError(t, err)
	require.NotEmpty(t, hist)
	start = time.Now()
	again, err := lib.History(ctx, a.Path, 50)
	cached := time.Since(start)
	require.NoError(t, err)
	assert.Equal(t, hist, again)
	t.Logf("5,000 commits, 300 files: load with history %s; History first %s, cached %s", load.Round(time.Millisecond), first.Round(time.Microsecond), cached.Round(time.Microsecond))
}

// TestGitBareMirror serves a bare mirror, which has no working tree at all:
// a fetch moves its branches directly.
func TestGitBareMirror(t *testing.T) {
	remote := gitrepotest.New(t)
	remote.CommitFiles("first", map[string]string{"docs/a.md": "# A one\n"})
	mirror := filepath.Join(t.TempDir(), "kb.git")
	remote.GitIn(".", "clone", "-q", "--mirror", remote.Dir, mirror)
	lib, _ := gitLibrary(t, mirror, "main")
	assert.Equal(t, "A one", mustArticle(t, lib.Snapshot(), "docs/a.md").Title)
	remote.CommitFiles("second", map[string]string{"docs/a.md": "# A two\n"})
	upd, err := lib.Pull(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"docs/a.md"}, paths(upd.Updated))
	assert.Equal(t, "A two", mustArticle(t, lib.Snapshot(), "docs/a.md").Title)
	hist, err := lib.History(context.Background(), "docs/a.md", 10)
	require.NoError(t, err)
	assert.Len(t, hist, 2)
}

// TestGitLibraryDeferHighlight: in git mode, Highlight renders the same
// commit again, its files read from the commit (their Markdown was let go).
func TestGitLibraryDeferHighlight(t *testing.T) {
	r := gitrepotest.New(t)
	c1 := r.CommitFiles("first", map[string]string{
		"a.md": "# A\n\n```go\nx := 1\n```\n",
		"b.md": "# B\n",
	})
	r.Write(map[string]string{"a.md": "# A edited in the working tree\n"})
	repo, err := OpenGit(context.Background(), r.Dir, "main")
	require.NoError(t, err)
	t.Cleanup(func() { repo.Close() })
	lib := NewGitLibrary(repo, Options{DeferHighlight: true}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	first := lib.Snapshot()
	assert.NotContains(t, string(mustArticle(t, first, "a.md").Doc.HTML), "<span")

	upd, err := lib.Highlight(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"a.md"}, paths(upd.Restyled))
	assert.Empty(t, upd.Updated)
	s := lib.Snapshot()
	assert.Equal(t, c1, s.Commit)
	a := mustArticle(t, s, "a.md")
	assert.Contains(t, string(a.Doc.HTML), `<span class="`)
	assert.Equal(t, "A", a.Title, "from the commit, not the working tree")
	assert.Equal(t, "first", a.UpdateSubject)
	assert.Same(t, mustArticle(t, first, "b.md"), mustArticle(t, s, "b.md"))
}

// TestGitFetchAge: FetchAge counts from the last successful fetch, and keeps
// counting while fetches fail (the metric an alert on a stale kb watches).
func TestGitFetchAge(t *testing.T) {
	remote := gitrepotest.New(t)
	remote.CommitFiles("first", map[string]string{"a.md": "# A one\n"})
	clone := filepath.Join(t.TempDir(), "clone")
	remote.GitIn(".", "clone", "-q", remote.Dir, clone)
	repo, err := OpenGit(context.Background(), clone, "origin/main")
	require.NoError(t, err)
	t.Cleanup(func() { repo.Close() })
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	lib := NewGitLibrary(repo, Options{Now: clock}, discardLogger())
	ctx := context.Background()
	require.NoError(t, lib.Load(ctx))

	now = now.Add(time.Minute)
	age, ok := lib.FetchAge()
	require.True(t, ok)
	assert.Equal(t, time.Minute, age, "since the library was made, before the first fetch")
	_, err = lib.Pull(ctx)
	require.NoError(t, err)
	age, _ = lib.FetchAge()
	assert.Zero(t, age)

	require.NoError(t, os.Rename(remote.Dir, remote.Dir+"-away"))
	now = now.Add(10 * time.Minute)
	_, err = lib.Pull(ctx)
	require.Error(t, err)
	age, _ = lib.FetchAge()
	assert.Equal(t, 10*time.Minute, age, "a failed fetch does not count")

	folder := NewLibrary(os.DirFS(clone), Options{}, discardLogger())
	_, ok = folder.FetchAge()
	assert.False(t, ok, "a folder is never fetched")
}

// TestGitCommitsMatchFullLoad is the property test of commits in git mode
// taken as edits: rounds of one or two commits (bodies, front matter with
// ids and alerts that collide, links to any file, files added, deleted and
// renamed with git mv, an edit and its revert, an empty commit) are synced;
// every round takes the edit path, and the snapshot equals a fresh load of
// the same commit in every derived lookup, warnings, listing and version.
func TestGitCommitsMatchFullLoad(t *testing.T) {
	r := gitrepotest.New(t)
	files := map[string]string{}
	for p, f := range gen.Files(60, 5) {
		files[p] = string(f.Data)
	}
	r.CommitFiles("first", files)
	lib, _ := gitLibrary(t, r.Dir, "main")
	rng := rand.New(rand.NewPCG(16, 4))
	pick := func() string {
		ps := slices.Sorted(maps.Keys(files))
		return ps[rng.IntN(len(ps))]
	}
	one := func(list ...string) string { return list[rng.IntN(len(list))] }
	rounds := 40
	if race.Enabled {
		rounds = 15
	}
	added := 0
	for round := range rounds {
		for range 1 + rng.IntN(2) {
			switch op := rng.IntN(10); {
			case op < 5:
				p := pick()
				fm := "title: " + one("Edited", "DiskFull", fmt.Sprintf("Round %d", round)) + "\n"
				if rng.IntN(3) == 0 {
					fm += "id: " + one("shared", fmt.Sprintf("r%d", round)) + "\n"
				}
				if rng.IntN(3) == 0 {
					fm += "alerts: [" + one("DiskFull", "Other") + "]\n"
				}
				rel, err := filepath.Rel(filepath.Dir(p), pick())
				require.NoError(t, err)
				files[p] = fmt.Sprintf("---\n%s---\n# H\n\nSee [x](%s).\n", fm, filepath.ToSlash(rel))
				r.CommitFiles("edit", map[string]string{p: files[p]})
			case op < 6 && len(files) > 40:
				p := pick()
				delete(files, p)
				r.Git("rm", "-q", p)
				r.Commit("delete")
			case op < 7:
				added++
				p := fmt.Sprintf("new/n%d/added-%d.md", added%2, added)
				files[p] = fmt.Sprintf("# Added %d\n\nText.\n", added)
				r.CommitFiles("add", map[string]string{p: files[p]})
			case op < 8:
				p := pick()
				added++
				to := fmt.Sprintf("moved/%d-%s", added, filepath.Base(p))
				require.NoError(t, os.MkdirAll(filepath.Join(r.Dir, "moved"), 0o755))
				r.Git("mv", p, to)
				r.Commit("rename")
				files[to] = files[p]
				delete(files, p)
			case op < 9: // an edit and its revert: the file is as it was, its last commit is not
				p := pick()
				r.CommitFiles("edit", map[string]string{p: files[p] + "\nMore.\n"})
				r.CommitFiles("revert", map[string]string{p: files[p]})
			default:
				r.Commit("empty")
			}
		}
		upd := sync1(t, lib)
		require.True(t, upd.Published, "round %d: a new commit is published", round)
		assert.True(t, lib.Snapshot().edited, "round %d took the edit path", round)
		fresh, _ := gitLibrary(t, r.Dir, "main")
		want, got := fresh.Snapshot(), lib.Snapshot()
		require.Equal(t, want.Commit, got.Commit)
		require.Equal(t, strings.Join(snapshotView(want), "\n"), strings.Join(snapshotView(got), "\n"), "round %d", round)
		require.Equal(t, want.Warnings, got.Warnings, "round %d", round)
		require.Equal(t, want.listed, got.flat().listed, "round %d", round)
		require.Equal(t, want.Version, got.Version, "round %d", round)
	}
}
