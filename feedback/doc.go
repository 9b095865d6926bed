// Package feedback owns what readers tell kb about articles: an anonymous
// "this helped" count per article, in its own bbolt bucket of the file that
// cmd/kb opens and hands over (a fleet keeps them in PostgreSQL, package
// postgres, with the same CheckID rule). It imports no other package of kb and knows
// nothing of HTTP. No API promise outside kb.
package feedback
