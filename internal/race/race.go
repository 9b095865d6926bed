//go:build race

// Package race tells tests whether the binary was built with -race, which
// makes rendering (goldmark, chroma's regexp lexers) about ten times slower,
// so that corpus-wide tests can sample under the race detector.
package race

// Enabled is true in a binary built with -race.
const Enabled = true
