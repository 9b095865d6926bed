package content

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree writes files (path → content) below a new temporary folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
	return dir
}

// rootFS opens dir the way kb serve does: through os.Root.
func rootFS(t testing.TB, dir string) fs.FS {
	t.Helper()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	return DirFS(root)
}

func load(t *testing.T, files fs.FS) *Snapshot {
	t.Helper()
	s, err := Load(context.Background(), files, Options{})
	require.NoError(t, err)
	return s
}

func messages(ws []Warning) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(w.String() + "\n")
	}
	return b.String()
}

func TestLoadDefaults(t *testing.T) {
	s := load(t, fstest.MapFS{
		"runbooks/etcd/no-leader.md":   {Data: []byte("# etcd has no leader\n\nBody.\n")},
		"runbooks/disk/full.md":        {Data: []byte("---\ntitle: Disk full\nid: Disk-Full\ntype: article\nservice: Disk\n---\ntext\n")},
		"articles/how-to_write.md":     {Data: []byte("no heading here\n")},
		"articles/_index.md":           {Data: []byte("# Articles\n")},
		"articles/diagram.svg":         {Data: []byte("<svg/>")},
		".git/config":                  {Data: []byte("[core]")},
		".hidden/secret.md":            {Data: []byte("# secret")},
		"kb.yaml":                      {Data: []byte("title: Acme\nwebhook_secrets: {jira: s3cret}\n")},
		"articles/.draft.md":           {Data: []byte("# draft")},
		"runbooks/k8s/Crash Loop ü.md": {Data: []byte("# Crash")},
	})
	require.Len(t, s.Articles, 5, messages(s.Warnings))

	a, ok := s.ByURL("/runbooks/etcd/no-leader")
	require.True(t, ok)
	assert.Equal(t, "etcd has no leader", a.Title, "title from the first H1")
	assert.Equal(t, "runbooks-etcd-no-leader", a.ID, "id derived from the path")
	assert.Equal(t, TypeRunbook, a.Type, "runbook under runbooks/")

	d, ok := s.ByID("disk-full")
	require.True(t, ok, "ids are case-insensitive")
	assert.Equal(t, "Disk full", d.Title)
	assert.Equal(t, TypeArticle, d.Type, "front matter type wins")
	assert.Equal(t, "disk", d.Service)

	w, ok := s.ByPath("articles/how-to_write.md")
	require.True(t, ok)
	assert.Equal(t, "how to write", w.Title, "title from the file name")
	assert.Equal(t, TypeArticle, w.Type)

	idx, ok := s.ByURL("/articles")
	require.True(t, ok, "_index.md stands for its folder")
	assert.Equal(t, "Articles", idx.Title)

	_, ok = s.ByURL("/runbooks/k8s/Crash Loop ü")
	assert.True(t, ok, "names with spaces and non-ASCII letters")

	assert.True(t, s.Attachment("articles/diagram.svg"))
	assert.False(t, s.Attachment("kb.yaml"), "kb.yaml holds secrets and is never an attachment")
	assert.False(t, s.Attachment(".git/config"))
	_, _, err := s.Open(".git/config")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, "Acme", s.Site.Title)
	assert.NotEmpty(t, s.Version)
}

func TestLoadBadFiles(t *testing.T) {
	big := "---\ntitle: Huge\nid: huge\n---\n" + strings.Repeat("word ", 1<<20)
	s := load(t, fstest.MapFS{
		"empty.md":     {Data: nil},
		"onlyfm.md":    {Data: []byte("---\ntitle: Only\n---\n")},
		"bom.md":       {Data: []byte("\uFEFF---\r\ntitle: BOM and CRLF\r\n---\r\n# Heading\r\n")},
		"latin1.md":    {Data: []byte("# caf\xe9\n")},
		"binary.md":    {Data: []byte("\x00\x01\x02PNG")},
		"huge.md":      {Data: []byte(big)},
		"unclosed.md":  {Data: []byte("---\ntitle: x\n# Body\n")},
		"badyaml.md":   {Data: []byte("---\ntitle: ok\ntags: [a,\n---\nbody\n")},
		"wrongtype.md": {Data: []byte("---\ntitle: Wrong\nreviewed: soon\n---\nbody\n")},
	})
	require.Len(t, s.Articles, 9)
	get := func(p string) *Article {
		a, ok := s.ByPath(p)
		require.True(t, ok, p)
		return a
	}
	assert.Equal(t, "empty", get("empty.md").Title)
	assert.Equal(t, "Only", get("onlyfm.md").Title)
	assert.Equal(t, "BOM and CRLF", get("bom.md").Title, "BOM and CRLF handled")
	assert.Contains(t, get("latin1.md").Title, "caf\uFFFD")
	assert.Contains(t, messages(get("latin1.md").Warnings), "UTF-8")

	bin := get("binary.md")
	assert.NotEmpty(t, bin.Unrendered)
	assert.Contains(t, messages(bin.Warnings), "binary")

	huge := get("huge.md")
	assert.Contains(t, huge.Unrendered, "limit")
	assert.Equal(t, "Huge", huge.Title, "front matter of a too-large file still counts")
	assert.Equal(t, "huge", huge.ID)

	assert.Contains(t, messages(get("unclosed.md").Warnings), "unclosed.md:1: front matter")
	assert.Contains(t, messages(get("badyaml.md").Warnings), "badyaml.md:3: front matter: invalid YAML")
	wrong := get("wrongtype.md")
	assert.Equal(t, "Wrong", wrong.Title, "one bad key keeps the others")
	assert.Contains(t, messages(wrong.Warnings), "wrongtype.md:3: front matter: reviewed")
}

func TestLoadDuplicates(t *testing.T) {
	files := fstest.MapFS{
		"b/one.md":      {Data: []byte("---\nid: same\naliases: [/old, /a/two]\n---\n")},
		"a/two.md":      {Data: []byte("---\nid: same\naliases: [/old]\n---\n")},
		"c/x.md":        {Data: []byte("# x")},
		"c/x/_index.md": {Data: []byte("# x index")},
	}
	for range 3 { // the winner never depends on load order
		s := load(t, files)
		one, _ := s.ByPath("b/one.md")
		two, _ := s.ByPath("a/two.md")
		got, ok := s.ByID("same")
		require.True(t, ok)
		assert.Equal(t, two, got, "the path that sorts first keeps the id")
		assert.Equal(t, "b-one", one.ID)
		assert.Contains(t, messages(one.Warnings), "a/two.md", "the warning names both files")
		old, ok := s.ByAlias("/old")
		require.True(t, ok)
		assert.Equal(t, two, old)
		assert.Contains(t, messages(one.Warnings), "alias /old is also claimed by a/two.md")
		assert.Contains(t, messages(one.Warnings), "alias /a/two is the URL of")
		x, _ := s.ByPath("c/x/_index.md")
		assert.Equal(t, "/c/x/_index", x.URL, "a URL clash moves the later file")
	}
}

func TestNormaliseAlias(t *testing.T) {
	tests := []struct {
		name, alias, want string
		wantErr           bool
	}{
		{name: "absolute", alias: "/runbooks/old", want: "/runbooks/old"},
		{name: "relative to the folder", alias: "gcm", want: "/docs/core/gcm"},
		{name: "trailing slash and .md", alias: "/x/y.md/", want: "/x/y"},
		{name: "protocol relative", alias: "//evil.example", wantErr: true},
		{name: "scheme", alias: "https://evil.example/x", wantErr: true},
		{name: "javascript", alias: "javascript:alert(1)", wantErr: true},
		{name: "climbing", alias: "../../x", wantErr: true},
		{name: "climbing absolute", alias: "/a/../../x", wantErr: true},
		{name: "backslash", alias: "/\\evil.example", wantErr: true},
		{name: "control", alias: "/a\x00b", wantErr: true},
		{name: "empty", alias: " ", wantErr: true},
		{name: "root", alias: "/", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := normaliseAlias("docs/core/page.md", tt.alias)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestLoadSymlinkOutsideRoot(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.md": "# root:x:0:0 secret", "secret.png": "secret"})
	dir := writeTree(t, map[string]string{"inside.md": "# Inside"})
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.md"), filepath.Join(dir, "leak.md")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(dir, "leak.png")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "leakdir")))
	s := load(t, rootFS(t, dir))
	leak, ok := s.ByPath("leak.md")
	require.True(t, ok, "the link is listed, with a warning")
	assert.NotContains(t, string(leak.Doc.HTML)+leak.Title, "secret")
	assert.NotEmpty(t, leak.Unrendered)
	_, _, err := s.Open("leak.png")
	assert.Error(t, err, "an attachment linking outside the root cannot be opened")
	for _, a := range s.Articles {
		assert.NotContains(t, a.Path, "leakdir/", "a linked folder is never walked")
	}
}

func TestLibraryPublishesWholeSnapshots(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A"})
	lib := NewLibrary(rootFS(t, dir), Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := lib.Snapshot()
				// A snapshot is internally consistent: every listed article can be found by its id.
				for _, a := range s.Articles {
					got, ok := s.ByID(a.ID)
					if !assert.True(t, ok) || !assert.Same(t, a, got) {
						return
					}
				}
			}
		})
	}
	for i := range 20 {
		name := filepath.Join(dir, "n"+string(rune('a'+i))+".md")
		require.NoError(t, os.WriteFile(name, []byte("# N"), 0o644))
		require.NoError(t, lib.Load(context.Background()))
	}
	close(stop)
	wg.Wait()
	assert.Len(t, lib.Snapshot().Articles, 21)
}

func TestLibraryKeepsLastGoodSnapshot(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.md": "# A"})
	lib := NewLibrary(rootFS(t, dir), Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	good := lib.Snapshot()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Error(t, lib.Load(ctx))
	assert.Same(t, good, lib.Snapshot())
	assert.Error(t, lib.Err())
	require.NoError(t, lib.Load(context.Background()))
	assert.NoError(t, lib.Err())
}

func TestSimilar(t *testing.T) {
	s := load(t, fstest.MapFS{
		"runbooks/kubernetes/pod-crash-looping.md":  {Data: []byte("# Pod crash looping")},
		"runbooks/postgres/too-many-connections.md": {Data: []byte("# Too many connections")},
	})
	got := s.Similar("/runbooks/kubernetes/KubePodCrashLooping", 3)
	require.NotEmpty(t, got)
	assert.Equal(t, "runbooks/kubernetes/pod-crash-looping.md", got[0].Path)
}

func TestLoadTime(t *testing.T) {
	s := load(t, fstest.MapFS{"a.md": {Data: []byte("# A"), ModTime: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}})
	assert.Equal(t, 2026, s.Articles[0].Updated.Year())
}

// TestReadSized: a file is read into a buffer of its size (plus the byte
// that sees the end), not the doubling one of io.ReadAll; a file that grew
// since its size was taken is read whole all the same.
func TestReadSized(t *testing.T) {
	body := bytes.Repeat([]byte("runbook line\n"), 1000)
	got, err := readSized(bytes.NewReader(body), int64(len(body))+1)
	require.NoError(t, err)
	assert.Equal(t, body, got)
	assert.Equal(t, len(body)+1, cap(got), "no buffer past the size")

	got, err = readSized(bytes.NewReader(body), 100)
	require.NoError(t, err)
	assert.Equal(t, body, got, "grown past a stale size")

	got, err = readSized(bytes.NewReader(nil), 1)
	require.NoError(t, err)
	assert.Empty(t, got)
}
