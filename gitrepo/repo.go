package gitrepo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNotRepository is what Open returns (wrapped, with git's reason) for a
// folder outside any git repository, or one git refuses to read.
var ErrNotRepository = errors.New("not in a git repository")

// ErrNotFound is returned for a commit, or a file in a commit, that the
// repository does not have, and for paths and revisions kb never passes to git.
var ErrNotFound = errors.New("not found")

// Time limits of git commands. A command that hangs (a remote that never
// answers, a repository on a stuck disk) is killed, and the caller keeps
// serving what it has.
const (
	gitTimeout   = 30 * time.Second // local commands: rev-parse, ls-tree, log, diff
	fetchTimeout = 2 * time.Minute  // git fetch, which talks to a remote
	blobTimeout  = 30 * time.Second // one blob through cat-file --batch
	gitWaitDelay = 2 * time.Second  // after a kill, how long a child (ssh) may hold the pipes
)

// Repo is the git repository a folder belongs to, read only through the git
// command: a commit's tree and blobs (never the working tree, which a pull
// may be rewriting), history, diffs and fetches. Paths in and out of its
// methods are relative to the folder it was opened at. Its methods are safe
// for concurrent use.
type Repo struct {
	top    string              // the work tree's root, or the git directory of a bare repository
	prefix string              // the folder inside the repository: "" or "docs/kb/"
	ref    string              // what Resolve resolves, e.g. "origin/main" or "HEAD"
	skip   func(p string) bool // paths left out of trees and diffs; never nil

	blobs catFile      // one long-lived git cat-file --batch
	cache historyCache // History and Diff answers by commit
}

// Options says which commit a Repo serves and which of its files it lists.
type Options struct {
	// Ref ("origin/main", "main", "HEAD"; "" means HEAD) is the commit
	// Resolve returns.
	Ref string
	// Skip leaves out of FS and Changed the folder-relative paths it
	// reports true for (kb: hidden files); nil keeps every path.
	Skip func(p string) bool
}

// Open opens the git repository that the folder dir belongs to; dir may be
// its root or a folder inside it, whose files are then the ones the Repo
// reads. A folder outside any git repository (or one git refuses to read,
// such as a repository of another user without safe.directory, or no git
// command) returns an error wrapping ErrNotRepository and git's reason; a
// repository without commits or without opts.Ref fails too. Close ends the
// git process the repository keeps for reading blobs.
func Open(ctx context.Context, dir string, opts Options) (*Repo, error) {
	ref, skip := opts.Ref, opts.Skip
	if skip == nil {
		skip = func(string) bool { return false }
	}
	if ref == "" {
		ref = "HEAD"
	}
	if strings.HasPrefix(ref, "-") || strings.ContainsAny(ref, " \t\n\x00") {
		return nil, fmt.Errorf("git ref %q: not a ref name", ref)
	}
	abs, err := absDir(dir)
	if err != nil {
		return nil, err
	}
	g := &Repo{top: abs, ref: ref, skip: skip}
	out, err := g.output(ctx, gitTimeout, "rev-parse", "--is-bare-repository")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w: %w", dir, ErrNotRepository, err)
	}
	if strings.TrimSpace(string(out)) != "true" {
		out, err = g.output(ctx, gitTimeout, "rev-parse", "--show-toplevel", "--show-prefix")
		if err != nil {
			return nil, fmt.Errorf("open git repository %s: %w", dir, err)
		}
		lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		g.top = lines[0]
		if len(lines) > 1 {
			g.prefix = lines[1]
		}
	}
	g.blobs.dir = g.top
	if _, err := g.Resolve(ctx); err != nil {
		return nil, err
	}
	return g, nil
}

func absDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("open git repository: %w", err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("open git repository: %w", err)
	}
	if !info.IsDir() {
		return "", fmt.Errorf("open git repository %s: not a folder", dir)
	}
	return abs, nil
}

// Close stops the git process that reads blobs. Trees from FS cannot open
// their files afterwards.
func (g *Repo) Close() error {
	g.blobs.close()
	return nil
}

// Resolve returns the commit that the repository's ref names now.
func (g *Repo) Resolve(ctx context.Context) (commit string, err error) {
	out, err := g.output(ctx, gitTimeout, "rev-parse", "--verify", "--end-of-options", g.ref+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("resolve git ref %s: %w", g.ref, err)
	}
	c := strings.TrimSpace(string(out))
	if !isHash(c) {
		return "", fmt.Errorf("resolve git ref %s: unexpected answer %q", g.ref, c)
	}
	return c, nil
}

// Fetch runs git fetch for the remote of the ref ("origin" for "origin/main"),
// or for every remote. It never prompts for credentials and gives up after
// two minutes or when ctx ends.
func (g *Repo) Fetch(ctx context.Context) error {
	args := []string{"fetch", "--prune", "--quiet", "--no-write-fetch-head"}
	remote := "--all"
	if r, _, ok := strings.Cut(g.ref, "/"); ok {
		if out, err := g.output(ctx, gitTimeout, "remote"); err == nil {
			for name := range strings.Lines(string(out)) {
				if strings.TrimSpace(name) == r {
					remote = r
				}
			}
		}
	}
	if _, err := g.output(ctx, fetchTimeout, append(args, remote)...); err != nil {
		return fmt.Errorf("git fetch: %w", err)
	}
	return nil
}

// ChangeOp is what a Change did to a file.
type ChangeOp byte

// The operations of a Change, as git diff --name-status writes them.
const (
	ChangeAdded    ChangeOp = 'A'
	ChangeModified ChangeOp = 'M'
	ChangeDeleted  ChangeOp = 'D'
	ChangeRenamed  ChangeOp = 'R'
)

// Change is one file changed between two commits.
type Change struct {
	Op      ChangeOp
	Path    string // folder-relative path after the change (before it, for a deletion)
	OldPath string // the path before a rename; "" otherwise
}

// Changed lists the files of the folder that differ between commits from and
// to, with renames detected as git does (-M). Paths that Options.Skip
// reports are left out.
func (g *Repo) Changed(ctx context.Context, from, to string) ([]Change, error) {
	if !isRev(from) || !isRev(to) {
		return nil, fmt.Errorf("git diff %q %q: not commit hashes", from, to)
	}
	args := []string{"diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-color", from, to}
	if g.prefix != "" {
		args = append(args, "--", g.prefix)
	}
	out, err := g.output(ctx, gitTimeout, args...)
	if err != nil {
		return nil, fmt.Errorf("git diff %s %s: %w", Short(from), Short(to), err)
	}
	var changes []Change
	toks := strings.Split(string(out), "\x00")
	for i := 0; i < len(toks); i++ {
		status := toks[i]
		if status == "" {
			continue
		}
		var c Change
		var ok bool
		switch status[0] {
		case 'R':
			if i+2 >= len(toks) {
				return nil, fmt.Errorf("git diff: truncated rename %q", status)
			}
			c.Op = ChangeRenamed
			old, okOld := g.rel(toks[i+1])
			c.Path, ok = g.rel(toks[i+2])
			i += 2
			switch {
			case okOld && ok:
				c.OldPath = old
			case ok:
				c.Op = ChangeAdded
			case okOld:
				c.Op, c.Path, ok = ChangeDeleted, old, true
			}
		case 'C': // a copy adds its new path
			if i+2 >= len(toks) {
				return nil, fmt.Errorf("git diff: truncated copy %q", status)
			}
			c.Op = ChangeAdded
			c.Path, ok = g.rel(toks[i+2])
			i += 2
		case 'A', 'D':
			if i+1 >= len(toks) {
				return nil, fmt.Errorf("git diff: truncated entry %q", status)
			}
			c.Op = ChangeOp(status[0])
			c.Path, ok = g.rel(toks[i+1])
			i++
		default: // M, T (type change) and anything newer git may invent
			if i+1 >= len(toks) {
				return nil, fmt.Errorf("git diff: truncated entry %q", status)
			}
			c.Op = ChangeModified
			c.Path, ok = g.rel(toks[i+1])
			i++
		}
		if ok && !g.skip(c.Path) && (c.OldPath == "" || !g.skip(c.OldPath)) {
			changes = append(changes, c)
		}
	}
	return changes, nil
}

// IsAncestor reports whether commit a is an ancestor of b (or b itself). A
// commit that no longer exists (a force-push followed by gc) is no ancestor.
func (g *Repo) IsAncestor(ctx context.Context, a, b string) (bool, error) {
	_, err := g.output(ctx, gitTimeout, "merge-base", "--is-ancestor", a, b)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ee) && ee.ExitCode() == 1:
		return false, nil
	case errors.As(err, &ee) && ee.ExitCode() == 128: // a missing commit
		return false, nil
	}
	return false, err
}

// rel turns a repository path into a folder-relative path; ok is false for
// paths outside the folder.
func (g *Repo) rel(p string) (string, bool) {
	if g.prefix == "" {
		return p, p != ""
	}
	r, ok := strings.CutPrefix(p, g.prefix)
	return r, ok && r != ""
}

// gitEnv keeps git from prompting, paging, translating or reading pathspecs
// as patterns: kb parses its output and passes file names as they are.
var gitEnv = []string{
	"GIT_TERMINAL_PROMPT=0",
	"GIT_ASKPASS=true",
	"SSH_ASKPASS=true",
	"GIT_LITERAL_PATHSPECS=1",
	"GIT_PAGER=cat",
	"LC_ALL=C",
}

// command prepares git args in the repository, bounded by ctx.
func (g *Repo) command(ctx context.Context, args ...string) *exec.Cmd {
	full := append([]string{"-C", g.top, "-c", "color.ui=never", "-c", "core.quotePath=false", "-c", "log.showSignature=false"}, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = append(os.Environ(), gitEnv...)
	cmd.WaitDelay = gitWaitDelay
	return cmd
}

// maxGitOutput bounds what output reads from one git command.
const maxGitOutput = 256 << 20

// output runs git args with timeout and returns its standard output. A
// failure carries the first line of git's standard error.
func (g *Repo) output(ctx context.Context, timeout time.Duration, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := g.command(ctx, args...)
	var stdout bytes.Buffer
	var stderr limitedBuffer
	stderr.max = 4 << 10
	cmd.Stdout = &limitWriter{w: &stdout, n: maxGitOutput}
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.Bytes(), gitError(ctx, &stderr, err)
	}
	return stdout.Bytes(), nil
}

// gitError names what went wrong with a git command: its first line of
// standard error, or the deadline.
func gitError(ctx context.Context, stderr *limitedBuffer, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("git: %w", ctx.Err())
	}
	msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
	if msg == "" {
		return fmt.Errorf("git: %w", err)
	}
	return fmt.Errorf("git: %s: %w", strings.TrimPrefix(msg, "fatal: "), err)
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// limitWriter fails once more than n bytes are written, which stops git.
type limitWriter struct {
	w io.Writer
	n int64
}

var errGitOutput = errors.New("git output over the limit")

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, errGitOutput
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}

// isHash reports whether s is a full hexadecimal object name (SHA-1 or SHA-256).
func isHash(s string) bool {
	return (len(s) == 40 || len(s) == 64) && isHex(s)
}

// isRev reports whether s is an abbreviated or full object name, the only
// revisions kb passes to git that come from outside (URLs, snapshots).
func isRev(s string) bool {
	return len(s) >= 4 && len(s) <= 64 && isHex(s)
}

func isHex(s string) bool {
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Short abbreviates the commit hash c for logs and messages.
func Short(c string) string { return c[:min(len(c), 12)] }

// catFile keeps one git cat-file --batch process and hands it one request
// at a time: a blob costs a pipe round trip, not a process start.
type catFile struct {
	dir string

	mu  sync.Mutex
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// errMissing is what cat-file answers for an object that is not there.
var errMissing = errors.New("missing object")

// read returns the object name (a blob id or "commit:path"), which must not
// be larger than max bytes; a larger one is drained from the pipe, never
// held, and reported as too large with its size.
func (c *catFile) read(name string, max int64) ([]byte, error) {
	if strings.ContainsAny(name, "\n\x00") {
		return nil, fmt.Errorf("git object %q: bad name", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		if err := c.start(); err != nil {
			return nil, err
		}
	}
	proc := c.cmd.Process
	watchdog := time.AfterFunc(blobTimeout, func() { proc.Kill() })
	data, err := c.request(name, max)
	if !watchdog.Stop() {
		err = fmt.Errorf("git cat-file: %s: no answer in %s", name, blobTimeout)
	}
	var tl *TooLargeError
	if err != nil && !errors.Is(err, errMissing) && !errors.As(err, &tl) {
		c.stop() // the pipe is out of step; the next read starts afresh
	}
	return data, err
}

func (c *catFile) request(name string, max int64) ([]byte, error) {
	if _, err := io.WriteString(c.in, name+"\n"); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	header, err := c.out.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	fields := strings.Fields(header)
	if len(fields) == 2 && (fields[1] == "missing" || fields[1] == "ambiguous") {
		return nil, fmt.Errorf("git object %s: %w", name, errMissing)
	}
	if len(fields) != 3 {
		return nil, fmt.Errorf("git cat-file: unexpected answer %q", header)
	}
	size, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil || size < 0 {
		return nil, fmt.Errorf("git cat-file: unexpected answer %q", header)
	}
	if size > max {
		if _, err := io.CopyN(io.Discard, c.out, size+1); err != nil {
			return nil, fmt.Errorf("git cat-file: %w", err)
		}
		return nil, &TooLargeError{Size: size, Max: max}
	}
	data := make([]byte, size+1)
	if _, err := io.ReadFull(c.out, data); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	if fields[1] != "blob" {
		return nil, fmt.Errorf("git object %s is a %s, not a file: %w", name, fields[1], errMissing)
	}
	return data[:size], nil
}

func (c *catFile) start() error {
	cmd := exec.Command("git", "-C", c.dir, "cat-file", "--batch") //nolint:noctx // outlives any one request; Close ends it
	cmd.Env = append(os.Environ(), gitEnv...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	c.cmd, c.in, c.out = cmd, in, bufio.NewReaderSize(out, 64<<10)
	return nil
}

func (c *catFile) stop() {
	if c.cmd == nil {
		return
	}
	c.in.Close()
	c.cmd.Process.Kill()
	c.cmd.Wait() //nolint:errcheck // killed on purpose; its exit status says nothing
	c.cmd, c.in, c.out = nil, nil, nil
}

func (c *catFile) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stop()
}

// TooLargeError is a file over a size limit, read no further: FileAt
// returns it for a file over 16 MiB.
type TooLargeError struct {
	Size int64 // the file's size in bytes
	Max  int64 // the limit it is over
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("file is %d bytes; the limit is %d", e.Size, e.Max)
}
