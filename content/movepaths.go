package content

import (
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"
)

// movePaths brings the files that an edit adds and removes into s's
// listing, article list, path and URL lookups (an added article is its
// req until settled) and moves, finding the renames among them as build
// does (folderRenames). It returns the renames and the lower-cased paths
// whose links resolve otherwise now, whose linking articles render again.
// ok is false when a URL would change hands, which build settles: a URL
// another file lost to a removed one, a new file's URL already taken, or
// one of kb's routes.
func (s *Snapshot) movePaths(in buildInput, edits []edited) (_ []Rename, affected []string, ok bool) {
	prev := in.prev
	listed := slices.Clone(prev.listed)
	for i, f := range prev.top.listed {
		listed[i] = f
	}
	for _, e := range edits {
		if e.kind == editChanged {
			listed[e.i] = e.f
		}
	}
	byPath := func(a *Article, p string) int { return strings.Compare(a.Path, p) }
	byWalk := func(f file, p string) int { return walkCompare(f.path, p) }
	var foldedPaths, foldedURLs []string
	var gone map[string]*source // removed files, for renames
	var came []string           // added files, by path
	for _, e := range edits {
		if e.kind != editRemoved {
			continue
		}
		u := e.old.URL
		for p, c := range s.claims {
			if len(c.url) > 0 && p != e.path && URLFor(p) == u {
				return nil, nil, false
			}
		}
		i, _ := slices.BinarySearchFunc(listed, e.path, byWalk)
		listed = slices.Delete(listed, i, i+1)
		i, _ = slices.BinarySearchFunc(s.Articles, e.path, byPath)
		s.Articles = slices.Delete(s.Articles, i, i+1)
		unset(&s.top.byPath, e.path)
		unset(&s.top.byURL, u)
		unset(&s.top.entries, e.path)
		foldedPaths, foldedURLs = append(foldedPaths, strings.ToLower(e.path)), append(foldedURLs, strings.ToLower(u))
		if gone == nil {
			gone = map[string]*source{}
		}
		gone[e.path] = prev.mustEntry(e.path).src
	}
	for _, e := range edits {
		if e.kind != editAdded {
			continue
		}
		u := e.req.URL
		if _, taken := s.urlArticle(u); taken || IsReserved(u) {
			return nil, nil, false
		}
		listed = insertListed(listed, e.f)
		i, _ := slices.BinarySearchFunc(s.Articles, e.path, byPath)
		s.Articles = slices.Insert(s.Articles, i, e.req)
		set(&s.top.byPath, e.path, e.req)
		set(&s.top.byURL, u, e.req)
		foldedPaths, foldedURLs = append(foldedPaths, strings.ToLower(e.path)), append(foldedURLs, strings.ToLower(u))
		came = append(came, e.path)
	}
	s.listed, s.top.listed = listed, nil
	var cameArticles []*Article
	for _, e := range edits {
		if e.kind == editAdded {
			cameArticles = append(cameArticles, e.req)
		}
	}
	clashes := slices.Concat(
		s.refold(foldedPaths, func(a *Article) string { return a.Path }, &s.top.byFoldedPath, s.foldedPathArticle, gone, cameArticles),
		s.refold(foldedURLs, func(a *Article) string { return a.URL }, &s.top.byFoldedURL, s.foldedURLArticle, gone, cameArticles))
	if slices.ContainsFunc(clashes, func(k string) bool { return !s.clashes[k] }) {
		if s.clashes = maps.Clone(s.clashes); s.clashes == nil {
			s.clashes = map[string]bool{}
		}
		for _, k := range clashes {
			s.clashes[k] = true
		}
	}

	// The renames, as settleMoves records them: git history's new ones
	// first, then those of git diff or, for a folder, folderRenames.
	var renames []Rename
	var changes []Change
	ids := map[string]string{}
	if in.hist != nil && prev.hist != in.hist {
		for _, m := range in.hist.moves {
			changes = append(changes, m)
			ids[DeriveID(m.OldPath)] = m.OldPath
		}
	}
	var pairs [][2]string
	if in.renames != nil {
		for _, c := range in.renames {
			if _, now := s.pathArticle(c.Path); c.Op == ChangeRenamed && now && prev.lookupArticle(c.OldPath) != nil {
				pairs = append(pairs, [2]string{c.OldPath, c.Path})
			}
		}
	} else {
		srcs := map[string]*source{}
		for _, e := range edits {
			if e.kind == editAdded {
				srcs[e.path] = e.src
			}
		}
		pairs = folderRenames(gone, came, srcs)
	}
	for _, r := range pairs {
		old := prev.lookupArticle(r[0])
		renames = append(renames, Rename{OldPath: r[0], Path: r[1], OldID: old.ID})
		ids[old.ID] = r[0]
		changes = append(changes, Change{Op: ChangeRenamed, OldPath: r[0], Path: r[1]})
	}
	s.moves = s.moves.with(changes, ids)

	for _, p := range append(slices.Collect(maps.Keys(gone)), came...) {
		affected = append(affected, strings.ToLower(p))
	}
	movesChanged(prev, s, func(p string) { affected = append(affected, strings.ToLower(p)) })
	return renames, affected, true
}

// folderRenames pairs files gone from a folder with files come to it
// (came, sorted) that have the id their front matter asks for or, failing
// that, the exact content of one gone: [old, new] path pairs, in the order
// of came. build and applyEdit both take them as renames.
func folderRenames(gone map[string]*source, came []string, srcs map[string]*source) [][2]string {
	if len(gone) == 0 {
		return nil
	}
	gone = maps.Clone(gone)
	byID, byHash := map[string]string{}, map[string]string{}
	for _, p := range slices.Sorted(maps.Keys(gone)) {
		b := gone[p].base
		byID[b.ID] = p
		if b.Size > 0 && b.Unrendered == "" {
			byHash[b.Hash] = p
		}
	}
	var out [][2]string
	for _, p := range came {
		b := srcs[p].base
		old, ok := byID[b.ID]
		if !ok {
			old, ok = byHash[b.Hash]
		}
		if ok && gone[old] != nil {
			delete(gone, old)
			out = append(out, [2]string{old, p})
		}
	}
	return out
}

// refold settles the folded lookup *top for each lower-cased key: the
// first article in path order whose key, lower-cased, it is, as assign
// gives it, now that the articles at gone went and came came. Only a key
// that two articles have had (s.clashes) needs a look at every article
// when its owner goes; otherwise the owner is the one there was or one
// that came. It returns the keys that two articles have now.
func (s *Snapshot) refold(keys []string, key func(*Article) string, top *layer[*Article], look func(string) (*Article, bool), gone map[string]*source, came []*Article) []string {
	var clashes []string
	match := func(a *Article, k string) bool {
		v := key(a)
		return strings.EqualFold(v, k) && strings.ToLower(v) == k
	}
	for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
		v, ok := look(k)
		var owner *Article
		n := 0
		switch {
		case ok && gone[v.Path] != nil && s.clashes[k]:
			for _, a := range s.Articles { // the articles that came are among them
				if match(a, k) {
					if owner == nil {
						owner = a
					}
					n++
				}
			}
		default:
			if ok && gone[v.Path] == nil {
				owner, n = v, 1
			}
			for _, a := range came {
				if match(a, k) {
					n++
					if owner == nil || a.Path < owner.Path {
						owner = a
					}
				}
			}
		}
		if n > 1 {
			clashes = append(clashes, k)
		}
		switch {
		case owner == nil && ok:
			unset(top, k)
		case owner != nil && v != owner:
			set(top, k, owner)
		}
	}
	return clashes
}

// linksToAny reports whether out links to one of the lower-cased paths.
func linksToAny(out *rendered, paths []string) bool {
	for _, l := range out.doc.Links {
		if l.Target == "" {
			continue
		}
		for _, p := range paths {
			if strings.EqualFold(l.Target, p) && strings.ToLower(l.Target) == p {
				return true
			}
		}
	}
	return false
}

// current is the outcome of the claims of old as they stand, for an
// article made again whose claims the edit did not settle.
func (s *Snapshot) current(old *Article) settled {
	st := settled{id: old.ID, aliases: old.Aliases, warns: s.claims[old.Path]}
	for _, name := range old.Alerts {
		if k := AlertKey(name); k != "" {
			if owner, ok := s.alertArticle(k); !ok || owner != old {
				if st.lost == nil {
					st.lost = map[string]bool{}
				}
				st.lost[k] = true
			}
		}
	}
	return st
}

// dropKeys takes old out of the id, alias and alert lookups that lead to
// it (for a removed article movePaths took its path and URL out; an
// edited one keeps them, replaceKeys).
func (s *Snapshot) dropKeys(old *Article) {
	if v, _ := s.idArticle(old.ID); v == old {
		unset(&s.top.byID, old.ID)
	}
	for _, al := range old.Aliases {
		if v, _ := s.aliasArticle(al); v == old {
			unset(&s.top.aliases, al)
		}
	}
	for _, name := range old.Alerts {
		if k := AlertKey(name); k != "" {
			if v, _ := s.alertArticle(k); v == old {
				unset(&s.top.alerts, k)
			}
		}
	}
}

// addKeys puts the added article a into the id, alias and alert lookups
// (movePaths put in its path and URL), but for the alerts it lost.
func (s *Snapshot) addKeys(a *Article, lost map[string]bool) {
	set(&s.top.byID, a.ID, a)
	for _, al := range a.Aliases {
		set(&s.top.aliases, al, a)
	}
	for _, name := range a.Alerts {
		if k := AlertKey(name); k != "" && !lost[k] {
			set(&s.top.alerts, k, a)
		}
	}
}

// linkIndex lists, for every lower-cased link target of a snapshot's
// entries map, the articles whose rendering links there: made once for
// the map (a whole build's, or one folded from layers) and shared by the
// snapshots that edits make over it, so an added or removed file finds
// the articles linking to its path without reading every article's links.
type linkIndex struct {
	once sync.Once
	by   map[string][]string
}

// linking yields the articles of s (other than skip's) whose links point
// at one of the lower-cased paths: those of the index that no edit
// changed since, and those edits changed that do now.
func (s *Snapshot) linking(paths []string, skip map[string]bool) iter.Seq[string] {
	idx := s.linkers
	idx.once.Do(func() {
		idx.by = map[string][]string{}
		for p, e := range s.entries {
			seen := map[string]bool{}
			for _, l := range e.out.doc.Links {
				if t := strings.ToLower(l.Target); l.Target != "" && !seen[t] {
					seen[t] = true
					idx.by[t] = append(idx.by[t], p)
				}
			}
		}
	})
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, t := range paths {
			for _, p := range idx.by[t] {
				if _, changed := s.top.entries[p]; changed || skip[p] || seen[p] {
					continue
				}
				seen[p] = true
				if !yield(p) {
					return
				}
			}
		}
		for p, sl := range s.top.entries {
			if sl.ok && !skip[p] && !seen[p] && linksToAny(sl.v.out, paths) {
				seen[p] = true
				if !yield(p) {
					return
				}
			}
		}
	}
}
