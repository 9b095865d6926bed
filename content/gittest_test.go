package content

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testRepo is a real git repository in a temporary folder. Its commands run
// with a fixed identity and without the machine's git configuration.
type testRepo struct {
	t    testing.TB
	dir  string
	when time.Time // commit time of the next commit; each commit adds a minute
}

func newTestRepo(t testing.TB) *testRepo {
	t.Helper()
	isolateGit(t)
	r := &testRepo{t: t, dir: t.TempDir(), when: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r.git("init", "-q", "-b", "main")
	return r
}

// isolateGit keeps the git commands of a test, kb's included, from reading
// the machine's global and system configuration.
func isolateGit(t testing.TB) {
	t.Helper()
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
}

func (r *testRepo) env() []string {
	date := fmt.Sprintf("%d +0000", r.when.Unix())
	return append(os.Environ(),
		"GIT_AUTHOR_NAME=Ada Author", "GIT_AUTHOR_EMAIL=ada@example.com", "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME=Ada Author", "GIT_COMMITTER_EMAIL=ada@example.com", "GIT_COMMITTER_DATE="+date,
	)
}

// git runs git in the repository and returns its trimmed output.
func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	return r.gitIn(r.dir, args...)
}

func (r *testRepo) gitIn(dir string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = r.env()
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	require.NoError(r.t, cmd.Run(), "git %s: %s", strings.Join(args, " "), stderr.String())
	return strings.TrimSpace(out.String())
}

// write writes files (path → content) into the working tree; an empty
// content removes the file.
func (r *testRepo) write(files map[string]string) {
	r.t.Helper()
	for p, body := range files {
		full := filepath.Join(r.dir, filepath.FromSlash(p))
		if body == "" {
			require.NoError(r.t, os.Remove(full))
			continue
		}
		require.NoError(r.t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(r.t, os.WriteFile(full, []byte(body), 0o644))
	}
}

// commit stages everything and commits it; it returns the commit hash.
func (r *testRepo) commit(msg string) string {
	r.t.Helper()
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	r.when = r.when.Add(time.Minute)
	return r.git("rev-parse", "HEAD")
}

// commitFiles writes files and commits them.
func (r *testRepo) commitFiles(msg string, files map[string]string) string {
	r.t.Helper()
	r.write(files)
	return r.commit(msg)
}

// fastImport feeds a git fast-import stream to the repository: thousands of
// commits in a second, where git commit would take minutes.
func (r *testRepo) fastImport(stream []byte) {
	r.t.Helper()
	cmd := exec.Command("git", "-C", r.dir, "fast-import", "--quiet")
	// fast-import grows its heap a little at a time; a large top pad saves
	// most of its system calls.
	cmd.Env = append(r.env(), "MALLOC_TOP_PAD_=268435456")
	cmd.Stdin = bytes.NewReader(stream)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(r.t, cmd.Run(), stderr.String())
}

// importer writes a fast-import stream of commits on refs/heads/main.
type importer struct {
	buf  bytes.Buffer
	when int64
	n    int
}

func newImporter(from time.Time) *importer { return &importer{when: from.Unix()} }

// commit adds a commit by author that applies ops: "M path content" lines
// are written as modify commands with inline data, and "R old new" and
// "D path" as they are. The first commit of a stream with parent set
// continues from that commit.
func (im *importer) commit(author, msg, parent string, files map[string]string, ops ...string) {
	im.n++
	im.when += 60
	fmt.Fprintf(&im.buf, "commit refs/heads/main\ncommitter %s <%s@example.com> %d +0000\ndata %d\n%s\n",
		author, strings.ToLower(strings.Fields(author)[0]), im.when, len(msg), msg)
	if parent != "" {
		fmt.Fprintf(&im.buf, "from %s\n", parent)
	}
	for _, op := range ops {
		im.buf.WriteString(op + "\n")
	}
	for p, body := range files {
		fmt.Fprintf(&im.buf, "M 100644 inline %s\ndata %d\n%s\n", p, len(body), body)
	}
}

func (im *importer) bytes() []byte { return im.buf.Bytes() }

// gitLibrary opens the repository at ref in git mode and loads it.
func gitLibrary(t testing.TB, dir, ref string) (*Library, *GitRepo) {
	t.Helper()
	repo, err := OpenGit(context.Background(), dir, ref)
	require.NoError(t, err)
	t.Cleanup(func() { repo.Close() })
	lib := NewGitLibrary(repo, Options{}, discardLogger())
	require.NoError(t, lib.Load(context.Background()))
	return lib, repo
}

func mustArticle(t testing.TB, s *Snapshot, p string) *Article {
	t.Helper()
	a, ok := s.ByPath(p)
	require.True(t, ok, "no article %s", p)
	return a
}
