package content

import (
	"maps"
	"slices"
)

// moveSet remembers where renamed articles went, so their old paths, URLs
// and ids keep working: from git history at load, and from every rename seen
// while kb runs. It is immutable once a snapshot holding it is published;
// with returns a changed copy.
type moveSet struct {
	to   map[string]string   // old root-relative path → the path its file has now
	from map[string][]string // current path → old paths that lead to it
	ids  map[string]string   // id that vanished in a rename → the old path that had it
}

func newMoveSet() *moveSet {
	return &moveSet{to: map[string]string{}, from: map[string][]string{}, ids: map[string]string{}}
}

// with returns a copy of m with the renames added in order, oldest first,
// and the vanished ids (id → old path) recorded.
func (m *moveSet) with(renames []Change, ids map[string]string) *moveSet {
	if len(renames) == 0 && len(ids) == 0 {
		return m
	}
	c := &moveSet{to: maps.Clone(m.to), from: make(map[string][]string, len(m.from)), ids: maps.Clone(m.ids)}
	for k, v := range m.from {
		c.from[k] = slices.Clone(v)
	}
	for _, r := range renames {
		c.add(r.OldPath, r.Path)
	}
	maps.Copy(c.ids, ids)
	return c
}

// add records that the file at old moved to now. Paths that led to old now
// lead to now; now itself is a file again, so its own old redirect ends.
func (m *moveSet) add(old, now string) {
	if old == now || old == "" || now == "" {
		return
	}
	m.unset(now)
	m.unset(old)
	keys := append(m.from[old], old)
	delete(m.from, old)
	for _, k := range keys {
		if k != now {
			m.to[k] = now
			m.from[now] = append(m.from[now], k)
		}
	}
}

func (m *moveSet) unset(p string) {
	t, ok := m.to[p]
	if !ok {
		return
	}
	delete(m.to, p)
	m.from[t] = slices.DeleteFunc(m.from[t], func(k string) bool { return k == p })
	if len(m.from[t]) == 0 {
		delete(m.from, t)
	}
}

// path returns where the file once at old is now.
func (m *moveSet) path(old string) (string, bool) {
	p, ok := m.to[old]
	return p, ok
}

// idPath returns the old path of the article that had id before a rename.
func (m *moveSet) idPath(id string) (string, bool) {
	p, ok := m.ids[id]
	return p, ok
}
