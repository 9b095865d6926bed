// Package layers holds kb's import fence: a test that fails when a package
// imports what DESIGN.md forbids (cmd → server → search, tickets, content,
// render, themes; only server speaks echo, only search bleve, only the owners
// of stored data bbolt). It has no code of its own and imports nothing of kb.
package layers
