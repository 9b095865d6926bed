// Package example holds the example knowledge base that ships inside the kb
// binary: `kb serve` without --content serves it, so a newcomer sees a working
// site at once. Its articles are written for kb and double as its manual.
//
// example imports nothing of kb.
package example

import (
	"embed"
	"io/fs"
)

//go:embed all:kb
var files embed.FS

// FS returns the example knowledge base, rooted at its content folder.
func FS() fs.FS {
	sub, err := fs.Sub(files, "kb")
	if err != nil {
		panic(err) // "kb" is a constant folder embedded above: a failure is a build defect
	}
	return sub
}
