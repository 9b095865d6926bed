package content

import (
	"cmp"
	"math"
	"strconv"
	"strings"
)

// NavWeight returns the article's `weight` from its front matter (Hugo's and
// MkDocs plugins' key for the order in a navigation), and whether it has one.
// Lighter comes first; a weight that is not a number counts as none.
func (a *Article) NavWeight() (int, bool) {
	switch w := a.Extra["weight"].(type) {
	case int:
		return w, true
	case uint64:
		if w <= math.MaxInt32 {
			return int(w), true
		}
	case float64:
		if !math.IsNaN(w) && math.Abs(w) <= math.MaxInt32 {
			return int(w), true
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(w)); err == nil {
			return n, true
		}
	}
	return 0, false
}

// NavTitle returns the label of the article in a navigation: its front
// matter's `nav_title` (or Hugo's `linkTitle`), else its title.
func (a *Article) NavTitle() string {
	for _, k := range []string{"nav_title", "linkTitle"} {
		if s, ok := a.Extra[k].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return a.Title
}

// CompareNav orders two navigation entries: those with a weight first,
// lighter first, then by label without regard to letter case. Both articles
// and folders (by their index article's weight) sort with it.
func CompareNav(aw int, aHas bool, aLabel string, bw int, bHas bool, bLabel string) int {
	return CompareNavFolded(aw, aHas, aLabel, strings.ToLower(aLabel), bw, bHas, bLabel, strings.ToLower(bLabel))
}

// CompareNavFolded is CompareNav for entries whose labels were lowered
// beforehand (aFolded, bFolded), so a sort lowers each label once rather
// than at every comparison.
func CompareNavFolded(aw int, aHas bool, aLabel, aFolded string, bw int, bHas bool, bLabel, bFolded string) int {
	switch {
	case aHas && !bHas:
		return -1
	case !aHas && bHas:
		return 1
	}
	return cmp.Or(cmp.Compare(aw, bw), strings.Compare(aFolded, bFolded), strings.Compare(aLabel, bLabel))
}
