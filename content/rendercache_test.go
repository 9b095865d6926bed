package content

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/render"
)

type emptyResolver struct{}

func (emptyResolver) Article(string) (string, bool) { return "", false }
func (emptyResolver) Attachment(string) bool        { return false }

func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	}))
	return out
}

func TestRenderCache(t *testing.T) {
	ctx := context.Background()
	root, data := t.TempDir(), t.TempDir()
	write := func(p, s string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(s), 0o644))
	}
	write("runbooks/a.md", "# A\n\nSee [b](b.md).\n\n```go\nfunc main() {}\n```\n")
	write("runbooks/c.md", "# C\n\nPlain prose.\n")
	rc, err := OpenRenderCache(filepath.Join(data, "render"), nil)
	require.NoError(t, err)
	opts := Options{RenderCache: rc}

	first, err := Load(ctx, os.DirFS(root), opts)
	require.NoError(t, err)
	assert.Len(t, cacheFiles(t, rc.dir), 2, "one file a rendered article")
	a1, _ := first.ByPath("runbooks/a.md")
	require.True(t, a1.Doc.Links[0].Broken, "b.md does not exist yet")

	// Nothing changed: every article comes from the cache, as it was.
	again, err := Load(ctx, os.DirFS(root), opts)
	require.NoError(t, err)
	a2, _ := again.ByPath("runbooks/a.md")
	assert.Equal(t, a1.Doc, a2.Doc)
	assert.Nil(t, a2.Doc.HTML, "the HTML stays on disk")
	assert.Equal(t, a1.HTML(), a2.HTML())
	assert.Contains(t, string(a2.HTML()), "<pre")
	assert.Equal(t, a1.Warnings, a2.Warnings, "the broken link's warning survives the cache")

	// A plain (deferred highlight) load takes the highlighted render.
	plain, err := Load(ctx, os.DirFS(root), Options{RenderCache: rc, DeferHighlight: true})
	require.NoError(t, err)
	a3, _ := plain.ByPath("runbooks/a.md")
	assert.False(t, a3.Doc.Unhighlighted)
	assert.Contains(t, string(a3.HTML()), "chroma")

	// The link's target appears: a's cached render is not used.
	write("runbooks/b.md", "# B\n")
	withB, err := Load(ctx, os.DirFS(root), opts)
	require.NoError(t, err)
	a4, _ := withB.ByPath("runbooks/a.md")
	assert.False(t, a4.Doc.Links[0].Broken, "a renders again once b.md exists")

	// A damaged file is a miss, not an error.
	for _, f := range cacheFiles(t, rc.dir) {
		require.NoError(t, os.WriteFile(f, []byte("not gob"), 0o644))
	}
	damaged, err := Load(ctx, os.DirFS(root), opts)
	require.NoError(t, err)
	c, _ := damaged.ByPath("runbooks/c.md")
	assert.Contains(t, string(c.HTML()), "Plain prose.")

	// An edit renders the new bytes.
	write("runbooks/c.md", "# C\n\nEdited prose.\n")
	edited, err := Load(ctx, os.DirFS(root), opts)
	require.NoError(t, err)
	c, _ = edited.ByPath("runbooks/c.md")
	assert.True(t, strings.Contains(string(c.HTML()), "Edited prose."))
}

func FuzzRenderCacheEntry(f *testing.F) {
	f.Add([]byte("not gob"))
	f.Add(encodeEntry(cacheEntry{Asked: []question{{Path: "b.md", OK: true}}, Doc: render.Doc{HTML: []byte("<p>x</p>"), Links: []render.Link{{Dest: "b.md"}}}}))
	f.Add([]byte{})
	dir := f.TempDir()
	rc, err := OpenRenderCache(dir, nil)
	require.NoError(f, err)
	src := parseArticle(file{path: "a.md"}, []byte("# A\n"), nil, 1<<20, nil)
	f.Fuzz(func(t *testing.T, b []byte) {
		// Whatever bytes sit in a cache file, get answers a render or nothing, never a panic.
		name := rc.file(rc.key(render.Options{}, src))
		require.NoError(t, writeAtomically(name, b))
		_ = rc.get(render.Options{}, src, emptyResolver{})
		if e, err := decodeEntry(b, withText|withHTML); err == nil {
			again, err := decodeEntry(encodeEntry(e), withText|withHTML)
			require.NoError(t, err)
			e.stored.digest = textDigest(e.Doc.Text, e.Doc.Code) // encodeEntry writes the digest of what it has
			require.Equal(t, e, again, "what decodes encodes to the same entry")
		}
	})
}

// TestRenderCacheRemovedWhileServing: a page whose cache file is gone says so
// instead of failing.
func TestRenderCacheRemovedWhileServing(t *testing.T) {
	root, data := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "a.md"), []byte("# A\n\nBody.\n"), 0o644))
	rc, err := OpenRenderCache(filepath.Join(data, "render"), nil)
	require.NoError(t, err)
	s, err := Load(context.Background(), os.DirFS(root), Options{RenderCache: rc})
	require.NoError(t, err)
	a, _ := s.ByPath("a.md")
	assert.Contains(t, string(a.HTML()), "Body.")
	text, _, err := a.Text()
	require.NoError(t, err)
	assert.Contains(t, text, "Body.")
	assert.Empty(t, a.Doc.Text, "the text is read from the cache, not held")
	require.NoError(t, os.RemoveAll(rc.dir))
	assert.Equal(t, missingHTML, string(a.HTML()))
	_, _, err = a.Text()
	assert.ErrorIs(t, err, ErrTextGone)
}

// TestCacheEntryRoundTrip fills every field of an entry (by reflection, so a
// field added to render.Doc and not to the format fails here) and reads it back.
func TestCacheEntryRoundTrip(t *testing.T) {
	var e cacheEntry
	fill(reflect.ValueOf(&e.Asked).Elem(), 1)
	fill(reflect.ValueOf(&e.Doc).Elem(), 2)
	got, err := decodeEntry(encodeEntry(e), withText|withHTML)
	require.NoError(t, err)
	e.stored = storedDoc{html: len(e.Doc.HTML), text: len(e.Doc.Text), code: len(e.Doc.Code), digest: textDigest(e.Doc.Text, e.Doc.Code)}
	assert.Equal(t, e, got)
	meta, err := decodeEntry(encodeEntry(e), 0)
	require.NoError(t, err)
	assert.Equal(t, e.stored, meta.stored, "without the bodies, their sizes and digest")
	assert.Empty(t, meta.Doc.HTML)
	assert.Empty(t, meta.Doc.Text+meta.Doc.Code)
	_, err = decodeEntry(encodeEntry(e)[:len(encodeEntry(e))-1], withText|withHTML)
	assert.ErrorIs(t, err, errCacheFormat, "a truncated file")
}

func fill(v reflect.Value, n int) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), n+i)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n+i)
		}
		v.Set(s)
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", n))
	case reflect.Int:
		v.SetInt(int64(n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Uint8:
		v.SetUint(uint64(n))
	default:
		panic("fill: " + v.Kind().String())
	}
}

// TestRenderCachePruned: after highlighting, the cache holds the files of
// the served snapshot only (an edit's old version goes) and the plain
// renders of code this process wrote, which the next start removes.
func TestRenderCachePruned(t *testing.T) {
	ctx := context.Background()
	root, data := t.TempDir(), t.TempDir()
	write := func(p, s string) { require.NoError(t, os.WriteFile(filepath.Join(root, p), []byte(s), 0o644)) }
	write("a.md", "# A\n\n```go\nfunc a() {}\n```\n")
	write("b.md", "# B\n\nProse.\n")
	rc, err := OpenRenderCache(filepath.Join(data, "render"), nil)
	require.NoError(t, err)
	lib := NewLibrary(os.DirFS(root), Options{RenderCache: rc, DeferHighlight: true}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(ctx))
	write("b.md", "# B\n\nEdited.\n")
	_, err = lib.Apply(ctx, []string{"b.md"})
	require.NoError(t, err)
	assert.Len(t, cacheFiles(t, rc.dir), 4, "a plain and b, and from the edit (any load after the first highlights) a and b edited")
	_, err = lib.Highlight(ctx)
	require.NoError(t, err)
	assert.Len(t, cacheFiles(t, rc.dir), 3, "a highlighted and b edited, and a plain, which the plain snapshot's readers may still read")
	a, _ := lib.Snapshot().ByPath("a.md")
	assert.Contains(t, string(a.HTML()), "chroma")

	rc, err = OpenRenderCache(filepath.Join(data, "render"), nil) // the next start
	require.NoError(t, err)
	lib = NewLibrary(os.DirFS(root), Options{RenderCache: rc, DeferHighlight: true}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(ctx))
	_, err = lib.Highlight(ctx)
	require.NoError(t, err)
	files := cacheFiles(t, rc.dir)
	assert.Len(t, files, 2, "a highlighted and b edited")
	for _, f := range files {
		assert.NotContains(t, f, plainSuffix)
	}
}
