package check

import (
	"fmt"
	"strings"

	"kb/access"
)

// access reports the read rules of kb.yaml that decide no file (none
// matches, or earlier rules take every file that does) and the front
// matter that names groups its folder's rule does not let read it: access:
// only narrows, so those groups are ignored.
func (c *checker) access() {
	pol := c.snap.Access
	if pol.Err() != nil || !pol.Enabled() {
		return
	}
	rules := pol.Rules()
	decides := make([]int, len(rules))
	paths := c.snap.AttachmentPaths()
	for _, a := range c.snap.Articles {
		paths = append(paths, a.Path)
	}
	for _, p := range paths {
		if i := pol.Match(p); i >= 0 {
			decides[i]++
		}
	}
	for i, r := range rules {
		if decides[i] == 0 {
			c.add(Finding{Path: "kb.yaml", Level: Warning, Kind: KindAccess,
				Message: fmt.Sprintf("access rule %d (path %q) decides no file: none matches it, or an earlier rule takes every file it matches", i+1, r.Path)})
		}
	}
	for _, a := range c.snap.Articles {
		if a.Access == nil {
			continue
		}
		if wide := pol.Widening(a.Path, a.Access); len(wide) > 0 {
			c.add(Finding{Path: a.Path, Line: a.KeyLine("access"), Level: Error, Kind: KindAccess,
				Message: fmt.Sprintf("access: names %s, which kb.yaml's rule for this folder does not let read it; front matter only narrows, so they are ignored (readers: %s)",
					strings.Join(wide, ", "), readers(a.Class))})
		}
	}
}

func readers(c access.Class) string {
	switch c {
	case "":
		return "anyone"
	case access.Nobody:
		return "nobody"
	}
	return strings.Join(c.Groups(), ", ")
}
