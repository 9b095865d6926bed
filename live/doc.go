// Package live keeps what kb serves current while it runs: it loads the
// content folder's changes as they happen (kb serve --watch) or pulls the
// git ref on an interval and after a push webhook, brings the search index
// to every snapshot published, and recounts the tickets articles solved
// recently for the search boost.
//
// cmd/kb builds a Content, starts its Run and hands it to the server as the
// server's Puller. live imports content, search and tickets; it knows
// nothing about HTTP. Its API is internal to kb.
package live
