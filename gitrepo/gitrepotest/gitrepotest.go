// Package gitrepotest makes real git repositories for the tests and
// benchmarks of gitrepo and of the packages that read git through it: a
// repository in a temporary folder with a fixed identity and clock, and
// fast-import streams for long histories. It is for tests only and imports
// nothing of kb; its API is internal to kb.
package gitrepotest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Repo is a real git repository in a temporary folder. Its commands run
// with a fixed identity and without the machine's git configuration.
type Repo struct {
	Dir string // the work tree

	tb   testing.TB
	when time.Time // commit time of the next commit; each commit adds a minute
}

// New makes an empty repository on branch main below tb.TempDir(), and
// isolates the test's git commands (see Isolate).
func New(tb testing.TB) *Repo {
	tb.Helper()
	Isolate(tb)
	r := &Repo{tb: tb, Dir: tb.TempDir(), when: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r.Git("init", "-q", "-b", "main")
	return r
}

// Isolate keeps the git commands of a test, kb's included, from reading
// the machine's global and system configuration.
func Isolate(tb testing.TB) {
	tb.Helper()
	tb.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	tb.Setenv("GIT_CONFIG_NOSYSTEM", "1")
}

func (r *Repo) env() []string {
	date := fmt.Sprintf("%d +0000", r.when.Unix())
	return append(os.Environ(),
		"GIT_AUTHOR_NAME=Ada Author", "GIT_AUTHOR_EMAIL=ada@example.com", "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME=Ada Author", "GIT_COMMITTER_EMAIL=ada@example.com", "GIT_COMMITTER_DATE="+date,
	)
}

// Git runs git in the repository and returns its trimmed output.
func (r *Repo) Git(args ...string) string {
	r.tb.Helper()
	return r.GitIn(r.Dir, args...)
}

// GitIn runs git in dir (a clone, say) with the repository's identity and
// clock, and returns its trimmed output.
func (r *Repo) GitIn(dir string, args ...string) string {
	r.tb.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = r.env()
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	require.NoError(r.tb, cmd.Run(), "git %s: %s", strings.Join(args, " "), stderr.String())
	return strings.TrimSpace(out.String())
}

// Write writes files (path → content) into the working tree; an empty
// content removes the file.
func (r *Repo) Write(files map[string]string) {
	r.tb.Helper()
	for p, body := range files {
		full := filepath.Join(r.Dir, filepath.FromSlash(p))
		if body == "" {
			require.NoError(r.tb, os.Remove(full))
			continue
		}
		require.NoError(r.tb, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(r.tb, os.WriteFile(full, []byte(body), 0o644))
	}
}

// Commit stages everything and commits it; it returns the commit hash.
func (r *Repo) Commit(msg string) string {
	r.tb.Helper()
	r.Git("add", "-A")
	r.Git("commit", "-q", "--allow-empty", "-m", msg)
	r.when = r.when.Add(time.Minute)
	return r.Git("rev-parse", "HEAD")
}

// CommitFiles writes files and commits them.
func (r *Repo) CommitFiles(msg string, files map[string]string) string {
	r.tb.Helper()
	r.Write(files)
	return r.Commit(msg)
}

// FastImport feeds a git fast-import stream to the repository: thousands of
// commits in a second, where git commit would take minutes.
func (r *Repo) FastImport(stream []byte) {
	r.tb.Helper()
	cmd := exec.Command("git", "-C", r.Dir, "fast-import", "--quiet")
	// fast-import grows its heap a little at a time; a large top pad saves
	// most of its system calls.
	cmd.Env = append(r.env(), "MALLOC_TOP_PAD_=268435456")
	cmd.Stdin = bytes.NewReader(stream)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(r.tb, cmd.Run(), stderr.String())
}

// Importer writes a fast-import stream of commits on refs/heads/main.
type Importer struct {
	buf  bytes.Buffer
	when int64
	n    int
}

// NewImporter starts a stream whose first commit is a minute after from.
func NewImporter(from time.Time) *Importer { return &Importer{when: from.Unix()} }

// Commit adds a commit by author that applies ops: "M path content" lines
// are written as modify commands with inline data, and "R old new" and
// "D path" as they are. The first commit of a stream with parent set
// continues from that commit.
func (im *Importer) Commit(author, msg, parent string, files map[string]string, ops ...string) {
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

// Bytes returns the stream written so far.
func (im *Importer) Bytes() []byte { return im.buf.Bytes() }

// LongHistory imports commits commits over files files into r's main:
// Markdown pages in 20 folders (runbooks/s0/page0.md, ...); each commit
// changes one to three files, every 100th renames one.
func LongHistory(r *Repo, files, commits int) {
	im := NewImporter(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	paths := make([]string, files)
	all := map[string]string{}
	for i := range paths {
		paths[i] = fmt.Sprintf("runbooks/s%d/page%d.md", i%20, i)
		all[paths[i]] = fmt.Sprintf("# Page %d\n\nSee [first](../s0/page0.md).\n", i)
	}
	im.Commit("Ada Author", "initial", "", all)
	authors := []string{"Ada Author", "Bob Builder", "Cy Coder"}
	for c := 1; c < commits; c++ {
		author := authors[c%len(authors)]
		if c%100 == 50 {
			i := 1 + c%(files-1)
			old := paths[i]
			paths[i] = strings.TrimSuffix(old, ".md") + fmt.Sprintf("-r%d.md", c)
			im.Commit(author, fmt.Sprintf("rename %d", c), "", nil, fmt.Sprintf("R %s %s", old, paths[i]))
			continue
		}
		set := map[string]string{}
		for k := range 1 + c%3 {
			i := (c*7 + k*13) % files
			if c%10 == 0 {
				i = 0
			}
			set[paths[i]] = fmt.Sprintf("# Page %d\n\nedit %d; see [first](../s0/page0.md).\n", i, c)
		}
		im.Commit(author, fmt.Sprintf("change %d", c), "", set)
	}
	r.FastImport(im.Bytes())
}
