// Package scale holds make bench-scale: kb against the bare libraries on
// generated collections of 10,000 and 50,000 articles (internal/gen), in
// separate processes, alternating kb and its anchors round by round, and a
// table of min/median/max ratios. It is a test behind KB_SCALE=1 so that
// the anchors may import bleve and goldmark directly (the import fence lets
// tests do that, not code); it has no code of its own.
package scale
