package content

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/internal/gen"
)

// articleView is what a load derives for one article, as text: every field
// but the rendered HTML and the pointers, so two loads compare field by field.
func articleView(a *Article) string {
	d := a.Doc
	d.Text, d.Code, _ = a.Text() // from the render cache, as the index reads them
	return fmt.Sprintf("%s|%s|%s|%q|%q|%s|%s|%s|%v|%v|%v|%v|%v|%s|%s|%s|%s|%d|%v|%v|%q|%s|%v|%d|%q|%v|%v|%v|%v",
		a.ID, a.Path, a.URL, a.Title, a.Summary, a.Type, a.Service, a.Severity, a.Alerts, a.Tags, a.Owners, a.Aliases,
		a.Access == nil, a.Access, a.Class, a.Reviewed, a.ReviewEvery, a.Size, a.Extra, a.Warnings, a.Unrendered, a.Hash,
		a.Keys, a.BodyLine, d.Title+"\x00"+d.Text+"\x00"+d.Code, d.Headings, d.Links, d.Warnings, a.Updated.UTC())
}

func writeFiles(t testing.TB, root string, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, b, 0o644))
	}
}

// TestFrontMatterCache loads a generated collection, and files with broken,
// unusual and unknown front matter, three times: without a render cache,
// filling one, and from it (a warm restart). Every article comes out the
// same, and the third load took its front matter from the cache.
func TestFrontMatterCache(t *testing.T) {
	root, data := t.TempDir(), t.TempDir()
	files := map[string][]byte{
		"odd/unclosed.md":  []byte("---\ntitle: never closed\n\n# Body\n"),
		"odd/invalid.md":   []byte("---\ntitle: [unclosed\n---\n# Body\n"),
		"odd/badkeys.md":   []byte("---\ntitle: T\ntags: 3\nreviewed: not-a-date\nreview_every: soon\naliases: [/x, /x]\n---\n# Body\n"),
		"odd/extra.md":     []byte("---\ntitle: Extra\ncustom: {a: 1}\n---\n# Body\n"),
		"odd/access.md":    []byte("---\ntitle: Closed\naccess: []\n---\n# Body\n"),
		"odd/full.md":      []byte("---\ntitle: Full\nid: full-one\ntype: runbook\nsummary: S\nservice: Etcd\nseverity: High\nalerts: [A1, a2]\ntags: [X, x, y]\nowners: [o]\naliases: [/old/full]\nreviewed: 2026-09-01\nreview_every: 180d\n---\n# Body\n"),
		"odd/empty.md":     []byte("---\n---\n# Only body\n"),
		"odd/same-yaml.md": []byte("---\ntitle: Full\nid: full-one\ntype: runbook\nsummary: S\nservice: Etcd\nseverity: High\nalerts: [A1, a2]\ntags: [X, x, y]\nowners: [o]\naliases: [/old/full]\nreviewed: 2026-09-01\nreview_every: 180d\n---\n# Other body\n"),
	}
	for p, f := range gen.Files(300, 3) {
		files[p] = f.Data
	}
	writeFiles(t, root, files)
	load := func(rc *RenderCache) *Snapshot {
		lib := NewLibrary(rootFS(t, root), Options{RenderCache: rc}, discardLogger())
		require.NoError(t, lib.Load(context.Background()))
		return lib.Snapshot()
	}
	want := load(nil)
	rc, err := OpenRenderCache(filepath.Join(data, "render"), nil)
	require.NoError(t, err)
	load(rc)
	require.FileExists(t, rc.fm.file)

	warm, err := OpenRenderCache(filepath.Join(data, "render"), nil) // a restart: a new cache over the same folder
	require.NoError(t, err)
	got := load(warm)
	require.Len(t, got.Articles, len(want.Articles))
	for i, a := range want.Articles {
		assert.Equal(t, articleView(a), articleView(got.Articles[i]), a.Path)
	}
	assert.Equal(t, want.Warnings, got.Warnings)
	assert.False(t, warm.fm.dirty, "a warm load parses no front matter kb caches")
	// every file's front matter but the unclosed one, the one with unknown
	// keys and the copy of another's
	assert.Equal(t, len(files)-3, len(warm.fm.known))
}

// FuzzFrontMatterCache feeds the cache file's decoder arbitrary bytes: it
// returns entries or an error, never panics, and what it returns encodes
// back to the same entries.
func FuzzFrontMatterCache(f *testing.F) {
	fm, _, err := parseFrontMatter("a.md", []byte("---\ntitle: T\ntags: [a]\nreviewed: 2026-01-02\nreview_every: soon\n---\n"))
	f.Add(encodeFrontMatters(map[[32]byte]cachedFrontMatter{{1}: {fm: fm, errs: []FrontMatterError{{Line: 5, Err: err}}}}))
	f.Add([]byte(frontMatterCacheVersion))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeFrontMatters(b)
		if err != nil {
			return
		}
		again, err := decodeFrontMatters(encodeFrontMatters(m))
		require.NoError(t, err)
		assert.Len(t, again, len(m))
	})
}
