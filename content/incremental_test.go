package content

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// folderLibrary loads the folder dir the way kb serve does in working-tree mode.
func folderLibrary(t *testing.T, dir string) *Library {
	t.Helper()
	lib := NewLibrary(rootFS(t, dir), Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	return lib
}

// writeFile writes a file below dir and moves its time forward, as a later
// save would (some file systems keep times to the second).
func writeFile(t *testing.T, dir, p, body string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(p))
	require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
	require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	later := time.Now().Add(time.Duration(len(body)+1) * time.Second)
	require.NoError(t, os.Chtimes(full, later, later))
}

func apply(t *testing.T, lib *Library, changed ...string) Update {
	t.Helper()
	upd, err := lib.Apply(context.Background(), changed)
	require.NoError(t, err)
	return upd
}

func paths(as []*Article) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Path)
	}
	return out
}

func TestApplyReusesUnchangedArticles(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.md":          "# A\n\nSee [b](b.md).\n",
		"b.md":          "# B\n",
		"c.md":          "---\ntags: [x]\n---\n# C\n",
		"img/small.png": "png",
	})
	lib := folderLibrary(t, dir)
	before := lib.Snapshot()

	upd := apply(t, lib)
	assert.False(t, upd.Published, "nothing changed, nothing published")
	assert.Same(t, before, lib.Snapshot())

	writeFile(t, dir, "c.md", "---\ntags: [y]\n---\n# C changed\n")
	upd = apply(t, lib, "c.md")
	require.True(t, upd.Published)
	after := lib.Snapshot()
	assert.Equal(t, []string{"c.md"}, paths(upd.Updated))
	assert.Empty(t, upd.Deleted)
	assert.Same(t, mustArticle(t, before, "a.md"), mustArticle(t, after, "a.md"), "an unchanged article is the same *Article")
	assert.Equal(t, "C changed", mustArticle(t, after, "c.md").Title)
	assert.Empty(t, after.Tagged("x"))
	assert.Len(t, after.Tagged("y"), 1)
	assert.Equal(t, "C", mustArticle(t, before, "c.md").Title, "the old snapshot is untouched")
	assert.NotEqual(t, before.Version, after.Version)
	assert.Len(t, after.Backlinks(mustArticle(t, after, "b.md")), 1)

	// A change found without a hint: the listing (size and time) differs.
	writeFile(t, dir, "b.md", "# B again, longer\n")
	upd = apply(t, lib)
	assert.Equal(t, []string{"b.md"}, paths(upd.Updated))
	assert.Len(t, lib.Snapshot().Backlinks(mustArticle(t, lib.Snapshot(), "b.md")), 1, "backlinks kept")
}

func TestApplyRerendersLinksToAddedAndDeletedFiles(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.md":     "# A\n\nSee [new](new.md) and ![pic](img/p.png).\n",
		"other.md": "# Other\n",
	})
	lib := folderLibrary(t, dir)
	a := mustArticle(t, lib.Snapshot(), "a.md")
	assert.Contains(t, messages(a.Warnings), "broken link")
	brokenOther := lib.Snapshot().Articles[1]

	writeFile(t, dir, "new.md", "# New\n")
	upd := apply(t, lib, "new.md")
	assert.Equal(t, []string{"a.md", "new.md"}, paths(upd.Updated), "the article linking to the new file is rendered again")
	s := lib.Snapshot()
	a = mustArticle(t, s, "a.md")
	assert.NotContains(t, messages(a.Warnings), "no article new.md")
	assert.Equal(t, []*Article{a}, s.Backlinks(mustArticle(t, s, "new.md")))
	assert.Same(t, brokenOther, mustArticle(t, s, "other.md"))

	writeFile(t, dir, "img/p.png", "png")
	upd = apply(t, lib, "img")
	assert.Equal(t, []string{"a.md"}, paths(upd.Updated), "an attachment appearing fixes the image")
	assert.NotContains(t, messages(mustArticle(t, lib.Snapshot(), "a.md").Warnings), "broken")

	require.NoError(t, os.Remove(filepath.Join(dir, "new.md")))
	upd = apply(t, lib, "new.md")
	assert.Equal(t, []string{"a.md"}, paths(upd.Updated))
	assert.Equal(t, []string{"new"}, upd.Deleted)
	s = lib.Snapshot()
	assert.Contains(t, messages(mustArticle(t, s, "a.md").Warnings), "broken link")
	assert.Equal(t, []string{"new"}, s.OrphanedIDs(), "a vanished id is reported, not dropped")

	writeFile(t, dir, "new.md", "# New again\n")
	apply(t, lib, "new.md")
	assert.Empty(t, lib.Snapshot().OrphanedIDs(), "an id that comes back is no orphan")
}

func TestApplyRenameKeepsOldPathsAndIDs(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"runbooks/disk.md": "---\nid: disk-full\n---\n# Disk full\n",
		"runbooks/cpu.md":  "# CPU\n\nPlain content, no id.\n",
		"index.md":         "# Home\n\n[disk](runbooks/disk.md), [cpu](runbooks/cpu.md)\n",
	})
	lib := folderLibrary(t, dir)
	require.NoError(t, os.Rename(filepath.Join(dir, "runbooks/disk.md"), filepath.Join(dir, "runbooks/disk-full.md")))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "old"), 0o755))
	require.NoError(t, os.Rename(filepath.Join(dir, "runbooks/cpu.md"), filepath.Join(dir, "old/cpu-high.md")))
	upd := apply(t, lib, "runbooks/disk.md", "runbooks/disk-full.md", "runbooks/cpu.md", "old")
	assert.ElementsMatch(t, []Rename{
		{OldPath: "runbooks/disk.md", Path: "runbooks/disk-full.md", OldID: "disk-full", ID: "disk-full"},
		{OldPath: "runbooks/cpu.md", Path: "old/cpu-high.md", OldID: "runbooks-cpu", ID: "old-cpu-high"},
	}, upd.Renamed, "by front-matter id, and by content")

	s := lib.Snapshot()
	disk := mustArticle(t, s, "runbooks/disk-full.md")
	got, ok := s.ByAlias("/runbooks/disk")
	require.True(t, ok, "the old URL redirects")
	assert.Same(t, disk, got)
	got, ok = s.ByAlias("/runbooks/disk.md")
	require.True(t, ok)
	assert.Same(t, disk, got)
	cpu := mustArticle(t, s, "old/cpu-high.md")
	got, ok = s.ByID("runbooks-cpu")
	require.True(t, ok, "the id derived from the old path still finds the article")
	assert.Same(t, cpu, got)
	assert.Empty(t, s.OrphanedIDs())
	got, _, ok = s.Resolve("runbooks/cpu.md")
	assert.True(t, ok)
	assert.Same(t, cpu, got)

	home := mustArticle(t, s, "index.md")
	assert.Contains(t, upd.Updated, home, "links to the old paths are rendered again")
	assert.Contains(t, string(home.Doc.HTML), `href="/runbooks/disk-full"`, "links to the old path still work")
	assert.Contains(t, string(home.Doc.HTML), `href="/old/cpu-high"`)
	assert.NotContains(t, messages(home.Warnings), "broken")
	assert.Contains(t, messages(home.Warnings), "index.md:3: links to old path runbooks/disk.md; update to runbooks/disk-full.md")
	assert.Equal(t, []*Article{home}, s.Backlinks(disk), "a link to an old path is a backlink")

	// Renamed again: the first old path follows.
	require.NoError(t, os.Rename(filepath.Join(dir, "runbooks/disk-full.md"), filepath.Join(dir, "disk.md")))
	apply(t, lib, "runbooks", "disk.md")
	s = lib.Snapshot()
	got, ok = s.ByAlias("/runbooks/disk")
	require.True(t, ok)
	assert.Equal(t, "disk.md", got.Path)
	got, ok = s.ByAlias("/runbooks/disk-full")
	require.True(t, ok)
	assert.Equal(t, "disk.md", got.Path)
}

func TestApplyIDCollisionsSettleAgain(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"b/one.md": "---\nid: same\n---\n# One\n",
		"c.md":     "# C\n",
	})
	lib := folderLibrary(t, dir)
	one := mustArticle(t, lib.Snapshot(), "b/one.md")
	assert.Equal(t, "same", one.ID)

	writeFile(t, dir, "a/two.md", "---\nid: same\n---\n# Two\n")
	upd := apply(t, lib, "a")
	s := lib.Snapshot()
	assert.Equal(t, []string{"a/two.md", "b/one.md"}, paths(upd.Updated), "the file that lost its id is a changed article")
	assert.Equal(t, "b-one", mustArticle(t, s, "b/one.md").ID)
	assert.Equal(t, "same", one.ID, "the published article never changes")
	got, _ := s.ByID("same")
	assert.Equal(t, "a/two.md", got.Path)

	require.NoError(t, os.RemoveAll(filepath.Join(dir, "a")))
	upd = apply(t, lib, "a")
	assert.Equal(t, []string{"b/one.md"}, paths(upd.Updated))
	assert.Equal(t, []string{"b-one"}, upd.Deleted)
	assert.Equal(t, "same", mustArticle(t, lib.Snapshot(), "b/one.md").ID)
}

func TestApplyKbYAMLChange(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n\n<b>raw</b>\n", "kb.yaml": "title: One\n"})
	lib := folderLibrary(t, dir)
	assert.NotContains(t, string(lib.Snapshot().Articles[0].Doc.HTML), "<b>")
	writeFile(t, dir, "kb.yaml", "title: Two\nunsafe_html: true\n")
	upd := apply(t, lib, "kb.yaml")
	require.True(t, upd.Published)
	assert.Equal(t, "Two", lib.Snapshot().Site.Title)
	assert.Contains(t, string(lib.Snapshot().Articles[0].Doc.HTML), "<b>raw</b>", "render options changed: everything rendered again")
}

func TestConflictMarkers(t *testing.T) {
	s := load(t, fstest.MapFS{
		"conflict.md": {Data: []byte("---\ntitle: x\n---\n# Steps\n\n<<<<<<< HEAD\nrestart it\n=======\nreboot it\n>>>>>>> fix\n")},
		"fenced.md":   {Data: []byte("# Git\n\n```\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> branch\n```\n")},
		"setext.md":   {Data: []byte("Title\n=======\n\ntext\n")},
	})
	assert.Contains(t, messages(mustArticle(t, s, "conflict.md").Warnings), "conflict.md:6: unresolved merge conflict")
	assert.NotContains(t, messages(mustArticle(t, s, "fenced.md").Warnings), "conflict", "a runbook may show markers in code")
	assert.NotContains(t, messages(mustArticle(t, s, "setext.md").Warnings), "conflict")
}

// faultFS wraps a folder and misbehaves for chosen files.
type faultFS struct {
	fs.FS
	dir    string
	onOpen func(name string) error
}

func (f faultFS) Open(name string) (fs.File, error) {
	if err := f.onOpen(name); err != nil {
		return nil, err
	}
	return f.FS.Open(name)
}

func TestFaultsWhileReading(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n", "gone.md": "# Gone\n", "secret.md": "# Secret\n"})
	files := faultFS{FS: rootFS(t, dir), dir: dir, onOpen: func(name string) error {
		switch name {
		case "gone.md": // deleted between listing and reading
			return os.Remove(filepath.Join(dir, "gone.md"))
		case "secret.md":
			return &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
		}
		return nil
	}}
	lib := NewLibrary(files, Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	s := lib.Snapshot()
	assert.Equal(t, []string{"a.md", "secret.md"}, paths(s.Articles), "a file gone before it was read is left out")
	secret := mustArticle(t, s, "secret.md")
	assert.Contains(t, messages(secret.Warnings), "permission denied")
	assert.NotEmpty(t, secret.Unrendered)
	assert.Equal(t, "A", mustArticle(t, s, "a.md").Title, "the rest is served")
}

func TestPermissionDeniedFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file; TestFaultsWhileReading covers the error")
	}
	dir := writeTree(t, map[string]string{"a.md": "# A\n", "locked.md": "# Locked\n"})
	require.NoError(t, os.Chmod(filepath.Join(dir, "locked.md"), 0))
	lib := folderLibrary(t, dir)
	assert.Contains(t, messages(mustArticle(t, lib.Snapshot(), "locked.md").Warnings), "permission denied")
	require.NoError(t, os.Chmod(filepath.Join(dir, "locked.md"), 0o644))
	apply(t, lib, "locked.md")
	assert.Equal(t, "Locked", mustArticle(t, lib.Snapshot(), "locked.md").Title, "fixed permissions recover")
}

func TestPartialWriteIsReplacedByTheFinalContent(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n\nfirst version\n"})
	lib := folderLibrary(t, dir)
	// A reload lands while an editor has written half of the file...
	writeFile(t, dir, "a.md", "# A\n\nsecond ver")
	apply(t, lib, "a.md")
	assert.Contains(t, string(mustArticle(t, lib.Snapshot(), "a.md").Doc.HTML), "second ver")
	// ...and the write that finishes it triggers the next one.
	writeFile(t, dir, "a.md", "# A\n\nsecond version, complete\n")
	apply(t, lib, "a.md")
	assert.Contains(t, string(mustArticle(t, lib.Snapshot(), "a.md").Doc.HTML), "second version, complete")
}

func TestSymlinkSwappedOutsideRoot(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.md": "# root:x:0:0 secret"})
	dir := writeTree(t, map[string]string{"real.md": "# Real\n"})
	link := filepath.Join(dir, "link.md")
	require.NoError(t, os.Symlink("real.md", link))
	lib := folderLibrary(t, dir)
	assert.Equal(t, "Real", mustArticle(t, lib.Snapshot(), "link.md").Title)

	require.NoError(t, os.Remove(link))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.md"), link))
	apply(t, lib, "link.md")
	swapped := mustArticle(t, lib.Snapshot(), "link.md")
	assert.NotContains(t, swapped.Title+string(swapped.Doc.HTML), "secret")
	assert.NotEmpty(t, swapped.Unrendered)
	assert.Contains(t, messages(swapped.Warnings), "cannot read")
}

func TestApplyFailureKeepsLastGoodSnapshot(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n"})
	lib := folderLibrary(t, dir)
	good := lib.Snapshot()
	require.NoError(t, os.RemoveAll(dir))
	_, err := lib.Apply(context.Background(), []string{"a.md"})
	require.Error(t, err, "the root itself is gone")
	assert.Same(t, good, lib.Snapshot())
	assert.Error(t, lib.Err())
	since := lib.ErrSince()
	assert.False(t, since.IsZero())
	_, err = lib.Apply(context.Background(), nil)
	require.Error(t, err)
	assert.Equal(t, since, lib.ErrSince(), "the time the failures began")
	assert.ErrorIs(t, lib.Err(), fs.ErrNotExist)

	dir = writeTree(t, map[string]string{"a.md": "# A\n"})
	lib = folderLibrary(t, dir)
	require.NoError(t, os.Remove(filepath.Join(dir, "a.md")))
	_, err = lib.Apply(context.Background(), []string{"a.md"})
	assert.ErrorIs(t, err, ErrEmpty, "a folder emptied at once is more likely unmounted than cleared")
	assert.Len(t, lib.Snapshot().Articles, 1)
}

// TestNoMixedSnapshotsFolder hammers Library.Snapshot while Apply moves a
// folder through versions in which only some files change: every snapshot
// matches one version exactly, unchanged articles (reused from earlier
// snapshots) included, and its link graph agrees with its articles.
func TestNoMixedSnapshotsFolder(t *testing.T) {
	const files, versions = 30, 12
	content := func(i, v int) string {
		last := v - (v-i%4+4)%4 // file i changes in the versions where v%4 == i%4
		if last < 1 {
			last = 0
		}
		return fmt.Sprintf("# F%d\n\nchanged in %d; see [next](f%02d.md)\n", i, last, (i+1)%files)
	}
	writeVersion := func(dir string, v int) {
		for i := range files {
			p := fmt.Sprintf("f%02d.md", i)
			want := content(i, v)
			if old, err := os.ReadFile(filepath.Join(dir, p)); err == nil && string(old) == want {
				continue
			}
			writeFile(t, dir, p, want)
		}
		writeFile(t, dir, "version.md", fmt.Sprintf("# Version\n\nversion %d\n", v))
	}
	dir := t.TempDir()
	writeVersion(dir, 1)
	lib := folderLibrary(t, dir)

	versionRE := regexp.MustCompile(`version (\d+)`)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for ; !stop.Load(); time.Sleep(200 * time.Microsecond) {
				s := lib.Snapshot()
				m := versionRE.FindStringSubmatch(mustArticle(t, s, "version.md").Doc.Text)
				v, _ := strconv.Atoi(m[1])
				for i := range files {
					a := mustArticle(t, s, fmt.Sprintf("f%02d.md", i))
					want := strings.Split(strings.Split(content(i, v), "\n\n")[1], ";")[0] + ";"
					if !strings.Contains(a.Doc.Text, want) {
						t.Errorf("version %d: %s says %q", v, a.Path, a.Doc.Text)
						stop.Store(true)
						return
					}
					if got, _ := s.ByID(a.ID); got != a {
						t.Errorf("ByID(%s) is another article", a.ID)
					}
					if bl := s.Backlinks(a); len(bl) != 1 || mustArticle(t, s, bl[0].Path) != bl[0] {
						t.Errorf("backlinks of %s: %v", a.Path, paths(bl))
					}
				}
			}
		})
	}
	reused := 0
	for v := 2; v <= versions; v++ {
		writeVersion(dir, v)
		upd := apply(t, lib)
		reused += files + 1 - len(upd.Updated)
	}
	stop.Store(true)
	wg.Wait()
	assert.Positive(t, reused, "unchanged articles were reused")
}

// TestDeferHighlight loads with code blocks plain and highlights them in a
// second snapshot that differs in HTML alone: the index has nothing to do.
func TestDeferHighlight(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"go.md":     "# Go\n\n```go\nfunc main() {}\n```\n\nSee [sh](sh.md).\n",
		"sh.md":     "# Shell\n\n```bash\necho hi\n```\n",
		"prose.md":  "# Prose\n\nNo code, `inline` only.\n",
		"output.md": "# Output\n\n```output\nnot a language\n```\n",
	})
	lib := NewLibrary(rootFS(t, dir), Options{DeferHighlight: true}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	first := lib.Snapshot()
	for _, p := range []string{"go.md", "sh.md"} {
		a := mustArticle(t, first, p)
		assert.True(t, a.Doc.Unhighlighted, p)
		assert.NotContains(t, string(a.Doc.HTML), "<span", p)
		assert.Contains(t, string(a.Doc.HTML), `<pre class="chroma" tabindex="0"><code class="language-`, p)
	}
	assert.False(t, mustArticle(t, first, "output.md").Doc.Unhighlighted, "nothing to highlight in an unknown language")

	upd, err := lib.Highlight(context.Background())
	require.NoError(t, err)
	assert.True(t, upd.Published)
	assert.Empty(t, upd.Updated, "the indexed form did not change")
	assert.Empty(t, upd.Deleted)
	assert.ElementsMatch(t, []string{"go.md", "sh.md"}, paths(upd.Restyled))
	second := lib.Snapshot()
	assert.Same(t, second, upd.Snapshot)
	assert.Equal(t, first.Version, second.Version, "same content, so open pages are not told to reload")
	for _, p := range []string{"go.md", "sh.md"} {
		a, old := mustArticle(t, second, p), mustArticle(t, first, p)
		assert.False(t, a.Doc.Unhighlighted, p)
		assert.Contains(t, string(a.Doc.HTML), `<span class="`, p)
		assert.Equal(t, old.Doc.Text, a.Doc.Text)
		assert.Equal(t, old.Doc.Code, a.Doc.Code)
		assert.Equal(t, old.Doc.Links, a.Doc.Links)
		got, _ := second.ByID(a.ID)
		assert.Same(t, a, got)
	}
	for _, p := range []string{"prose.md", "output.md"} {
		assert.Same(t, mustArticle(t, first, p), mustArticle(t, second, p), "%s is reused", p)
	}
	assert.Equal(t, paths(first.Backlinks(mustArticle(t, first, "sh.md"))), paths(second.Backlinks(mustArticle(t, second, "sh.md"))))

	upd, err = lib.Highlight(context.Background())
	require.NoError(t, err)
	assert.False(t, upd.Published, "nothing left to highlight")
	assert.Same(t, second, lib.Snapshot())
}

// TestDeferHighlightThenApply: a load after the deferred one highlights
// what is left, alongside the files that changed.
func TestDeferHighlightThenApply(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.md": "# A\n\n```go\nx := 1\n```\n",
		"b.md": "# B\n\n```go\ny := 2\n```\n",
	})
	lib := NewLibrary(rootFS(t, dir), Options{DeferHighlight: true}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	writeFile(t, dir, "b.md", "# B\n\n```go\ny := 3\n```\n")
	upd := apply(t, lib, "b.md")
	assert.Equal(t, []string{"b.md"}, paths(upd.Updated))
	assert.Equal(t, []string{"a.md"}, paths(upd.Restyled))
	for _, a := range lib.Snapshot().Articles {
		assert.Contains(t, string(a.Doc.HTML), `<span class="`, a.Path)
	}
}

// TestNoHighlight: Load with NoHighlight never highlights.
func TestNoHighlight(t *testing.T) {
	s, err := Load(context.Background(), fstest.MapFS{"a.md": {Data: []byte("```go\nx := 1\n```\n")}}, Options{NoHighlight: true})
	require.NoError(t, err)
	a := mustArticle(t, s, "a.md")
	assert.NotContains(t, string(a.Doc.HTML), "<span")
	assert.Contains(t, a.Doc.Code, "x := 1")
}

// TestNoMixedSnapshotsHighlight reads snapshots while Highlight replaces
// the plain one: each has every code block plain or every one highlighted.
func TestNoMixedSnapshotsHighlight(t *testing.T) {
	files := map[string]string{}
	for i := range 40 {
		files[fmt.Sprintf("f%02d.md", i)] = fmt.Sprintf("# F%d\n\n```go\nx := %d\n```\n", i, i)
	}
	lib := NewLibrary(rootFS(t, writeTree(t, files)), Options{DeferHighlight: true}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	var stop atomic.Bool
	var wg sync.WaitGroup
	var seen [2]atomic.Int64
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				s := lib.Snapshot()
				plain := 0
				for _, a := range s.Articles {
					if !strings.Contains(string(a.Doc.HTML), "<span") {
						plain++
					}
				}
				switch plain {
				case 0:
					seen[1].Add(1)
				case len(s.Articles):
					seen[0].Add(1)
				default:
					t.Errorf("a snapshot with %d of %d articles plain", plain, len(s.Articles))
					stop.Store(true)
					return
				}
			}
		})
	}
	seenOrStopped := func(i int) func() bool {
		return func() bool { return seen[i].Load() > 0 || stop.Load() }
	}
	assert.Eventually(t, seenOrStopped(0), waitLimit, time.Millisecond, "a plain snapshot is seen")
	_, err := lib.Highlight(context.Background())
	require.NoError(t, err)
	assert.Eventually(t, seenOrStopped(1), waitLimit, time.Millisecond, "a highlighted snapshot is seen")
	stop.Store(true)
	wg.Wait()
}

// TestRerenderReadsTheFileAgain: the Markdown is let go once rendered and
// read again when an article must be rendered again; a file that changed
// without its listing changing (same size and time) is read whole again.
func TestRerenderReadsTheFileAgain(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n\nSee [b](b.md), version 1.\n"})
	lib := folderLibrary(t, dir)
	for _, e := range lib.Snapshot().allEntries() {
		assert.Nil(t, e.src.body, "%s: Markdown kept after rendering", e.src.file.path)
	}
	assert.True(t, mustArticle(t, lib.Snapshot(), "a.md").Doc.Links[0].Broken)

	full := filepath.Join(dir, "a.md")
	info, err := os.Stat(full)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(full, []byte("# A\n\nSee [b](b.md), version 2.\n"), 0o644))
	require.NoError(t, os.Chtimes(full, info.ModTime(), info.ModTime())) // the listing is unchanged
	writeFile(t, dir, "b.md", "# B\n")                                   // a.md is rendered again for its link

	upd := apply(t, lib, "b.md")
	a := mustArticle(t, upd.Snapshot, "a.md")
	assert.False(t, a.Doc.Links[0].Broken)
	assert.Contains(t, a.Doc.Text, "version 2")
	assert.Contains(t, paths(upd.Updated), "a.md")
}

// TestAddRemoveCaseClash: files whose paths differ in letter case only
// come and go as edits; a link written in other letter case resolves to
// the first of them in path order, as a whole build resolves it, after
// each step.
func TestAddRemoveCaseClash(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"docs/disk.md": "# lower\n",
		"b.md":         "# B\n\nSee [disk](docs/DISK.md).\n",
	})
	lib := folderLibrary(t, dir)
	step := func(what string, change func(), paths ...string) {
		t.Helper()
		change()
		upd := apply(t, lib, paths...)
		require.True(t, upd.Published, what)
		assert.True(t, lib.Snapshot().edited, "%s: the edit path", what)
		fresh := folderLibrary(t, dir)
		require.Equal(t, strings.Join(snapshotView(fresh.Snapshot()), "\n"), strings.Join(snapshotView(lib.Snapshot()), "\n"), what)
		b := mustArticle(t, lib.Snapshot(), "b.md")
		fb := mustArticle(t, fresh.Snapshot(), "b.md")
		assert.Equal(t, fb.Doc.Links, b.Doc.Links, what)
	}
	step("a clash comes", func() { writeFile(t, dir, "docs/Disk.md", "# upper\n") }, "docs/Disk.md")
	assert.Equal(t, []string{"b.md"}, paths(lib.Snapshot().Backlinks(mustArticle(t, lib.Snapshot(), "docs/Disk.md"))), "b's link goes to the first path")
	step("its first goes", func() { require.NoError(t, os.Remove(filepath.Join(dir, "docs/Disk.md"))) }, "docs/Disk.md")
	step("the last goes", func() { require.NoError(t, os.Remove(filepath.Join(dir, "docs/disk.md"))) }, "docs/disk.md")
	assert.Contains(t, messages(mustArticle(t, lib.Snapshot(), "b.md").Warnings), "broken link")
	step("one comes back", func() { writeFile(t, dir, "docs/DISK.md", "# shouting\n") }, "docs/DISK.md")
	assert.Empty(t, lib.Snapshot().Warnings)
}
