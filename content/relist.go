package content

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// relist lists the files of a folder load that knows which paths changed
// (Watch's hints): the last snapshot's listing with those paths looked at
// again, instead of a walk of every folder, which was a third of the CPU of
// a one-file edit at 10,000 articles. ok is false when a walk is needed: no
// hints or the root among them, a git commit, a first or full load, a last
// walk with warnings (they are not kept), or a hint that is a folder, a
// symbolic link or anything else only the walk judges.
func relist(in buildInput) (files, attached []file, ok bool) {
	prev := in.prev
	if prev == nil || in.full || len(in.hints) == 0 || in.commit != "" || prev.Commit != "" || !prev.relistable {
		return nil, nil, false
	}
	hints := newPathSet(in.hints)
	if hints[""] {
		return nil, nil, false
	}
	seen := map[string]bool{}
	again := func(list []file) ([]file, bool) {
		out := make([]file, 0, len(list)+len(hints))
		for _, f := range list {
			if !hints.has(f.path) {
				out = append(out, f)
				continue
			}
			seen[f.path] = true
			nf, exists, ok := lookAgain(in.files, f.path)
			if !ok {
				return nil, false
			}
			if exists {
				out = append(out, nf)
			}
		}
		return out, true
	}
	if files, ok = again(prev.listed); !ok {
		return nil, nil, false
	}
	if attached, ok = again(prev.attached); !ok {
		return nil, nil, false
	}
	for p := range hints {
		if seen[p] {
			continue
		}
		f, exists, ok := lookAgain(in.files, p)
		if !ok {
			return nil, nil, false
		}
		if !exists {
			continue // gone, or never listed: the files below a removed folder went above
		}
		if strings.EqualFold(path.Ext(p), ".md") {
			files = insertListed(files, f)
		} else {
			attached = insertListed(attached, f)
		}
	}
	if len(files)+len(attached) > in.opts.maxFiles() {
		return nil, nil, false // the walk says why
	}
	return files, attached, true
}

// lookAgain lists the file at p as walk would. exists is false for a path
// that is not there or that walk never lists (hidden, kb.yaml); ok is false
// when only a walk can tell.
func lookAgain(fsys fs.FS, p string) (f file, exists, ok bool) {
	if p == SiteFile {
		return file{}, false, true
	}
	for _, part := range strings.Split(p, "/") {
		if strings.HasPrefix(part, ".") {
			return file{}, false, true
		}
	}
	if !utf8.ValidString(p) || !fs.ValidPath(p) {
		return file{}, false, false
	}
	info, err := fs.Lstat(fsys, p)
	if errors.Is(err, fs.ErrNotExist) {
		return file{}, false, true
	}
	if err != nil || !info.Mode().IsRegular() {
		return file{}, false, false
	}
	return listed(p, info), true, true
}

// insertListed puts f into list, which is in walk order.
func insertListed(list []file, f file) []file {
	i, _ := slices.BinarySearchFunc(list, f.path, func(e file, p string) int { return walkCompare(e.path, p) })
	return slices.Insert(list, i, f)
}

// walkCompare orders paths as fs.WalkDir visits them: folder by folder,
// names in lexical order ("a/b" before "a-b", unlike a string sort).
func walkCompare(a, b string) int {
	for {
		ea, resta, moreA := strings.Cut(a, "/")
		eb, restb, moreB := strings.Cut(b, "/")
		if c := strings.Compare(ea, eb); c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = resta, restb
	}
}
