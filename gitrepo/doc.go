// Package gitrepo reads a git repository through the git command: the tree
// and blobs of a commit as an fs.FS (never the working tree, which a pull may
// be rewriting), the last commit of every file, a file's history following
// renames, old versions, diffs, ref resolution and fetches. It keeps one
// git cat-file --batch process per repository, bounds every command in time
// and output, and passes git only revisions and paths it has checked.
//
// kb's content package reads its commits and history through it. gitrepo
// imports nothing of kb; its API is internal to kb.
package gitrepo
