package content

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/gitrepo/gitrepotest"
)

// waitLimit is how long a test waits for what should happen at once; only
// a failure waits that long, so it is generous for a loaded machine.
const waitLimit = 30 * time.Second

// watching runs Watch on dir until the test ends and returns the batches it
// reports, once every folder is watched.
func watching(t *testing.T, dir string, debounce time.Duration) <-chan []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	batches := make(chan []string, 100)
	ready := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- Watch(ctx, dir, WatchOptions{Debounce: debounce, Ready: func() { close(ready) }}, func(p []string) {
			select {
			case batches <- p:
			case <-ctx.Done():
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-errc)
	})
	select {
	case <-ready:
	case err := <-errc:
		errc <- err // for the clean-up
		t.Fatalf("watch %s: %v", dir, err)
	case <-time.After(waitLimit):
		t.Fatalf("watch %s: folders not watched after %s", dir, waitLimit)
	}
	return batches
}

// next waits for the next batch that has want (or fails), and returns every
// path seen until then.
func next(t *testing.T, batches <-chan []string, want string) []string {
	t.Helper()
	var seen []string
	deadline := time.After(waitLimit)
	for {
		select {
		case b := <-batches:
			seen = append(seen, b...)
			if slices.Contains(b, want) {
				return seen
			}
		case <-deadline:
			t.Fatalf("no change of %s reported; saw %v", want, seen)
		}
	}
}

// TestWatch checks what is reported and what is left out. A loaded machine
// may split one write into two batches, and the second one is then seen by
// the next step: steps check what they may see, not how many calls it took
// (TestWatchDebouncesBursts does).
func TestWatch(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n", "runbooks/b.md": "# B\n"})
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".hidden"), 0o755))
	batches := watching(t, dir, 30*time.Millisecond)

	writeFile(t, dir, "runbooks/b.md", "# B changed\n")
	assert.Subset(t, []string{"runbooks/b.md"}, next(t, batches, "runbooks/b.md"))

	// An editor's save: write a hidden temporary file, rename it over the original.
	tmp := filepath.Join(dir, ".a.md.swp")
	require.NoError(t, os.WriteFile(tmp, []byte("# A saved\n"), 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, "a.md")))
	assert.Subset(t, []string{"runbooks/b.md", "a.md"}, next(t, batches, "a.md"), "hidden files left out")

	// A new folder with files: the files written before its watch began are reported too.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "new/deep"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "new/deep/c.md"), []byte("# C\n"), 0o644))
	next(t, batches, "new/deep/c.md")
	writeFile(t, dir, "new/deep/d.md", "# D\n")
	next(t, batches, "new/deep/d.md")

	writeFile(t, dir, ".hidden/x.md", "# X\n")
	writeFile(t, dir, "z.md", "# Z\n")
	assert.NotContains(t, next(t, batches, "z.md"), ".hidden/x.md")

	require.NoError(t, os.RemoveAll(filepath.Join(dir, "new")))
	next(t, batches, "new")

	// A moved folder keeps being watched under its new name.
	require.NoError(t, os.Rename(filepath.Join(dir, "runbooks"), filepath.Join(dir, "moved")))
	next(t, batches, "moved/b.md")
	writeFile(t, dir, "moved/e.md", "# E\n")
	next(t, batches, "moved/e.md")
}

// TestWatchDebouncesBursts writes many files at once and counts the calls
// until all of them were reported. The debounce is long next to the time
// the writes take, even when the machine is loaded, so that only a stall of
// the writer longer than it could split the burst further.
func TestWatchDebouncesBursts(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n"})
	batches := watching(t, dir, time.Second)
	const n = 200 // a checkout of many files
	start := time.Now()
	for i := range n {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.md", i)), []byte("# F\n"), 0o644))
	}
	t.Logf("%d files written in %s", n, time.Since(start).Round(time.Millisecond))
	seen := map[string]bool{}
	calls := 0
	deadline := time.After(waitLimit)
	for len(seen) < n {
		select {
		case b := <-batches:
			calls++
			for _, p := range b {
				seen[p] = true
			}
		case <-deadline:
			t.Fatalf("%d of %d files reported in %d calls", len(seen), n, calls)
		}
	}
	assert.LessOrEqual(t, calls, 2, "a burst is one call (two: its start after a tenth of the debounce, the rest after the debounce)")
	assert.Len(t, seen, n)
}

// TestWatchLoneEditAtOnce checks that an edit after a quiet spell is
// reported after a tenth of the debounce, not the whole of it, and that an
// edit right after a call waits the whole debounce again (a burst is
// gathered). The debounce is long, so a loaded machine cannot blur them.
func TestWatchLoneEditAtOnce(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n"})
	const debounce = 4 * time.Second
	batches := watching(t, dir, debounce)
	start := time.Now()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.md"), []byte("# A edited\n"), 0o644))
	select {
	case b := <-batches:
		assert.Contains(t, b, "a.md")
		assert.Less(t, time.Since(start), debounce/2, "a lone edit waits a tenth of the debounce")
	case <-time.After(debounce + waitLimit):
		t.Fatal("the edit was never reported")
	}
	start = time.Now()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.md"), []byte("# B\n"), 0o644))
	select {
	case b := <-batches:
		assert.Contains(t, b, "b.md")
		assert.GreaterOrEqual(t, time.Since(start), debounce*9/10, "an edit right after a call is gathered for the whole debounce")
	case <-time.After(debounce + waitLimit):
		t.Fatal("the second edit was never reported")
	}
}

func TestWatchGitDir(t *testing.T) {
	r := gitrepotest.New(t)
	r.CommitFiles("first", map[string]string{"a.md": "# A\n"})
	batches := watching(t, r.Dir, 30*time.Millisecond)
	r.CommitFiles("second", map[string]string{"b.md": "# B\n"})
	next(t, batches, ".git")
}

// TestWatchApply runs kb's working-tree loop, Watch calling Apply, and checks
// that saved files show up in the snapshot, their last commit included.
func TestWatchApply(t *testing.T) {
	r := gitrepotest.New(t)
	r.CommitFiles("first", map[string]string{"a.md": "# A\n", "b.md": "# B\n\n[a](a.md)\n"})
	repo, err := OpenGit(context.Background(), r.Dir, "")
	require.NoError(t, err)
	defer repo.Close()
	lib := NewLibrary(rootFS(t, r.Dir), Options{Git: repo}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	stop := watchApply(t, lib, r.Dir)
	defer stop()

	writeFile(t, r.Dir, "a.md", "# A saved\n")
	waitFor(t, lib, func(s *Snapshot) bool { return mustArticle(t, s, "a.md").Title == "A saved" })
	c := r.Commit("save a")
	waitFor(t, lib, func(s *Snapshot) bool {
		lc := mustArticle(t, s, "a.md").LastCommit
		return lc != nil && lc.Hash == c
	})
	require.NoError(t, os.Rename(filepath.Join(r.Dir, "a.md"), filepath.Join(r.Dir, "a2.md")))
	waitFor(t, lib, func(s *Snapshot) bool { _, ok := s.ByAlias("/a"); return ok })
	assert.Contains(t, string(mustArticle(t, lib.Snapshot(), "b.md").Doc.HTML), `href="/a2"`)
}

// watchApply wires Watch to Apply as kb serve does, until the returned func is called.
func watchApply(t testing.TB, lib *Library, dir string) func() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	ready, done := make(chan struct{}), make(chan struct{})
	wg.Go(func() {
		defer close(done)
		err := Watch(ctx, dir, WatchOptions{Debounce: 20 * time.Millisecond, Ready: func() { close(ready) }}, func(paths []string) {
			if _, err := lib.Apply(ctx, paths); err != nil && ctx.Err() == nil {
				t.Errorf("apply %v: %v", paths, err)
			}
		})
		assert.NoError(t, err)
	})
	stop := func() { cancel(); wg.Wait() }
	select {
	case <-ready:
	case <-done:
		t.Fatalf("watch %s ended before it was ready", dir)
	case <-time.After(waitLimit):
		stop()
		t.Fatalf("watch %s: folders not watched after %s", dir, waitLimit)
	}
	return stop
}

// waitFor polls lib until ok holds for its snapshot, for at most waitLimit.
func waitFor(t testing.TB, lib *Library, ok func(*Snapshot) bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !ok(lib.Snapshot()) {
		if time.Now().After(deadline) {
			t.Fatalf("the change was not visible after %s", waitLimit)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkEditToVisible measures working-tree mode from a saved file to a
// published snapshot with its new content (Watch with a 20 ms debounce,
// then Apply), on a folder of 3,000 articles with git history.
func BenchmarkEditToVisible(b *testing.B) {
	r := gitrepotest.New(b)
	gitrepotest.LongHistory(r, 3000, 2000)
	r.Git("checkout", "-q", "main")
	repo, err := OpenGit(context.Background(), r.Dir, "")
	require.NoError(b, err)
	defer repo.Close()
	lib := NewLibrary(rootFS(b, r.Dir), Options{Git: repo}, discardLogger())
	require.NoError(b, lib.Load(context.Background()))
	stop := watchApply(b, lib, r.Dir)
	defer stop()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		p := fmt.Sprintf("runbooks/s%d/page%d.md", i%20, 100+i%2000)
		full := filepath.Join(r.Dir, p)
		if _, err := os.Stat(full); err != nil {
			continue // renamed in the history
		}
		want := fmt.Sprintf("edit number %d", i)
		start := time.Now()
		require.NoError(b, os.WriteFile(full, []byte("# Edited\n\n"+want+"\n"), 0o644))
		for {
			if a, ok := lib.Snapshot().ByPath(p); ok && strings.Contains(a.Doc.Text, want) {
				break
			}
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
}

// BenchmarkGitCommitToVisible measures git mode from a commit to a published
// snapshot with the new content (Sync after the commit), 3,000 articles.
func BenchmarkGitCommitToVisible(b *testing.B) {
	r := gitrepotest.New(b)
	gitrepotest.LongHistory(r, 3000, 2000)
	r.Git("checkout", "-q", "main")
	lib, _ := gitLibrary(b, r.Dir, "main")
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		p := "runbooks/s0/page0.md"
		want := fmt.Sprintf("commit number %d", i)
		r.Write(map[string]string{p: "# Edited\n\n" + want + "\n"})
		r.Git("commit", "-q", "-am", want)
		start := time.Now()
		if _, err := lib.Sync(context.Background()); err != nil {
			b.Fatal(err)
		}
		if a, _ := lib.Snapshot().ByPath(p); !strings.Contains(a.Doc.Text, want) {
			b.Fatalf("not visible after Sync: %q", a.Doc.Text)
		}
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
}

// BenchmarkGitLoad measures a first load of 3,000 articles from a commit
// (ls-tree, cat-file --batch, history of 5,000 commits, render).
func BenchmarkGitLoad(b *testing.B) {
	r := gitrepotest.New(b)
	gitrepotest.LongHistory(r, 3000, 5000)
	r.Git("checkout", "-q", "main")
	repo, err := OpenGit(context.Background(), r.Dir, "main")
	require.NoError(b, err)
	defer repo.Close()
	b.Run("git", func(b *testing.B) {
		for b.Loop() {
			lib := NewGitLibrary(repo, Options{}, discardLogger())
			require.NoError(b, lib.Load(context.Background()))
		}
	})
	b.Run("folder", func(b *testing.B) {
		for b.Loop() {
			lib := NewLibrary(rootFS(b, r.Dir), Options{}, discardLogger())
			require.NoError(b, lib.Load(context.Background()))
		}
	})
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(f float64) float64 {
		return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(len(lat)), "edits")
}

// TestWatchSlowWriter writes a file in pieces, slower than the debounce, so
// loads read it half-written; the load after the last write has all of it.
func TestWatchSlowWriter(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n", "slow.md": "# Slow\n\nold\n"})
	lib := folderLibrary(t, dir)
	stop := watchApply(t, lib, dir)
	defer stop()
	f, err := os.OpenFile(filepath.Join(dir, "slow.md"), os.O_WRONLY|os.O_TRUNC, 0o644)
	require.NoError(t, err)
	for i := range 8 {
		_, err := fmt.Fprintf(f, "# Slow\n\nchunk %d begins ... chunk %d ends\n", i, i)
		require.NoError(t, err)
		time.Sleep(40 * time.Millisecond)
	}
	require.NoError(t, f.Close())
	waitFor(t, lib, func(s *Snapshot) bool {
		return strings.Contains(mustArticle(t, s, "slow.md").Doc.Text, "chunk 7 ends")
	})
	assert.Equal(t, "A", mustArticle(t, lib.Snapshot(), "a.md").Title)
}
