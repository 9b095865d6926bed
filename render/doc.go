// Package render turns one Markdown document into safe HTML plus what the rest
// of kb needs from it: headings for the table of contents, plain text and code
// for the search index, and outgoing links for the link graph.
//
// render imports goldmark and its extensions only; it knows nothing about
// articles, HTTP or the index. Its API is internal to kb.
package render
