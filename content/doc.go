// Package content owns kb's content model: an Article and its front matter,
// the site settings in kb.yaml, loading content into an immutable Snapshot,
// ids, URLs and aliases, and keeping the snapshot live.
//
// Content comes from a folder (NewLibrary; Watch reports its changes and
// Library.Apply reloads just those) or from the commits of a git ref
// (NewGitLibrary; Library.Pull and Sync move to a new commit, reading blobs,
// never a working tree). Either way a reload builds a complete new snapshot,
// reusing what did not change, and publishes it with one atomic swap; a
// change of a few files (edited, added, removed or renamed in a folder, or
// a commit that follows the one served) makes it from the last one,
// changing only their entries and those of the articles it concerns
// (applyEdit, layers over the shared maps; disputed claims are settled
// among their claimants, settleClaims). The first load
// also publishes an early snapshot (Library.Early) once every file is
// read, whose articles are rendered on request (Snapshot.Rendered) until
// the complete one replaces it. Git is
// read through package gitrepo (OpenGit), which runs the git command: trees,
// blobs, history, diffs, fetches.
//
// The rules that the rest of kb shares about content are written here once:
// how alert names compare (AlertKey) and what an alert link may name
// (ParseAlertName), which files are runbooks (Site.IsRunbookPath, kb.yaml's
// runbooks: globs) and which alerts a runbook answers (Article.AlertNames),
// what an index file is (IsIndexFile, Article.IsIndex),
// and the links into the git host that kb.yaml's edit_url gives
// (Site.EditLink, Site.NewFileLink).
//
// content may import render (to turn Markdown into HTML, text and links) and
// gitrepo (to read git), and nothing else of kb; it knows nothing about
// HTTP, the index or tickets. Its API is internal to kb.
package content
