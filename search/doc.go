// Package search owns kb's full-text index: the bleve mapping (built in
// code and versioned), building and incrementally updating the index from a
// content snapshot, and answering queries with highlights, facets and
// suggestions.
//
// search imports content for its types and bleve for the index; it must not
// import server, tickets or anything of HTTP. Its API is internal to kb and
// narrow on purpose: another engine (OpenSearch) may replace bleve behind it.
package search
