// Package content owns kb's content model: an Article and its front matter,
// the site settings in kb.yaml, loading a content folder into an immutable
// Snapshot, ids, URLs and aliases.
//
// content may import render (to turn Markdown into HTML, text and links) and
// nothing else of kb; it knows nothing about HTTP, the index or tickets. Its
// API is internal to kb.
package content
