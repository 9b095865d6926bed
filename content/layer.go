package content

import (
	"iter"
	"maps"
	"slices"
)

// A one-file edit must not copy the snapshot's lookups, which hold every
// article (at 10,000 articles, rebuilding them was most of an edit's CPU).
// A snapshot made by an edit (applyEdit) shares its predecessor's maps and
// keeps the keys the edits changed in small maps on top (layers). Once the
// layers grow past about the square root of the collection, an edit folds
// them into new maps, so lookups stay one or two map reads and an edit
// costs O(√n) map writes at most, amortised.

// slot is a key of a layer: its value, or ok false where an edit deleted it.
type slot[V any] struct {
	v  V
	ok bool
}

// layer holds the keys that edits changed on top of a base map.
type layer[V any] map[string]slot[V]

// look returns the value of k in base seen through top.
func look[V any](base map[string]V, top layer[V], k string) (V, bool) {
	if s, ok := top[k]; ok {
		return s.v, s.ok
	}
	v, ok := base[k]
	return v, ok
}

// all yields every key and value of base seen through top.
func all[V any](base map[string]V, top layer[V]) iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		for k, v := range base {
			if _, over := top[k]; over {
				continue
			}
			if !yield(k, v) {
				return
			}
		}
		for k, s := range top {
			if s.ok && !yield(k, s.v) {
				return
			}
		}
	}
}

// fold returns base with top applied, as a new map.
func fold[V any](base map[string]V, top layer[V]) map[string]V {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]V{}
	}
	for k, s := range top {
		if s.ok {
			out[k] = s.v
		} else {
			delete(out, k)
		}
	}
	return out
}

// layers are a snapshot's changes on top of its lookups; all nil in a
// snapshot whose maps are complete.
type layers struct {
	byPath, byFoldedPath, byID, byURL, byFoldedURL, aliases, alerts, alertNames layer[*Article]
	backlinks                                                                   layer[[]*Article]
	entries                                                                     layer[entry]
	listed                                                                      map[int]file // index in Snapshot.listed → the file as listed now
}

// size is the number of keys the layers hold.
func (l *layers) size() int {
	return len(l.byPath) + len(l.byFoldedPath) + len(l.byID) + len(l.byURL) + len(l.byFoldedURL) +
		len(l.aliases) + len(l.alerts) + len(l.alertNames) + len(l.backlinks) + len(l.entries) + len(l.listed)
}

// clone returns a copy of l that an edit may write to.
func (l *layers) clone() layers {
	return layers{
		byPath: maps.Clone(l.byPath), byFoldedPath: maps.Clone(l.byFoldedPath), byID: maps.Clone(l.byID),
		byURL: maps.Clone(l.byURL), byFoldedURL: maps.Clone(l.byFoldedURL), aliases: maps.Clone(l.aliases),
		alerts: maps.Clone(l.alerts), alertNames: maps.Clone(l.alertNames),
		backlinks: maps.Clone(l.backlinks), entries: maps.Clone(l.entries), listed: maps.Clone(l.listed),
	}
}

// set writes k → v into the layer *top (made when nil).
func set[V any](top *layer[V], k string, v V) {
	if *top == nil {
		*top = layer[V]{}
	}
	(*top)[k] = slot[V]{v: v, ok: true}
}

// unset deletes k through the layer *top (made when nil).
func unset[V any](top *layer[V], k string) {
	if *top == nil {
		*top = layer[V]{}
	}
	(*top)[k] = slot[V]{}
}

// flat returns s with its layers folded into its maps: a snapshot that the
// full build reads directly. s itself is left as it is (it may be
// published); a snapshot without layers is returned as it is.
func (s *Snapshot) flat() *Snapshot {
	if s == nil || s.top.size() == 0 {
		return s
	}
	f := *s
	t := &s.top
	f.byPath, f.byFoldedPath, f.byID = fold(s.byPath, t.byPath), fold(s.byFoldedPath, t.byFoldedPath), fold(s.byID, t.byID)
	f.byURL, f.byFoldedURL, f.aliases = fold(s.byURL, t.byURL), fold(s.byFoldedURL, t.byFoldedURL), fold(s.aliases, t.aliases)
	f.alerts, f.alertNames = fold(s.alerts, t.alerts), fold(s.alertNames, t.alertNames)
	f.backlinks, f.entries = fold(s.backlinks, t.backlinks), fold(s.entries, t.entries)
	f.linkers = &linkIndex{} // of the entries folded
	if len(t.listed) > 0 {
		f.listed = slices.Clone(s.listed)
		for i, file := range t.listed {
			f.listed[i] = file
		}
	}
	f.top = layers{}
	return &f
}

// Lookups through the layers, for everything that may read a snapshot an
// edit made.

func (s *Snapshot) pathArticle(p string) (*Article, bool) { return look(s.byPath, s.top.byPath, p) }
func (s *Snapshot) foldedPathArticle(p string) (*Article, bool) {
	return look(s.byFoldedPath, s.top.byFoldedPath, p)
}
func (s *Snapshot) idArticle(id string) (*Article, bool)   { return look(s.byID, s.top.byID, id) }
func (s *Snapshot) urlArticle(u string) (*Article, bool)   { return look(s.byURL, s.top.byURL, u) }
func (s *Snapshot) aliasArticle(u string) (*Article, bool) { return look(s.aliases, s.top.aliases, u) }
func (s *Snapshot) foldedURLArticle(u string) (*Article, bool) {
	return look(s.byFoldedURL, s.top.byFoldedURL, u)
}
func (s *Snapshot) alertArticle(k string) (*Article, bool) { return look(s.alerts, s.top.alerts, k) }
func (s *Snapshot) alertNameArticle(k string) (*Article, bool) {
	return look(s.alertNames, s.top.alertNames, k)
}
func (s *Snapshot) entry(p string) (entry, bool) { return look(s.entries, s.top.entries, p) }

// allEntries yields every article path and its entry.
func (s *Snapshot) allEntries() iter.Seq2[string, entry] { return all(s.entries, s.top.entries) }
