package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FS returns the files of commit as an fs.FS: the tree of the folder at that
// commit, read with git ls-tree, and its blobs, read through git cat-file
// when a file is read. It never looks at the working tree, so a pull or
// checkout in progress cannot mix versions. Paths that Options.Skip reports,
// and submodules, are left out; symbolic links are listed (fs.ModeSymlink)
// but opening one fails, so nothing outside the repository is ever read.
// FileInfo.Sys of a file is its BlobID.
func (g *Repo) FS(ctx context.Context, commit string) (fs.FS, error) {
	if !isRev(commit) {
		return nil, fmt.Errorf("git tree %q: not a commit hash", commit)
	}
	tree := commit + "^{tree}"
	if g.prefix != "" {
		tree = commit + ":" + g.prefix
	}
	out, err := g.output(ctx, gitTimeout, "ls-tree", "-r", "-z", "--long", "--end-of-options", tree)
	if err != nil {
		return nil, fmt.Errorf("list the files of commit %s: %w", Short(commit), err)
	}
	return newGitFS(g, string(out))
}

// gitFS is the tree of one commit. It is immutable; reading a file asks the
// repository's cat-file process for its blob.
type gitFS struct {
	repo  *Repo
	nodes map[string]*gitNode // "." and every file and folder path
}

// gitNode is a file or folder of a gitFS; it is its own fs.FileInfo and fs.DirEntry.
type gitNode struct {
	name     string
	mode     fs.FileMode
	oid      string // blob id; "" for folders
	size     int64
	children []*gitNode // folders only, by name
}

// BlobID is what FileInfo.Sys returns for a file of a tree from FS: its
// blob id, which changes exactly when its content does.
type BlobID string

func (n *gitNode) Name() string               { return n.name }
func (n *gitNode) Size() int64                { return n.size }
func (n *gitNode) Mode() fs.FileMode          { return n.mode }
func (n *gitNode) ModTime() time.Time         { return time.Time{} }
func (n *gitNode) IsDir() bool                { return n.mode.IsDir() }
func (n *gitNode) Sys() any                   { return BlobID(n.oid) }
func (n *gitNode) Type() fs.FileMode          { return n.mode.Type() }
func (n *gitNode) Info() (fs.FileInfo, error) { return n, nil }

// newGitFS builds the tree from git ls-tree -r -z --long output:
// "<mode> <type> <oid> <size>\t<path>\0" per file.
func newGitFS(repo *Repo, listing string) (*gitFS, error) {
	root := &gitNode{name: ".", mode: fs.ModeDir | 0o555}
	g := &gitFS{repo: repo, nodes: map[string]*gitNode{".": root}}
	for entry := range strings.SplitSeq(listing, "\x00") {
		if entry == "" {
			continue
		}
		meta, p, ok := strings.Cut(entry, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 4 {
			return nil, fmt.Errorf("git ls-tree: unexpected line %q", entry)
		}
		if f[1] != "blob" || repo.skip(p) || !fs.ValidPath(p) || p == "." {
			continue // submodules, skipped files, names Go cannot address
		}
		size, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("git ls-tree: unexpected size in %q", entry)
		}
		mode := fs.FileMode(0o444)
		switch f[0] {
		case "120000":
			mode = fs.ModeSymlink | 0o777
		case "100755":
			mode = 0o555
		}
		g.add(p, &gitNode{name: path.Base(p), mode: mode, oid: f[2], size: size})
	}
	for _, n := range g.nodes {
		slices.SortFunc(n.children, func(a, b *gitNode) int { return strings.Compare(a.name, b.name) })
	}
	return g, nil
}

// add puts n at p, creating its folders.
func (g *gitFS) add(p string, n *gitNode) {
	g.nodes[p] = n
	for {
		dir := path.Dir(p)
		parent, ok := g.nodes[dir]
		if !ok {
			parent = &gitNode{name: path.Base(dir), mode: fs.ModeDir | 0o555}
			g.nodes[dir] = parent
		}
		parent.children = append(parent.children, n)
		if ok {
			return
		}
		p, n = dir, parent
	}
}

func (g *gitFS) lookup(op, name string) (*gitNode, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	n, ok := g.nodes[name]
	if !ok {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return n, nil
}

// ErrSymlink is why a symbolic link in a tree from FS cannot be opened.
var ErrSymlink = errors.New("symbolic link in git is not followed")

// Open implements fs.FS.
func (g *gitFS) Open(name string) (fs.File, error) {
	n, err := g.lookup("open", name)
	if err != nil {
		return nil, err
	}
	switch {
	case n.IsDir():
		return &gitDir{node: n}, nil
	case n.mode&fs.ModeSymlink != 0:
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrSymlink}
	case n.size > maxBlobInMemory:
		return &gitStream{node: n, repo: g.repo}, nil
	}
	return &gitFile{node: n, repo: g.repo}, nil
}

// Stat implements fs.StatFS.
func (g *gitFS) Stat(name string) (fs.FileInfo, error) {
	return g.lookup("stat", name)
}

// ReadDir implements fs.ReadDirFS.
func (g *gitFS) ReadDir(name string) ([]fs.DirEntry, error) {
	n, err := g.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !n.IsDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a folder")}
	}
	out := make([]fs.DirEntry, len(n.children))
	for i, c := range n.children {
		out[i] = c
	}
	return out, nil
}

// maxBlobInMemory is the largest blob a gitFS file holds whole (and can
// seek in); a larger one streams from its own git process, so a 50 MB file
// of which only the head is wanted is never held in memory.
const maxBlobInMemory = 8 << 20

// gitFile is a blob read whole on first use.
type gitFile struct {
	node *gitNode
	repo *Repo
	r    *bytes.Reader
}

func (f *gitFile) Stat() (fs.FileInfo, error) { return f.node, nil }
func (f *gitFile) Close() error               { return nil }

func (f *gitFile) load() error {
	if f.r != nil {
		return nil
	}
	data, err := f.repo.blobs.read(f.node.oid, maxBlobInMemory)
	if err != nil {
		return &fs.PathError{Op: "read", Path: f.node.name, Err: err}
	}
	f.r = bytes.NewReader(data)
	return nil
}

func (f *gitFile) Read(p []byte) (int, error) {
	if err := f.load(); err != nil {
		return 0, err
	}
	return f.r.Read(p)
}

// Seek implements io.Seeker, so attachments are served with ranges.
func (f *gitFile) Seek(offset int64, whence int) (int64, error) {
	if err := f.load(); err != nil {
		return 0, err
	}
	return f.r.Seek(offset, whence)
}

// gitStream is a large blob read from git cat-file blob as it is read.
type gitStream struct {
	node   *gitNode
	repo   *Repo
	cmd    *exec.Cmd
	out    io.ReadCloser
	cancel context.CancelFunc
}

func (f *gitStream) Stat() (fs.FileInfo, error) { return f.node, nil }

func (f *gitStream) Read(p []byte) (int, error) {
	if f.cmd == nil {
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		cmd := f.repo.command(ctx, "cat-file", "blob", f.node.oid)
		out, err := cmd.StdoutPipe()
		if err == nil {
			err = cmd.Start()
		}
		if err != nil {
			cancel()
			return 0, &fs.PathError{Op: "read", Path: f.node.name, Err: err}
		}
		f.cmd, f.out, f.cancel = cmd, out, cancel
	}
	return f.out.Read(p)
}

// Close stops the git process, whether or not the blob was read to its end.
func (f *gitStream) Close() error {
	if f.cmd != nil {
		f.cancel()
		f.cmd.Wait() //nolint:errcheck // stopped on purpose when not read to the end
		f.cmd = nil
	}
	return nil
}

// gitDir is an open folder of a gitFS.
type gitDir struct {
	node *gitNode
	next int
}

func (d *gitDir) Stat() (fs.FileInfo, error) { return d.node, nil }
func (d *gitDir) Close() error               { return nil }
func (d *gitDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.node.name, Err: errors.New("is a folder")}
}

// ReadDir implements fs.ReadDirFile.
func (d *gitDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.node.children[d.next:]
	if n > 0 && len(rest) == 0 {
		return nil, io.EOF
	}
	if n > 0 && n < len(rest) {
		rest = rest[:n]
	}
	d.next += len(rest)
	out := make([]fs.DirEntry, len(rest))
	for i, c := range rest {
		out[i] = c
	}
	return out, nil
}
