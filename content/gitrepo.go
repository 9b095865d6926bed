package content

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"

	"kb/gitrepo"
)

// ErrNoHistory is returned by the history methods when the content folder is
// not in a git repository: kb serves it, without history.
var ErrNoHistory = errors.New("no git history: the content folder is not in a git repository")

// GitRepo is the git repository a content folder belongs to, read through
// package gitrepo: a commit's tree and blobs (never the working tree, which a
// pull may be rewriting), history, diffs and fetches. Paths are relative to
// the content folder, and hidden files are left out of trees and diffs as
// Load leaves them out. Its methods are safe for concurrent use; a nil
// *GitRepo has no history and its methods return ErrNoHistory.
type GitRepo struct {
	repo repository
}

// repository is the git plumbing behind a GitRepo; *gitrepo.Repo implements it.
type repository interface {
	commitReader
	comparer
	archive
	io.Closer
}

// commitReader reads what a load reads: the commit a ref names, its files
// and the last commit of each.
type commitReader interface {
	Resolve(ctx context.Context) (string, error)
	FS(ctx context.Context, commit string) (fs.FS, error)
	ReadLog(ctx context.Context, head string, since *gitrepo.Log, depth int) (*gitrepo.Log, error)
}

// comparer tells a sync how the commit it moves to relates to the one it
// serves, and fetches new commits.
type comparer interface {
	IsAncestor(ctx context.Context, a, b string) (bool, error)
	Changed(ctx context.Context, from, to string) ([]Change, error)
	Fetch(ctx context.Context) error
}

// archive reads the past of one file for the history pages.
type archive interface {
	History(ctx context.Context, rev, p string, limit int) ([]Commit, error)
	FileAt(ctx context.Context, commit, p string) ([]byte, error)
	Diff(ctx context.Context, commit, p string) (string, error)
}

// OpenGit opens the git repository that the folder dir belongs to; dir may be
// its root or a folder inside it, whose files are then the content. ref
// ("origin/main", "main", "HEAD"; "" means HEAD) is the commit Resolve returns.
// A folder outside any git repository (or one git refuses to read, such as
// a repository of another user without safe.directory, or no git command)
// returns an error wrapping ErrNoHistory and git's reason; a repository
// without commits or without ref fails too. Close ends the git process the
// repository keeps for reading blobs.
func OpenGit(ctx context.Context, dir, ref string) (*GitRepo, error) {
	r, err := gitrepo.Open(ctx, dir, gitrepo.Options{Ref: ref, Skip: hiddenPath})
	if err != nil {
		return nil, fromGit(err)
	}
	return &GitRepo{repo: r}, nil
}

// Close stops the git process that reads blobs. Snapshots read from the
// repository cannot open their files afterwards.
func (g *GitRepo) Close() error {
	if g == nil {
		return nil
	}
	return g.repo.Close()
}

// Resolve returns the commit that the repository's ref names now.
func (g *GitRepo) Resolve(ctx context.Context) (commit string, err error) {
	if g == nil {
		return "", ErrNoHistory
	}
	c, err := g.repo.Resolve(ctx)
	return c, fromGit(err)
}

// Fetch runs git fetch for the remote of the ref ("origin" for "origin/main"),
// or for every remote. It never prompts for credentials and gives up after
// two minutes or when ctx ends.
func (g *GitRepo) Fetch(ctx context.Context) error {
	if g == nil {
		return ErrNoHistory
	}
	return fromGit(g.repo.Fetch(ctx))
}

// FS returns the files of the content folder at commit, read from the
// commit's tree and blobs, never the working tree. Hidden files and
// submodules are left out; symbolic links are listed but never followed.
func (g *GitRepo) FS(ctx context.Context, commit string) (fs.FS, error) {
	if g == nil {
		return nil, ErrNoHistory
	}
	f, err := g.repo.FS(ctx, commit)
	return f, fromGit(err)
}

// Changed lists the content files that differ between commits from and to,
// with renames detected as git does (-M). Hidden files are left out.
func (g *GitRepo) Changed(ctx context.Context, from, to string) ([]Change, error) {
	if g == nil {
		return nil, ErrNoHistory
	}
	c, err := g.repo.Changed(ctx, from, to)
	return c, fromGit(err)
}

// isAncestor reports whether commit a is an ancestor of b (or b itself).
func (g *GitRepo) isAncestor(ctx context.Context, a, b string) (bool, error) {
	ok, err := g.repo.IsAncestor(ctx, a, b)
	return ok, fromGit(err)
}

// History lists the commits up to rev (a commit hash; "" means the
// repository's ref) that changed the file at root-relative path p, newest
// first, following renames, at most limit (a limit under 1 means 100). Each
// Commit.Path is the file's path in that commit, for FileAt and Diff.
func (g *GitRepo) History(ctx context.Context, rev, p string, limit int) ([]Commit, error) {
	if g == nil {
		return nil, ErrNoHistory
	}
	h, err := g.repo.History(ctx, rev, p, limit)
	return h, fromGit(err)
}

// FileAt returns the content of the file at root-relative path p in commit.
// A path the commit does not have is ErrNotFound.
func (g *GitRepo) FileAt(ctx context.Context, commit, p string) ([]byte, error) {
	if g == nil {
		return nil, ErrNoHistory
	}
	data, err := g.repo.FileAt(ctx, commit, p)
	return data, fromGit(err)
}

// Diff returns the unified diff that commit made to the file at
// root-relative path p (its path in that commit, as History gives it),
// against the file's previous version, following a rename.
func (g *GitRepo) Diff(ctx context.Context, commit, p string) (string, error) {
	if g == nil {
		return "", ErrNoHistory
	}
	d, err := g.repo.Diff(ctx, commit, p)
	return d, fromGit(err)
}

// fromGit gives gitrepo's errors the meaning kb branches on (ErrNotFound,
// ErrNoHistory), keeping git's message.
func fromGit(err error) error {
	switch {
	case errors.Is(err, gitrepo.ErrNotFound):
		return &gitError{err: err, kind: ErrNotFound}
	case errors.Is(err, gitrepo.ErrNotRepository):
		return &gitError{err: err, kind: ErrNoHistory}
	}
	return err
}

// gitError is an error of gitrepo that is also one of content's sentinels.
type gitError struct{ err, kind error }

func (e *gitError) Error() string   { return e.err.Error() }
func (e *gitError) Unwrap() []error { return []error{e.err, e.kind} }

// Change is one file changed between two commits, or an article renamed.
type Change = gitrepo.Change

// ChangeOp is what a Change did to a file.
type ChangeOp = gitrepo.ChangeOp

// The operations of a Change, as git diff --name-status writes them.
const (
	ChangeAdded    = gitrepo.ChangeAdded
	ChangeModified = gitrepo.ChangeModified
	ChangeDeleted  = gitrepo.ChangeDeleted
	ChangeRenamed  = gitrepo.ChangeRenamed
)

// errSymlink is why a symbolic link in a commit is not read: an article
// that is one is shown as not followed, where other read errors fail a load.
var errSymlink = gitrepo.ErrSymlink

// blobID is the FileInfo.Sys of a file read from git: its blob id, which
// changes exactly when its content does.
type blobID = gitrepo.BlobID

// hiddenPath reports whether any element of the slash path p starts with a
// dot: such files and folders (.git, .github, drafts) are not content.
func hiddenPath(p string) bool {
	for s := range strings.SplitSeq(p, "/") {
		if strings.HasPrefix(s, ".") {
			return true
		}
	}
	return false
}
