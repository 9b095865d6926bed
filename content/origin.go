package content

import (
	"context"
	"io/fs"
	"log/slog"

	"kb/gitrepo"
)

// origin is where a Library's content comes from: a folder (folderOrigin)
// or the commits of a git ref (refOrigin). Each sets up the input of a load;
// the Library builds and publishes it.
type origin interface {
	// read sets in to read the content as it is now, building on base (the
	// snapshot served; nil reads everything, history included, afresh). It
	// reports same when the content is still base's, so nothing need be built.
	read(ctx context.Context, in *buildInput, base *Snapshot) (same bool, err error)
	// reread sets in to read again what base was read from.
	reread(ctx context.Context, in *buildInput, base *Snapshot) error
	// fetch brings in changes made elsewhere before a read.
	fetch(ctx context.Context) error
}

// folderOrigin reads a folder, and the history of its repository's HEAD
// when it has one. Changes are found by comparing listings (and the paths
// Watch reports), so read never reports the content unchanged.
type folderOrigin struct {
	files fs.FS
	git   *GitRepo // nil without git
}

func (f folderOrigin) read(ctx context.Context, in *buildInput, base *Snapshot) (bool, error) {
	in.files = f.files
	if f.git != nil {
		var since *history
		if base != nil {
			since = base.hist
		}
		in.hist, in.histErr = headHistory(ctx, f.git, since)
	}
	return false, nil
}

// reread reads the folder as it is now: it has no older state to go back to.
func (f folderOrigin) reread(ctx context.Context, in *buildInput, base *Snapshot) error {
	_, err := f.read(ctx, in, base)
	return err
}

// fetch has nothing to do: kb never writes into a working tree.
func (folderOrigin) fetch(context.Context) error { return nil }

// refOrigin reads the commit a git ref names, never a working tree.
type refOrigin struct {
	repo *GitRepo
	log  *slog.Logger
}

// read moves to the commit the ref names now. Building on base, files are
// compared by blob, history is extended from base's and the renames between
// the two commits are listed, unless the ref was rewritten.
func (r refOrigin) read(ctx context.Context, in *buildInput, base *Snapshot) (bool, error) {
	commit, err := r.repo.Resolve(ctx)
	if err != nil {
		return false, err
	}
	if base != nil && base.Commit == commit {
		return true, nil
	}
	in.hints = nil // a commit's files are compared by blob; the folder's changes say nothing
	var since *history
	if base != nil {
		ok, err := r.repo.isAncestor(ctx, base.Commit, commit)
		if err != nil {
			return false, err
		}
		if ok {
			since = base.hist
			// The net changes between the two commits: the paths an edit
			// looks at again, and the renames, for Update.Renamed.
			if in.renames, err = r.repo.Changed(ctx, base.Commit, commit); err != nil {
				return false, err
			}
			if in.renames == nil {
				in.renames = []Change{} // known to be none: the commits changed no content file
			}
		} else {
			r.log.Warn("git ref was rewritten (force-push); reading its history again", "from", gitrepo.Short(base.Commit), "to", gitrepo.Short(commit))
		}
	}
	return false, r.at(ctx, in, commit, since)
}

// reread reads base's commit again, with its history.
func (r refOrigin) reread(ctx context.Context, in *buildInput, base *Snapshot) error {
	return r.at(ctx, in, base.Commit, base.hist)
}

func (r refOrigin) fetch(ctx context.Context) error {
	return r.repo.Fetch(ctx)
}

// at sets in to read commit: its files, and its history, read again or
// extended from since.
func (r refOrigin) at(ctx context.Context, in *buildInput, commit string, since *history) error {
	files, err := r.repo.FS(ctx, commit)
	if err != nil {
		return err
	}
	in.files, in.commit, in.strict = files, commit, true
	in.hist, err = r.repo.scanHistory(ctx, commit, since)
	if err != nil {
		if since == nil {
			return err
		}
		in.hist, in.histErr = nil, err
	}
	return nil
}
