package content

import (
	"context"
	"strings"

	"kb/gitrepo"
)

// Commit is one commit of an article's history.
type Commit = gitrepo.Commit

// historyDepth bounds the commits read at load for each article's last
// commit and for renames: a repository with a long past still loads fast.
// Files last changed before it get no last commit.
const historyDepth = 5000

// history is what git says about the files of one commit: the last commit
// that changed each, and the renames in its past. It is immutable once built.
type history struct {
	log  *gitrepo.Log       // what git log said; a later scan builds on it
	head string             // the commit described
	last map[string]*Commit // root-relative path → last commit that changed it
	// moves lists renames of Markdown files, oldest first: for a history
	// extended from another (baseHead), those of the commits read since.
	moves    []Change
	baseHead string   // the head of the history this one extends; "" when read whole
	touched  []string // with baseHead: the paths whose last commit differs from that history's
}

// scanHistory reads the last commit of every file and the renames of the
// last historyDepth commits up to head in one git log pass, or, given the
// history of an ancestor of head, only the commits since then.
func (g *GitRepo) scanHistory(ctx context.Context, head string, since *history) (*history, error) {
	var base *gitrepo.Log
	if since != nil {
		base = since.log
	}
	log, err := g.repo.ReadLog(ctx, head, base, historyDepth)
	if err != nil {
		return nil, fromGit(err)
	}
	h := &history{log: log, head: log.Head, last: log.Last}
	if since != nil {
		h.baseHead, h.touched = since.head, log.Touched
	}
	for _, r := range log.Renames {
		if isMarkdownPath(r.Path) && isMarkdownPath(r.OldPath) {
			h.moves = append(h.moves, r)
		}
	}
	return h, nil
}

func isMarkdownPath(p string) bool {
	return len(p) > 3 && strings.EqualFold(p[len(p)-3:], ".md")
}
