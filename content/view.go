package content

import (
	"maps"
	"slices"

	"kb/access"
)

// View returns a snapshot holding only the articles keep accepts and the
// attachments keepFile accepts: what one reader may see. Every lookup,
// listing, tag, service, folder, backlink and alert of the view knows only
// those, so a page built from it cannot name what the reader may not read.
// The articles are shared with s; s is not changed.
func (s *Snapshot) View(keep func(*Article) bool, keepFile func(path string) bool) *Snapshot {
	s = s.flat()
	v := *s
	articles := make([]*Article, 0, len(s.Articles))
	for _, a := range s.Articles {
		if keep(a) {
			articles = append(articles, a)
		}
	}
	v.attachments = make(map[string]int64, len(s.attachments))
	for p, n := range s.attachments {
		if keepFile(p) {
			v.attachments[p] = n
		}
	}
	v.alerts, v.alertNames = keptArticles(s.alerts, keep), keptArticles(s.alertNames, keep)
	v.mapArticles(articles)
	v.index(articles)
	// index set Version from the articles kept: an edit the reader cannot
	// see leaves their version (and live reload) alone.
	return &v
}

func keptArticles(m map[string]*Article, keep func(*Article) bool) map[string]*Article {
	out := maps.Clone(m)
	maps.DeleteFunc(out, func(_ string, a *Article) bool { return !keep(a) })
	return out
}

// Classes returns the distinct read classes of the snapshot's articles and
// attachments, sorted: who may read what, in as few sets as there are.
func (s *Snapshot) Classes() []access.Class { return slices.Clone(s.classes) }

func (s *Snapshot) readClasses() []access.Class {
	var out []access.Class
	add := func(c access.Class) {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, a := range s.Articles {
		add(a.Class)
	}
	if s.Access.Enabled() {
		for p := range s.attachments {
			add(s.Access.Class(p, nil))
		}
	}
	slices.Sort(out)
	return out
}

// AttachmentPaths returns the root-relative paths of the attachments, sorted.
func (s *Snapshot) AttachmentPaths() []string {
	return slices.Sorted(maps.Keys(s.attachments))
}
