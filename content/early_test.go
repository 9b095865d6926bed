package content

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/gitrepo/gitrepotest"
)

// earlyTree is a folder with what a render depends on beyond its own file:
// links to articles, attachments, other letter case and nothing; duplicate
// ids and alerts; titles from front matter and from a first heading; code
// left plain by the first load; files too large and not text.
var earlyTree = map[string]string{
	"kb.yaml":                      "title: Early\nmax_size: 2KB\n",
	"index.md":                     "# Home\n\nStart at [disk](runbooks/disk-full.md).\n",
	"runbooks/disk-full.md":        "---\ntitle: Disk full\nalerts: [DiskFull]\naliases: [/old/disk]\ntags: [disk]\n---\n# Disk\n\nSee [etcd](etcd.md), [Etcd](ETCD.md), [gone](gone.md) and ![pic](img/pic.png).\n\n```sh\ndf -h\n```\n\n## Check\n\n### Deeper\n",
	"runbooks/etcd.md":             "---\nid: etcd\nalerts: [DiskFull]\n---\n# Etcd has no leader\n\nBack to [disk](disk-full.md).\n",
	"runbooks/dup.md":              "---\nid: etcd\n---\nNo heading here.\n",
	"runbooks/_index.md":           "# Runbooks\n",
	"runbooks/img/pic.png":         "png",
	"big.md":                       "# Big\n\n" + strings.Repeat("word ", 1000),
	"binary.md":                    "\x00\x01\x02",
	"guides/a/b/c.md":              "---\ntitle: Deep\n---\nA [link up](../../../index.md).\n",
	"guides/front-matter-error.md": "---\ntitle: [unclosed\n---\n# Still served\n",
}

// TestEarlySnapshotMatchesCompleteLoad: while the first load renders,
// its early snapshot finds every article, and each article rendered on
// request from it is the one a complete load publishes, field for field
// (HTML, title, headings, links, warnings), with and without a render cache
// and in git mode.
func TestEarlySnapshotMatchesCompleteLoad(t *testing.T) {
	for _, mode := range []string{"folder", "cold cache", "warm cache", "git"} {
		t.Run(mode, func(t *testing.T) {
			dir := writeTree(t, earlyTree)
			opts := Options{DeferHighlight: true}
			if strings.HasSuffix(mode, "cache") {
				rc, err := OpenRenderCache(filepath.Join(t.TempDir(), "render"), discardLogger())
				require.NoError(t, err)
				opts.RenderCache = rc
				if mode == "warm cache" {
					warm := NewLibrary(rootFS(t, dir), opts, discardLogger())
					require.NoError(t, warm.Load(context.Background()))
					_, err := warm.Highlight(context.Background())
					require.NoError(t, err)
				}
			}
			var lib *Library
			var early *Snapshot
			got := map[string]*Article{}
			opts.Early = func(e *Snapshot) {
				early = e
				assert.Nil(t, lib.Snapshot(), "nothing complete is published yet")
				assert.Same(t, e, lib.Early())
				assert.True(t, e.Partial())
				for _, a := range e.Articles {
					r, err := e.Rendered(context.Background(), a)
					require.NoError(t, err)
					got[a.Path] = r
				}
			}
			var want *Snapshot
			if mode == "git" {
				r := gitrepotest.New(t)
				r.CommitFiles("first", earlyTree)
				repo, err := OpenGit(context.Background(), r.Dir, "main")
				require.NoError(t, err)
				t.Cleanup(func() { repo.Close() })
				lib = NewGitLibrary(repo, opts, discardLogger())
				require.NoError(t, lib.Load(context.Background()))
				want = lib.Snapshot()
				assert.Equal(t, "first", mustArticle(t, early, "index.md").UpdateSubject, "the early snapshot knows the last commits")
			} else {
				lib = NewLibrary(rootFS(t, dir), opts, discardLogger())
				require.NoError(t, lib.Load(context.Background()))
				want = lib.Snapshot()
				plain := opts
				plain.Early = nil
				independent, err := Load(context.Background(), rootFS(t, dir), plain)
				require.NoError(t, err)
				for _, a := range independent.Articles {
					r := got[a.Path]
					require.NotNil(t, r, a.Path)
					assertSameArticle(t, a, r)
				}
			}
			require.NotNil(t, early, "the first load published an early snapshot")
			assert.Nil(t, lib.Early(), "the complete snapshot replaced it")
			assert.False(t, want.Partial())
			require.Len(t, got, len(want.Articles))
			for _, a := range want.Articles {
				assertSameArticle(t, a, got[a.Path])
				r, err := want.Rendered(context.Background(), a)
				require.NoError(t, err)
				assert.Same(t, a, r, "a complete snapshot's articles are rendered")
			}

			// Lookups of the early snapshot are the complete one's.
			for _, a := range want.Articles {
				e, ok := early.ByURL(a.URL)
				require.True(t, ok, a.URL)
				assert.Equal(t, a.Path, e.Path)
				byID, ok := early.ByID(a.ID)
				require.True(t, ok, a.ID)
				assert.Equal(t, a.Path, byID.Path)
			}
			old, ok := early.ByAlias("/old/disk")
			require.True(t, ok)
			assert.Equal(t, "runbooks/disk-full.md", old.Path)
			assert.True(t, early.Attachment("runbooks/img/pic.png"))
			assert.Equal(t, "dup", mustArticle(t, early, "runbooks/dup.md").Title, "a title from the file name until rendered")
			dupText, _, err := got["runbooks/dup.md"].Text()
			require.NoError(t, err)
			assert.Equal(t, "No heading here.", strings.TrimSpace(dupText))
			assert.Empty(t, early.Backlinks(mustArticle(t, early, "runbooks/etcd.md")), "links between articles wait for the complete snapshot")
			assert.NotEmpty(t, want.Backlinks(mustArticle(t, want, "runbooks/etcd.md")))
		})
	}
}

// assertSameArticle compares what a page shows of an article.
func assertSameArticle(t *testing.T, want, got *Article) {
	t.Helper()
	assert.Equal(t, string(want.HTML()), string(got.HTML()), want.Path)
	wt, wc, err := want.Text()
	require.NoError(t, err)
	gt, gc, err := got.Text()
	require.NoError(t, err)
	assert.Equal(t, wt+"\x00"+wc, gt+"\x00"+gc, want.Path)
	w, g := *want, *got
	w.Doc.HTML, g.Doc.HTML, w.stored, g.stored = nil, nil, nil, nil
	w.Doc.Text, g.Doc.Text, w.Doc.Code, g.Doc.Code = "", "", "", ""
	if w.LastCommit != nil && g.LastCommit != nil {
		assert.Equal(t, *w.LastCommit, *g.LastCommit, want.Path)
		w.LastCommit, g.LastCommit = nil, nil
	}
	assert.Equal(t, w, g, want.Path)
}

// TestEarlyRenderOnce: a crowd of requests for the same cold article of an
// early snapshot gets one render; a request that gives up while waiting
// leaves the article to the next one; the complete load takes the renders
// done on request instead of rendering those articles again.
func TestEarlyRenderOnce(t *testing.T) {
	dir := writeTree(t, earlyTree)
	var fromCrowd *Article
	var early *Snapshot
	opts := Options{Early: func(e *Snapshot) {
		early = e
		gone, cancel := context.WithCancel(context.Background())
		cancel()
		a := mustArticle(t, e, "index.md")
		_, err := e.Rendered(gone, a)
		assert.ErrorIs(t, err, context.Canceled)

		a = mustArticle(t, e, "runbooks/disk-full.md")
		const crowd = 16
		outs := make([]*Article, crowd)
		var wg sync.WaitGroup
		for i := range crowd {
			wg.Go(func() {
				r, err := e.Rendered(context.Background(), a)
				assert.NoError(t, err)
				outs[i] = r
			})
		}
		wg.Wait()
		for _, r := range outs {
			assert.Same(t, outs[0], r, "one render for the crowd")
		}
		fromCrowd = outs[0]
		r, err := e.Rendered(context.Background(), mustArticle(t, e, "index.md"))
		require.NoError(t, err)
		assert.Contains(t, string(r.HTML()), "Start at")
	}}
	lib := NewLibrary(rootFS(t, dir), opts, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	require.NotNil(t, fromCrowd)
	a := mustArticle(t, lib.Snapshot(), "runbooks/disk-full.md")
	assert.Equal(t, string(fromCrowd.HTML()), string(a.HTML()))
	assert.Same(t, early.lazy.finished(a.Path), lib.Snapshot().entries[a.Path].out, "the load took the render done on request")
}

// TestEarlySnapshotFailedLoad: a first load that fails publishes nothing
// to serve from, early or complete.
func TestEarlySnapshotFailedLoad(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A\n", "b.md": "# B\n"})
	ctx, cancel := context.WithCancel(context.Background())
	opts := Options{Early: func(e *Snapshot) { cancel() }}
	lib := NewLibrary(rootFS(t, dir), opts, discardLogger())
	err := lib.Load(ctx)
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), err)
	assert.Nil(t, lib.Snapshot())
	assert.Nil(t, lib.Early())
}

// TestEarlyRendersDuringLoad: articles rendered on request while the load
// renders the same ones (not held, run under -race) are the ones it
// publishes.
func TestEarlyRendersDuringLoad(t *testing.T) {
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("f/a%03d.md", i)] = fmt.Sprintf("# A %d\n\nSee [next](a%03d.md) and [x](x.png).\n\n```go\nx := %d\n```\n", i, i+1, i)
	}
	files["f/x.png"] = "png"
	dir := writeTree(t, files)
	rc, err := OpenRenderCache(filepath.Join(t.TempDir(), "render"), discardLogger())
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]*Article{}
	opts := Options{DeferHighlight: true, RenderCache: rc, Early: func(e *Snapshot) {
		for w := range 4 {
			wg.Go(func() {
				for i := w; i < len(e.Articles); i += 2 { // every article asked twice, by two of the four
					r, err := e.Rendered(context.Background(), e.Articles[i])
					assert.NoError(t, err)
					mu.Lock()
					got[r.Path] = r
					mu.Unlock()
				}
			})
		}
	}}
	lib := NewLibrary(rootFS(t, dir), opts, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	wg.Wait()
	want := lib.Snapshot()
	require.Len(t, got, len(want.Articles))
	for _, a := range want.Articles {
		assertSameArticle(t, a, got[a.Path])
	}
	_, err = lib.Highlight(context.Background())
	require.NoError(t, err)
	assert.Contains(t, string(mustArticle(t, lib.Snapshot(), "f/a007.md").HTML()), `<span class="`, "code rendered on request is highlighted later like the rest")
}
