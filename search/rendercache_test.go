package search

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

// TestTextFromRenderCache: with a render cache, an article's plain text and
// code are not held in memory; the index reads them from the cache, finds
// the same articles with the same scores, snippets and sections as from a
// load that holds them, and takes the two for the same text (nothing is
// indexed again).
func TestTextFromRenderCache(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	files := map[string]string{
		"runbooks/disk.md": "# Disk full\n\n## Diagnosis\n\nThe zanzibar volume fills when logs rotate late.\n\n```sh\nfrobnicate --now /var/log\n```\n",
		"kb/dns.md":        "# DNS\n\nThe resolver forgets zanzibar records after an hour.\n",
	}
	for p, body := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(body), 0o644))
	}
	rcDir := filepath.Join(t.TempDir(), "render")
	rc, err := content.OpenRenderCache(rcDir, nil)
	require.NoError(t, err)
	held, err := content.Load(ctx, os.DirFS(root), content.Options{})
	require.NoError(t, err)
	_, err = content.Load(ctx, os.DirFS(root), content.Options{RenderCache: rc}) // writes the cache
	require.NoError(t, err)
	stored, err := content.Load(ctx, os.DirFS(root), content.Options{RenderCache: rc}) // reads it
	require.NoError(t, err)
	for _, a := range stored.Articles {
		assert.Empty(t, a.Doc.Text+a.Doc.Code, "%s: the text stays on disk", a.Path)
		h, _ := held.ByPath(a.Path)
		text, code, err := a.Text()
		require.NoError(t, err)
		assert.Equal(t, h.Doc.Text, text, a.Path)
		assert.Equal(t, h.Doc.Code, code, a.Path)
		assert.Equal(t, h.TextDigest(), a.TextDigest(), a.Path)
	}

	fromHeld := openSynced(t, Options{}, held.Articles...)
	fromDisk := openSynced(t, Options{}, stored.Articles...)
	for _, q := range []string{"zanzibar", "frobnicate", "zanzibar volume", "logs rotate"} {
		want, got := mustSearch(t, fromHeld, q), mustSearch(t, fromDisk, q)
		require.NotEmpty(t, got.Hits, q)
		assert.Equal(t, want.Hits, got.Hits, q)
	}
	assert.Contains(t, string(mustSearch(t, fromDisk, "zanzibar volume").Hits[0].Snippet), "<mark>zanzibar</mark>")

	before := fromDisk.indexed.Load()
	require.NoError(t, fromDisk.Sync(ctx, snapshot("v2", held.Articles...)))
	assert.Equal(t, before, fromDisk.indexed.Load(), "the text held and the text on disk have one fingerprint")

	// The cache cleared while kb runs: an update indexes the article
	// without its text, and the next sync indexes it again.
	require.NoError(t, os.RemoveAll(rcDir))
	require.NoError(t, fromDisk.Update(ctx, stored.Articles[:1]))
	before = fromDisk.indexed.Load()
	require.NoError(t, fromDisk.Sync(ctx, snapshot("v3", held.Articles...)))
	assert.Equal(t, before+1, fromDisk.indexed.Load(), "the article indexed without its text is indexed again")
	got := mustSearch(t, fromDisk, "frobnicate") // scores differ: the replaced documents still count in bleve's statistics
	require.Len(t, got.Hits, 1)
	assert.Equal(t, "runbooks-disk", got.Hits[0].ID)
}
