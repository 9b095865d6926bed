package server

import (
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"kb/content"
)

// Limits that keep pages light on big collections (the PowerShell docs
// have 3,091 pages, 700 in one folder): a list shows a window of entries
// and links to the folder for the rest.
const (
	navWindow     = 40 // entries of one folder in the navigation tree
	homeGroups    = 12 // cards in a section of the home page
	homeGroupSize = 8  // entries in a card of the home page: a screenful
)

// navNode is an entry of the navigation tree: a folder or a page.
type navNode struct {
	Label    string
	URL      string
	Folder   string // the folder's root-relative path; "" for a page
	Fragment string // of a closed folder: the URL of its entries (/_nav)
	Count    int    // pages in the folder and below
	Current  bool   // the page shown (or the folder, on its own page)
	Open     bool   // on the way to the current page: its entries follow
	Children []navNode
	More     *link // the folder's page when Children is a window of its entries
	Skipped  bool  // Children leaves out entries before its first
}

// navKey caches the fragment of one folder's entries (GET /_nav).
type navKey struct{ dir string }

// navEntry is an unsorted entry of a folder: a sub-folder or an article.
type navEntry struct {
	node   navNode
	weight int
	has    bool
	dir    string // sub-folder path
	folded string // node.Label in lower case
}

// folderNav returns the label and weight of a folder: from its index
// article (_index.md, index.md) when it has one, else its name.
func folderNav(snap *content.Snapshot, dir string) (label string, weight int, has bool) {
	if a, ok := snap.ByURL("/" + dir); ok && a.IsIndex() {
		w, ok := a.NavWeight()
		return a.NavTitle(), w, ok
	}
	return path.Base(dir), 0, false
}

// navEntries returns the entries of folder f in navigation order: weight,
// then label, folders and pages mixed as their weights say.
func navEntries(snap *content.Snapshot, f *content.Folder) []navEntry {
	out := make([]navEntry, 0, len(f.Folders)+len(f.Articles))
	for _, sub := range f.Folders {
		label, w, has := folderNav(snap, sub.Path)
		out = append(out, navEntry{node: navNode{Label: label, URL: folderURL(sub.Path), Folder: sub.Path, Count: sub.Count()}, weight: w, has: has, dir: sub.Path, folded: strings.ToLower(label)})
	}
	for _, a := range f.Articles {
		if a.IsIndex() {
			continue
		}
		w, has := a.NavWeight()
		label := a.NavTitle()
		out = append(out, navEntry{node: navNode{Label: label, URL: toItem(a).URL}, weight: w, has: has, folded: strings.ToLower(label)})
	}
	// Each label lowered once rather than at every comparison: a page of a
	// folder of 600 articles spent most of its rendering there.
	slices.SortStableFunc(out, func(a, b navEntry) int {
		return content.CompareNavFolded(a.weight, a.has, a.node.Label, a.folded, b.weight, b.has, b.node.Label, b.folded)
	})
	return out
}

// navMemo keeps the sorted entries of the folders one page shows, which
// the tree and the previous and next links both need: a folder of 3,000
// pages (50,000 articles) took a sort of them each.
type navMemo map[*content.Folder][]navEntry

// entries returns navEntries(snap, f), sorted once per memo; a nil memo
// keeps nothing.
func (m navMemo) entries(snap *content.Snapshot, f *content.Folder) []navEntry {
	if e, ok := m[f]; ok {
		return e
	}
	e := navEntries(snap, f)
	if m != nil {
		m[f] = e
	}
	return e
}

// navLevel returns the entries of f, the branch down to dir opened, the
// entry at curURL marked, and at most navWindow entries around the one on
// the branch; whether entries before the window were left out; and how many
// entries f has.
func navLevel(snap *content.Snapshot, f *content.Folder, dir, curURL string, memo navMemo) (nodes []navNode, skipped bool, total int) {
	entries := memo.entries(snap, f)
	anchor := -1
	nodes = make([]navNode, len(entries))
	for i, e := range entries {
		n := e.node
		switch {
		case e.dir != "" && (dir == e.dir || strings.HasPrefix(dir, e.dir+"/")):
			n.Open = true
			n.Current = n.URL == curURL
			if sub, ok := snap.Folder(e.dir); ok {
				var total int
				n.Children, n.Skipped, total = navLevel(snap, sub, dir, curURL, memo)
				if len(n.Children) < total {
					n.More = &link{Text: "All " + strconv.Itoa(n.Count) + " pages", URL: n.URL}
				}
			}
			anchor = i
		case e.dir != "":
			n.Fragment = navURL(e.dir)
		case n.URL == curURL:
			n.Current = true
			anchor = i
		}
		nodes[i] = n
	}
	nodes, skipped = window(nodes, anchor)
	return nodes, skipped, len(entries)
}

// window cuts nodes to navWindow entries around anchor (the start when -1)
// and says whether it left out entries before them.
func window(nodes []navNode, anchor int) ([]navNode, bool) {
	if len(nodes) <= navWindow {
		return nodes, false
	}
	start := max(0, anchor-navWindow/2)
	end := min(len(nodes), start+navWindow)
	start = max(0, end-navWindow)
	return nodes[start:end], start > 0
}

// navTree is the navigation of a page: the top-level entries, the branch
// down to the page open, and the "all N" link where a folder is cut.
type navTree struct {
	Nodes   []navNode
	Skipped bool
	More    *link // the home page when the top level is cut
	URL     string
}

// navFor returns the tree shown beside the page at curURL in folder dir.
func navFor(snap *content.Snapshot, dir, curURL string, memo navMemo) *navTree {
	root, ok := snap.Folder("")
	if !ok {
		return nil
	}
	t := &navTree{URL: "/"}
	var total int
	t.Nodes, t.Skipped, total = navLevel(snap, root, dir, curURL, memo)
	if len(t.Nodes) == 0 {
		return nil
	}
	if len(t.Nodes) < total {
		t.More = &link{Text: "All pages", URL: "/"}
	}
	return t
}

// navFragment is the data of templates/nav.html: the entries of one folder,
// fetched when a reader opens it in the tree (GET /_nav?path=).
type navFragment struct {
	Nodes   []navNode
	Skipped bool
	More    *link
	URL     string
}

func navFragmentFor(snap *content.Snapshot, f *content.Folder) navFragment {
	p := navFragment{URL: folderURL(f.Path)}
	var total int
	p.Nodes, _, total = navLevel(snap, f, "", "", nil)
	if len(p.Nodes) < total {
		p.More = &link{Text: "All " + strconv.Itoa(f.Count()) + " pages", URL: folderURL(f.Path)}
	}
	return p
}

// navURL is the fragment route of a folder's entries.
func navURL(dir string) string { return "/_nav?path=" + url.QueryEscape(dir) }

// neighbours returns the pages before and after a in its folder, in
// navigation order; nil at either end.
func neighbours(snap *content.Snapshot, a *content.Article, memo navMemo) (prev, next *link) {
	f, ok := snap.Folder(a.Folder())
	if !ok {
		return nil, nil
	}
	var pages []navNode
	for _, e := range memo.entries(snap, f) {
		if e.dir == "" {
			pages = append(pages, e.node)
		}
	}
	cur := toItem(a).URL
	i := slices.IndexFunc(pages, func(n navNode) bool { return n.URL == cur })
	if i < 0 {
		return nil, nil
	}
	if i > 0 {
		prev = &link{Text: pages[i-1].Label, URL: pages[i-1].URL}
	}
	if i+1 < len(pages) {
		next = &link{Text: pages[i+1].Label, URL: pages[i+1].URL}
	}
	return prev, next
}

// homeGroup is the folder depth at which a list of articles is grouped on
// the home page: the deepest at which there are at most homeGroups groups
// (prometheus-operator's runbooks/etcd, runbooks/node rather than one
// "runbooks"; PowerShell's reference/7.5 rather than 60 module folders).
func groupDepth(as []*content.Article) int {
	depth, deepest := 1, 1
	for _, a := range as {
		deepest = max(deepest, strings.Count(a.Folder(), "/")+1)
	}
	for d := 1; d <= deepest; d++ {
		keys := map[string]bool{}
		for _, a := range as {
			keys[folderAt(a.Folder(), d)] = true
		}
		if len(keys) > homeGroups {
			break
		}
		depth = d
	}
	return depth
}

// folderAt cuts dir to its first d elements.
func folderAt(dir string, d int) string {
	parts := strings.Split(dir, "/")
	if len(parts) > d {
		parts = parts[:d]
	}
	return strings.Join(parts, "/")
}

// folderGroups groups articles by folder at groupDepth, a group per folder
// in navigation order, each with its first homeGroupSize entries, its count
// and the link to the rest. Labels that two groups share get their parent
// folder's ("7.5 / CimCmdlets").
func folderGroups(snap *content.Snapshot, as []*content.Article, runbooks bool) []group {
	if len(as) == 0 {
		return nil
	}
	d := groupDepth(as)
	byDir := map[string][]*content.Article{}
	var dirs []string
	for _, a := range as {
		k := folderAt(a.Folder(), d)
		if _, ok := byDir[k]; !ok {
			dirs = append(dirs, k)
		}
		byDir[k] = append(byDir[k], a)
	}
	type keyed struct {
		g      group
		weight int
		has    bool
	}
	gs := make([]keyed, 0, len(dirs))
	labels := map[string]int{}
	for _, dir := range dirs {
		k := keyed{g: group{Name: "General", Count: len(byDir[dir])}}
		if dir != "" {
			k.g.Name, k.weight, k.has = folderNav(snap, dir)
			k.g.URL = folderURL(dir)
		}
		labels[k.g.Name]++
		items := toItems(byDir[dir])
		if runbooks {
			sortItems(items)
		} else {
			items = navSorted(byDir[dir])
		}
		if len(items) > homeGroupSize {
			items = items[:homeGroupSize]
		}
		if runbooks {
			k.g.Runbooks = items
		} else {
			k.g.Articles = items
		}
		k.g.dir = dir
		gs = append(gs, k)
	}
	slices.SortStableFunc(gs, func(a, b keyed) int {
		return content.CompareNav(a.weight, a.has, a.g.dir, b.weight, b.has, b.g.dir)
	})
	out := make([]group, 0, len(gs))
	for _, k := range gs {
		if labels[k.g.Name] > 1 && k.g.dir != "" && parentDir(k.g.dir) != "" {
			parent, _, _ := folderNav(snap, parentDir(k.g.dir))
			k.g.Name = parent + " / " + k.g.Name
		}
		out = append(out, k.g)
	}
	if len(out) > homeGroups {
		out = out[:homeGroups]
	}
	return out
}

// navSorted returns the articles as items in navigation order.
func navSorted(as []*content.Article) []item {
	sorted := slices.Clone(as)
	slices.SortStableFunc(sorted, func(a, b *content.Article) int {
		aw, ah := a.NavWeight()
		bw, bh := b.NavWeight()
		return content.CompareNav(aw, ah, a.NavTitle(), bw, bh, b.NavTitle())
	})
	return toItems(sorted)
}
