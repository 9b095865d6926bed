package gitrepo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Commit is one commit of a file's history.
type Commit struct {
	Hash    string    // full object name
	Short   string    // abbreviated, for display
	Author  string    // author name
	Email   string    // author e-mail
	Date    time.Time // commit (committer) time: when the change landed
	Subject string    // first line of the message
	Path    string    // folder-relative path of the file in this commit; set by History
}

// commitFormat prints a commit for parseLog: a record separator, then the
// fields separated by NUL.
const commitFormat = "%x1e%H%x00%h%x00%an%x00%ae%x00%ct%x00%s%x00"

// logEntry is one commit of git log --name-status output with its files.
type logEntry struct {
	commit *Commit
	files  []Change // paths as git wrote them (repository-relative)
}

// runLog runs git log args (which must include commitFormat, -z and
// --name-status) and calls fn for each commit as it is read, newest first.
func (g *Repo) runLog(ctx context.Context, fn func(logEntry), args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	cmd := g.command(ctx, append([]string{"log", "--format=" + commitFormat, "-z", "--name-status", "--no-color"}, args...)...)
	var stderr limitedBuffer
	stderr.max = 4 << 10
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("git log: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git log: %w", err)
	}
	perr := parseLog(bufio.NewReaderSize(out, 256<<10), fn)
	if perr != nil {
		cancel() // stop git; its exit is not the news
	}
	if err := cmd.Wait(); err != nil && perr == nil {
		return gitError(ctx, &stderr, err)
	}
	return perr
}

// parseLog reads NUL-separated tokens: a commit header (a token starting
// with \x1e and five more fields and an empty one), then status tokens each
// followed by one path, or two for renames and copies. Paths are read only
// where a path is due, so no file name can pass for a header.
func parseLog(r *bufio.Reader, fn func(logEntry)) error {
	var cur *logEntry
	next := func() (string, error) {
		tok, err := r.ReadString(0)
		if errors.Is(err, io.EOF) && tok != "" {
			return tok, nil
		}
		return strings.TrimSuffix(tok, "\x00"), err
	}
	for {
		tok, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("git log: %w", err)
		}
		tok = strings.TrimLeft(tok, "\n")
		if tok == "" {
			continue
		}
		if strings.HasPrefix(tok, "\x1e") {
			if cur != nil {
				fn(*cur)
			}
			f := []string{tok[1:]}
			for range 5 {
				t, err := next()
				if err != nil {
					return fmt.Errorf("git log: truncated commit: %w", err)
				}
				f = append(f, t)
			}
			secs, err := strconv.ParseInt(f[4], 10, 64)
			if err != nil {
				return fmt.Errorf("git log: bad time %q", f[4])
			}
			cur = &logEntry{commit: &Commit{Hash: f[0], Short: f[1], Author: f[2], Email: f[3], Date: time.Unix(secs, 0).UTC(), Subject: f[5]}}
			continue
		}
		if cur == nil {
			return fmt.Errorf("git log: unexpected %q", tok)
		}
		c := Change{Op: ChangeOp(tok[0])}
		n := 1
		if tok[0] == 'R' || tok[0] == 'C' {
			n = 2
		}
		var paths []string
		for range n {
			p, err := next()
			if err != nil && (!errors.Is(err, io.EOF) || p == "") {
				return fmt.Errorf("git log: truncated file list: %w", err)
			}
			paths = append(paths, p)
		}
		c.Path = paths[n-1]
		if n == 2 {
			c.OldPath = paths[0]
		}
		cur.files = append(cur.files, c)
	}
	if cur != nil {
		fn(*cur)
	}
	return nil
}

// Log is what git log says about the files of one commit: the last commit
// that changed each, and the renames among the commits read. It is
// immutable once built.
type Log struct {
	Head string             // the commit described
	Last map[string]*Commit // folder-relative path → last commit that changed it
	// Renames lists the renames within the folder in the commits read
	// (not those of the Log it was built on), oldest first.
	Renames []Change
	// Touched lists, sorted, the paths whose last commit the commits read
	// set or removed: for a Log built on another, the files whose Last
	// differs from that one's.
	Touched []string
}

// ReadLog reads the last commit of every file of the folder and its renames
// in the last depth commits up to head, in one git log pass; given since, the
// Log of an ancestor of head, it reads only the commits after since.Head.
// Files last changed before the commits read get no last commit.
func (g *Repo) ReadLog(ctx context.Context, head string, since *Log, depth int) (*Log, error) {
	h := &Log{Head: head, Last: map[string]*Commit{}}
	args := []string{"-M", "--no-merges", "-n", strconv.Itoa(depth), head}
	if since != nil {
		for p, c := range since.Last {
			h.Last[p] = c
		}
		args = []string{"-M", "--no-merges", since.Head + ".." + head}
	}
	if g.prefix != "" {
		args = append(args, "--", g.prefix)
	}
	seen := map[string]bool{}
	var renames []Change
	err := g.runLog(ctx, func(e logEntry) {
		for _, f := range e.files {
			p, ok := g.rel(f.Path)
			if !ok {
				continue
			}
			old, oldOK := g.rel(f.OldPath)
			if f.Op == ChangeRenamed && oldOK {
				renames = append(renames, Change{Op: ChangeRenamed, Path: p, OldPath: old})
			}
			if f.Op == ChangeRenamed && oldOK && !seen[old] {
				seen[old] = true // gone from here on, unless a newer commit added it again
				delete(h.Last, old)
			}
			if seen[p] {
				continue
			}
			seen[p] = true
			if f.Op == ChangeDeleted {
				delete(h.Last, p)
			} else {
				h.Last[p] = e.commit
			}
		}
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("read git history: %w", err)
	}
	for i := len(renames) - 1; i >= 0; i-- {
		h.Renames = append(h.Renames, renames[i])
	}
	h.Touched = slices.Sorted(maps.Keys(seen))
	return h, nil
}

// History lists the commits up to rev (a commit hash; "" means the
// repository's ref) that changed the file at folder-relative path p, newest
// first, following renames, at most limit (a limit under 1 means 100). Each
// Commit.Path is the file's path in that commit, for FileAt and Diff.
// Answers are cached by commit, so a page viewed twice runs git once.
func (g *Repo) History(ctx context.Context, rev, p string, limit int) ([]Commit, error) {
	if limit < 1 {
		limit = 100
	}
	if err := checkPath(p); err != nil {
		return nil, err
	}
	rev, err := g.commitOf(ctx, rev)
	if err != nil {
		return nil, err
	}
	key := "h\x00" + rev + "\x00" + p + "\x00" + strconv.Itoa(limit)
	if v, ok := g.cache.get(key); ok {
		return v.([]Commit), nil
	}
	var out []Commit
	err = g.runLog(ctx, func(e logEntry) {
		c := *e.commit
		c.Path = p
		for _, f := range e.files {
			if r, ok := g.rel(f.Path); ok {
				c.Path = r
			}
		}
		out = append(out, c)
	}, "--follow", "-M", "-n", strconv.Itoa(limit), rev, "--", g.prefix+p)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", p, err)
	}
	g.cache.put(key, out)
	return out, nil
}

// commitOf resolves rev ("" for the repository's ref) to a full hash.
func (g *Repo) commitOf(ctx context.Context, rev string) (string, error) {
	if rev == "" {
		return g.Resolve(ctx)
	}
	if isHash(rev) {
		return rev, nil
	}
	if !isRev(rev) {
		return "", fmt.Errorf("commit %q: %w", rev, ErrNotFound)
	}
	out, err := g.output(ctx, gitTimeout, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("commit %s: %w", rev, ErrNotFound)
	}
	return strings.TrimSpace(string(out)), nil
}

// checkPath rejects folder-relative paths that git could read as something else.
func checkPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\n\x00") {
		return fmt.Errorf("path %q: %w", p, ErrNotFound)
	}
	for s := range strings.SplitSeq(p, "/") {
		if s == ".." || s == "." || s == "" {
			return fmt.Errorf("path %q: %w", p, ErrNotFound)
		}
	}
	return nil
}

// maxFileAt bounds FileAt: an old version is rendered, which needs it whole.
const maxFileAt = 16 << 20

// FileAt returns the content of the file at folder-relative path p in
// commit. A path the commit does not have is ErrNotFound; a file over
// 16 MiB is a *TooLargeError.
func (g *Repo) FileAt(ctx context.Context, commit, p string) ([]byte, error) {
	if err := checkPath(p); err != nil {
		return nil, err
	}
	commit, err := g.commitOf(ctx, commit)
	if err != nil {
		return nil, err
	}
	data, err := g.blobs.read(commit+":"+g.prefix+p, maxFileAt)
	if errors.Is(err, errMissing) {
		return nil, fmt.Errorf("%s at %s: %w", p, Short(commit), ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s at %s: %w", p, Short(commit), err)
	}
	return data, nil
}

// maxDiff bounds the diff Diff returns; a longer one is cut with a note.
const maxDiff = 1 << 20

// Diff returns the unified diff that commit made to the file at
// folder-relative path p (its path in that commit, as History gives it),
// against the file's previous version, following a rename. A commit that did
// not change the file gives the diff of the last change before it.
func (g *Repo) Diff(ctx context.Context, commit, p string) (string, error) {
	if err := checkPath(p); err != nil {
		return "", err
	}
	commit, err := g.commitOf(ctx, commit)
	if err != nil {
		return "", err
	}
	key := "d\x00" + commit + "\x00" + p
	if v, ok := g.cache.get(key); ok {
		return v.(string), nil
	}
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	cmd := g.command(ctx, "log", "-1", "--follow", "-M", "-p", "--format=", "--no-ext-diff", "--no-color", commit, "--", g.prefix+p)
	var stderr limitedBuffer
	stderr.max = 4 << 10
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("diff of %s: %w", p, err)
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("diff of %s: %w", p, err)
	}
	buf, rerr := io.ReadAll(io.LimitReader(out, maxDiff+1))
	cut := len(buf) > maxDiff
	if cut {
		cancel()
		buf = append(buf[:maxDiff], "\n[diff cut at 1 MiB]\n"...)
	}
	if err := cmd.Wait(); err != nil && !cut {
		return "", fmt.Errorf("diff of %s: %w", p, gitError(ctx, &stderr, err))
	}
	if rerr != nil && !cut {
		return "", fmt.Errorf("diff of %s: %w", p, rerr)
	}
	d := strings.TrimLeft(string(buf), "\n")
	g.cache.put(key, d)
	return d, nil
}

// historyCache holds History and Diff answers. Keys name full commit hashes,
// so an answer never goes stale; the cache is emptied when full.
type historyCache struct {
	mu sync.Mutex
	m  map[string]any
}

// maxCached bounds the answers historyCache holds.
const maxCached = 2048

func (c *historyCache) get(k string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *historyCache) put(k string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[string]any{}
	}
	c.m[k] = v
}
