package content

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"path"
	"slices"
	"strings"
	"time"

	"kb/render"
)

// maxEditFiles bounds the files applyEdit takes one by one; more (a
// checkout) go through the full build, which renders in parallel anyway.
const maxEditFiles = 64

// edited is one article an edit replaces: the one published (old) and
// its successor.
type edited struct {
	i    int // index in listed
	f    file
	src  *source
	out  *rendered
	old  *Article
	a    *Article
	kept bool     // old is published again
	req  *Article // the source's article before its claims are settled
	// settledOnly: the file is unchanged, but the claims the edits
	// settled give the article another id, aliases or warnings
	settledOnly bool
}

// applyEdit brings in a change of a few existing articles of a folder in
// time proportional to those articles, not to the collection: it copies
// the published snapshot and changes the lookups of those articles alone
// (through layers), where build would make every article and map again.
// It applies when Watch's hints name files of in.prev that are still
// there, nothing else changed (kb.yaml, git history, attachments, the set
// of files) and no id, URL, alias or alert of theirs is disputed; ok is
// false otherwise, and build does the whole load. TestEditsMatchFullLoad
// holds the two to the same outcome.
func applyEdit(ctx context.Context, in buildInput) (_ *Snapshot, _ Update, ok bool, _ error) {
	start := time.Now()
	prev := in.prev
	if prev == nil || in.full || in.opts.wholeBuilds || len(in.hints) == 0 || len(in.hints) > maxEditFiles || in.commit != "" || prev.Commit != "" ||
		!prev.relistable || prev.lazy != nil || in.renames != nil || in.hist != prev.hist || in.histErr != nil || prev.renderer == nil {
		return nil, Update{}, false, nil
	}
	site, warns := loadSite(in.files)
	if in.opts.MaxSize > 0 {
		site.MaxSize = ByteSize(in.opts.MaxSize)
	}
	if fmt.Sprintf("%+v", site) != prev.siteKey || len(warns) > len(prev.Warnings) || !slices.Equal(warns, prev.Warnings[:len(warns)]) ||
		slices.ContainsFunc(prev.Warnings, func(w Warning) bool { return w.Kind == WarnHistory }) {
		return nil, Update{}, false, nil
	}
	rkey := render.Options{UnsafeHTML: site.UnsafeHTML, MaxSize: int(site.MaxSize), IDPrefix: in.opts.IDPrefix, Budget: in.opts.RenderBudget}
	if rkey != prev.rkey {
		return nil, Update{}, false, nil
	}
	edits, ok := editedFiles(in)
	if !ok {
		return nil, Update{}, false, nil
	}
	maxSize := int64(site.MaxSize)
	plain := in.opts.NoHighlight
	if !plain && prev.plainLeft > 0 {
		return nil, Update{}, false, nil // build highlights them along with the edit
	}
	for j := range edits {
		e := &edits[j]
		src, gone := readArticle(in.files, e.f, maxSize, in.opts.RenderCache.frontMatter())
		if gone {
			return nil, Update{}, false, nil
		}
		old, _ := prev.entry(e.f.path)
		if old.src.base.Hash == src.base.Hash && old.src.file.same(src.file) {
			src = old.src
		}
		e.src, e.old = src, prev.lookupArticle(e.f.path)
		if e.old == nil || hasReserved(e.old) {
			return nil, Update{}, false, nil
		}
		if old.src.base.Hash == src.base.Hash && old.src.base.Unrendered == src.base.Unrendered && (plain || !old.out.doc.Unhighlighted) {
			e.out = old.out
		}
	}
	edits = slices.DeleteFunc(edits, func(e edited) bool { return e.src == prev.mustEntry(e.f.path).src })
	if len(edits) == 0 {
		return prev, Update{Snapshot: prev}, true, nil
	}
	if err := renderEdits(ctx, in, prev, edits, rkey, maxSize, plain); err != nil {
		return nil, Update{}, true, err
	}

	s := *prev
	s.files, s.Site, s.top, s.edited = in.files, site, prev.top.clone(), true
	s.Articles = slices.Clone(prev.Articles)
	s.folders, s.tags, s.services = maps.Clone(prev.folders), maps.Clone(prev.tags), maps.Clone(prev.services)
	byPathIndex := func(p string) int {
		i, _ := slices.BinarySearchFunc(s.Articles, p, func(a *Article, p string) int { return strings.Compare(a.Path, p) })
		return i
	}
	for j := range edits {
		edits[j].req = edits[j].src.instance(site, "")
	}
	outcome := s.settleClaims(edits)
	isEdit := map[string]bool{}
	for _, e := range edits {
		isEdit[e.f.path] = true
	}
	for p := range outcome { // articles whose claims the edits settled otherwise: made again too
		if isEdit[p] {
			continue
		}
		en := s.mustEntry(p)
		old := s.lookupArticle(p)
		edits = append(edits, edited{src: en.src, out: en.out, old: old, req: en.src.instance(site, ""), settledOnly: true})
	}
	slices.SortFunc(edits, func(a, b edited) int { return strings.Compare(a.old.Path, b.old.Path) })
	claimsCopied := false // s.claims is prev's until an outcome differs
	var released []string // ids the edited articles had and have no more
	for j := range edits {
		e := &edits[j]
		a, st := e.req, outcome[e.old.Path]
		a.URL, a.ID, a.Aliases = e.old.URL, st.id, st.aliases // a URL goes by path, and the paths are the same
		a.Warnings = slices.Concat(a.Warnings, st.warns.url, st.warns.id, st.warns.aliases)
		finish(a, e.out)
		a.Class = s.Access.Class(a.Path, a.Access)
		a.Warnings = append(a.Warnings, prev.movedLinkWarnings(a)...)
		s.applyHistory(a)
		a.Warnings = append(a.Warnings, st.warns.alerts...)
		if !st.warns.equal(s.claims[a.Path]) {
			if !claimsCopied {
				s.claims, claimsCopied = maps.Clone(s.claims), true
			}
			if st.warns.empty() {
				delete(s.claims, a.Path)
			} else {
				s.claims[a.Path] = st.warns
			}
		}
		if !e.settledOnly {
			set(&s.top.entries, a.Path, entry{src: e.src, out: e.out})
			if s.top.listed == nil {
				s.top.listed = map[int]file{}
			}
			s.top.listed[e.i] = e.f
		}
		if e.out == prev.mustEntry(a.Path).out && sameArticle(e.old, a) {
			e.a, e.kept = e.old, true
			continue // its lookups stay; the entry above still records the file as listed now
		}
		e.a = a
		if e.old.ID != a.ID {
			released = append(released, e.old.ID)
		}
		s.Articles[byPathIndex(a.Path)] = a
		s.replaceKeys(e.old, a, st.lost)
		s.relink(prev, e.old, a)
		s.retag(e.old, a)
		s.refolder(e.old, a)
		s.sum.sub(e.old)
		s.sum.add(a)
		s.plainLeft += b2i(a.Doc.Unhighlighted) - b2i(e.old.Doc.Unhighlighted)
	}
	if claimsCopied {
		s.recomposeWarnings()
	}
	s.renameAlerts(prev, edits)
	if len(s.moves.to) > 0 {
		s.mapMoves()
	}
	if slices.ContainsFunc(edits, func(e edited) bool { return e.a.Class != e.old.Class }) {
		s.classes = s.readClasses()
	}
	s.orphaned = s.stillOrphaned(prev.orphaned, released)
	s.Version = s.version()
	if s.top.size() > foldAt(len(s.Articles)) {
		s = *s.flat()
	}
	s.LoadTime = time.Since(start)

	upd := Update{Snapshot: &s}
	for _, e := range edits {
		switch {
		case e.kept:
		case restyled(e.old, e.a):
			upd.Restyled = append(upd.Restyled, e.a)
		default:
			upd.Updated = append(upd.Updated, e.a)
		}
	}
	for _, id := range released {
		if _, ok := s.idArticle(id); !ok {
			upd.Deleted = append(upd.Deleted, id)
		}
	}
	slices.Sort(upd.Deleted)
	upd.Published = len(upd.Updated) > 0 || len(upd.Deleted) > 0 || len(upd.Restyled) > 0
	if !upd.Published {
		return prev, Update{Snapshot: prev}, true, nil
	}
	return &s, upd, true, nil
}

// editedFiles returns the articles of in.prev that in.hints name, looked at
// again, sorted by path; hints naming nothing kb lists (an editor's
// temporary file, gone again) are left out. ok is false for any other
// change: a file added, removed or turned into something else, an
// attachment, a folder.
func editedFiles(in buildInput) (_ []edited, ok bool) {
	prev := in.prev
	hints := newPathSet(in.hints)
	if hints[""] {
		return nil, false
	}
	var out []edited
	for _, p := range slices.Sorted(maps.Keys(hints)) {
		f, exists, ok := lookAgain(in.files, p)
		if !ok {
			return nil, false
		}
		_, isArticle := prev.entry(p)
		_, isFile := prev.attachments[p]
		switch {
		case isFile || exists != isArticle:
			return nil, false
		case !exists && (listedBelow(prev.listed, p) || listedBelow(prev.attached, p)):
			return nil, false // a folder removed
		case !exists:
			continue
		}
		i, found := slices.BinarySearchFunc(prev.listed, p, func(e file, p string) int { return walkCompare(e.path, p) })
		if !found {
			return nil, false
		}
		out = append(out, edited{i: i, f: f})
	}
	return out, true
}

// listedBelow reports whether list (in walk order) has a file in folder dir.
func listedBelow(list []file, dir string) bool {
	i, _ := slices.BinarySearchFunc(list, dir, func(e file, p string) int { return walkCompare(e.path, p) })
	return i < len(list) && strings.HasPrefix(list[i].path, dir+"/")
}

// renderEdits renders the edited articles whose rendering cannot be
// reused. Links resolve against prev: an edit changes no path, URL or
// attachment, so every link resolves as it would in the new snapshot.
func renderEdits(ctx context.Context, in buildInput, prev *Snapshot, edits []edited, rkey render.Options, maxSize int64, plain bool) error {
	var todo []int
	for j, e := range edits {
		if e.out == nil {
			todo = append(todo, j)
		}
	}
	changed := make([]bool, len(todo))
	err := parallel(ctx, len(todo), func(k int) {
		e := &edits[todo[k]]
		if out := in.opts.RenderCache.get(rkey, e.src, prev); out != nil {
			e.out = out
			return
		}
		body, ok := e.src.markdown(in.files, maxSize)
		if !ok {
			changed[k] = true
			return
		}
		e.out = in.opts.RenderCache.render(prev.renderer, rkey, prev, e.src, body, plain)
	})
	if err != nil {
		return err
	}
	var cerr changedError
	for k, c := range changed {
		if c {
			cerr = append(cerr, edits[todo[k]].f.path)
		}
	}
	if cerr != nil {
		return cerr
	}
	for _, e := range edits {
		e.src.drop()
	}
	return nil
}

// lookupArticle returns the article at p, nil when there is none.
func (s *Snapshot) lookupArticle(p string) *Article {
	a, _ := s.pathArticle(p)
	return a
}

// mustEntry returns the entry of an article path known to be there.
func (s *Snapshot) mustEntry(p string) entry {
	e, _ := s.entry(p)
	return e
}

// replaceKeys points the lookups at a instead of old: path and URL keys
// stay, the id, aliases and front-matter alerts follow a, but for the
// alert keys it lost to another runbook.
func (s *Snapshot) replaceKeys(old, a *Article, lost map[string]bool) {
	set(&s.top.byPath, a.Path, a)
	set(&s.top.byURL, a.URL, a)
	if v, _ := s.foldedPathArticle(strings.ToLower(a.Path)); v == old {
		set(&s.top.byFoldedPath, strings.ToLower(a.Path), a)
	}
	if v, _ := s.foldedURLArticle(strings.ToLower(a.URL)); v == old {
		set(&s.top.byFoldedURL, strings.ToLower(a.URL), a)
	}
	if v, _ := s.idArticle(old.ID); v == old {
		unset(&s.top.byID, old.ID)
	}
	set(&s.top.byID, a.ID, a)
	for _, al := range old.Aliases {
		if v, _ := s.aliasArticle(al); v == old {
			unset(&s.top.aliases, al)
		}
	}
	for _, al := range a.Aliases {
		set(&s.top.aliases, al, a)
	}
	for _, name := range old.Alerts {
		if k := AlertKey(name); k != "" {
			if v, _ := s.alertArticle(k); v == old {
				unset(&s.top.alerts, k)
			}
		}
	}
	for _, name := range a.Alerts {
		if k := AlertKey(name); k != "" && !lost[k] {
			set(&s.top.alerts, k, a)
		}
	}
}

// linkTargets returns the paths of the articles a links to, as index
// counts them for backlinks.
func (s *Snapshot) linkTargets(a *Article) []string {
	var out []string
	for _, l := range a.Doc.Links {
		if l.Target == "" || l.Broken {
			continue
		}
		if t, ok := s.find(l.Target); ok && t.Path != a.Path && !slices.Contains(out, t.Path) {
			out = append(out, t.Path)
		}
	}
	return out
}

// relink takes old out of the backlinks of what it linked to in prev and
// puts a into those of what it links to now.
func (s *Snapshot) relink(prev *Snapshot, old, a *Article) {
	for _, t := range prev.linkTargets(old) {
		l, _ := look(s.backlinks, s.top.backlinks, t)
		l = without(l, old)
		if len(l) == 0 {
			unset(&s.top.backlinks, t)
		} else {
			set(&s.top.backlinks, t, l)
		}
	}
	for _, t := range s.linkTargets(a) {
		l, _ := look(s.backlinks, s.top.backlinks, t)
		set(&s.top.backlinks, t, inserted(l, a))
	}
}

// retag moves a's tags and service from old to a.
func (s *Snapshot) retag(old, a *Article) {
	for _, t := range old.Tags {
		if l := without(s.tags[t], old); len(l) > 0 {
			s.tags[t] = l
		} else {
			delete(s.tags, t)
		}
	}
	for _, t := range a.Tags {
		s.tags[t] = inserted(s.tags[t], a)
	}
	if old.Service != "" {
		if l := without(s.services[old.Service], old); len(l) > 0 {
			s.services[old.Service] = l
		} else {
			delete(s.services, old.Service)
		}
	}
	if a.Service != "" {
		s.services[a.Service] = inserted(s.services[a.Service], a)
	}
}

// refolder puts a in old's place in its folder: the folder and those above
// it are copied, the rest of the tree is shared.
func (s *Snapshot) refolder(old, a *Article) {
	f := s.folders[a.Folder()]
	nf := &Folder{Path: f.Path, Folders: f.Folders, Articles: slices.Clone(f.Articles)}
	if i := slices.Index(nf.Articles, old); i >= 0 {
		nf.Articles[i] = a
	}
	for {
		s.folders[nf.Path] = nf
		if nf.Path == "" {
			return
		}
		parent := s.folders[parentDir(nf.Path)]
		np := &Folder{Path: parent.Path, Folders: slices.Clone(parent.Folders), Articles: parent.Articles}
		if i := slices.Index(np.Folders, f); i >= 0 {
			np.Folders[i] = nf
		}
		f, nf = parent, np
	}
}

// renameAlerts settles the runbooks' file-name and title keys (alertNames)
// after the edits: the runbook whose path sorts first keeps a key.
func (s *Snapshot) renameAlerts(prev *Snapshot, edits []edited) {
	now := map[*Article]*Article{} // old → its successor
	keys := map[string]bool{}
	for _, e := range edits {
		now[e.old] = e.a
		for _, x := range []*Article{e.old, e.a} {
			for _, k := range alertNameKeys(x) {
				keys[k] = true
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		var best *Article
		scan := false
		if owner, ok := prev.alertNameArticle(k); ok {
			switch succ, edited := now[owner]; {
			case !edited:
				best = owner
			case slices.Contains(alertNameKeys(succ), k):
				best = succ
			default:
				scan = true // the first runbook with k gave it up: the next one may be anywhere
			}
		}
		for _, e := range edits {
			if (best == nil || e.a.Path < best.Path) && slices.Contains(alertNameKeys(e.a), k) {
				best = e.a
			}
		}
		if scan {
			best = nil
			for _, a := range s.Articles {
				if slices.Contains(alertNameKeys(a), k) {
					best = a
					break
				}
			}
		}
		if best == nil {
			if _, ok := s.alertNameArticle(k); ok {
				unset(&s.top.alertNames, k)
			}
		} else if v, _ := s.alertNameArticle(k); v != best {
			set(&s.top.alertNames, k, best)
		}
	}
}

// alertNameKeys returns the keys indexAlerts gives runbook a in alertNames.
func alertNameKeys(a *Article) []string {
	if a.Type != TypeRunbook {
		return nil
	}
	var out []string
	for _, name := range []string{path.Base(strings.TrimSuffix(a.URL, "/")), a.Title} {
		if k := AlertKey(name); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// stillOrphaned returns the ids of was and released that s neither has nor
// leads to, sorted: orphans for a snapshot whose other ids are unchanged.
func (s *Snapshot) stillOrphaned(was, released []string) []string {
	var out []string
	for _, id := range slices.Concat(was, released) {
		if _, ok := s.ByID(id); !ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// without returns l without a, as a new slice.
func without(l []*Article, a *Article) []*Article {
	return slices.DeleteFunc(slices.Clone(l), func(x *Article) bool { return x == a })
}

// inserted returns l with a added in path order, as a new slice.
func inserted(l []*Article, a *Article) []*Article {
	i, _ := slices.BinarySearchFunc(l, a.Path, func(x *Article, p string) int { return strings.Compare(x.Path, p) })
	return slices.Insert(slices.Clip(l), i, a)
}

// foldAt is the number of keys in layers past which an edit folds them
// into new maps: copying the layers costs each edit their size, folding
// costs the ten maps once, so about √(60 n) keys balance the two.
func foldAt(n int) int {
	return 64 + int(math.Sqrt(float64(60*n)))
}

// digest is the articles' part of a snapshot's Version: the sum, lane by
// lane, of a SHA-256 of each article's path and content hash, so an edit
// takes the old article out and puts the new one in without hashing the
// others again.
type digest [4]uint64

func articleHash(a *Article) [32]byte {
	h := sha256.New()
	h.Write([]byte(a.Path))
	h.Write([]byte{0})
	h.Write([]byte(a.Hash))
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func (d *digest) add(a *Article) {
	h := articleHash(a)
	for i := range d {
		d[i] += binary.LittleEndian.Uint64(h[8*i:])
	}
}

func (d *digest) sub(a *Article) {
	h := articleHash(a)
	for i := range d {
		d[i] -= binary.LittleEndian.Uint64(h[8*i:])
	}
}

// version is Version made of the articles' digest and the attachments'.
func (s *Snapshot) version() string {
	h := sha256.New()
	var b [8]byte
	for _, x := range s.sum {
		binary.LittleEndian.PutUint64(b[:], x)
		h.Write(b[:])
	}
	h.Write(s.fileSum[:])
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
