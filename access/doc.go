// Package access decides who may read what: the read rules of kb.yaml
// (access:, first match wins), the narrowing an article's front matter may
// add, and readers (a signed-in user with groups, an anonymous visitor, a
// token limited to paths). It is plain Go: no HTTP, no storage; content
// classifies articles with it and server enforces it.
//
// It imports nothing of kb. No API promise outside kb.
package access
