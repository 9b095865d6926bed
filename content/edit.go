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

// editKind says why an article is in an edit.
type editKind int

const (
	editChanged  editKind = iota // its file changed
	editAdded                    // its file is new
	editRemoved                  // its file is gone
	editSettled                  // its file is unchanged, but the claims the edit settled give it another id, aliases or warnings
	editRelinked                 // its file is unchanged, but it links to a path that an article came to or left: rendered again
)

// edited is one article an edit replaces, adds or removes: the one
// published (old, nil when added) and its successor (a, nil when removed).
type edited struct {
	kind editKind
	path string
	i    int  // index in listed (editChanged)
	f    file // as listed now (editChanged, editAdded)
	src  *source
	out  *rendered
	old  *Article
	a    *Article
	req  *Article // the source's article before its claims are settled
	kept bool     // old is published again
}

// applyEdit brings in a change of a few articles of a folder in time
// proportional to those articles, not to the collection: it copies the
// published snapshot and changes the lookups of those articles alone
// (through layers), where build would make every article and map again.
// It applies when Watch's hints name Markdown files that changed, came or
// went, and nothing else changed (kb.yaml, git history, attachments,
// folders named as such); claims that files dispute are settled again
// among the files that claim them (settleClaims), an added or removed file
// renders again the articles that link to its path, and a file gone and
// one come with its id or content is a rename, as build finds it. ok is
// false otherwise (and for a URL that two files claim), and build does the
// whole load. TestEditsMatchFullLoad, TestIncrementalMatchesFullLoad and
// TestClaimEditsMatchFullLoad hold the two to the same outcome.
func applyEdit(ctx context.Context, in buildInput) (_ *Snapshot, _ Update, ok bool, _ error) {
	start := time.Now()
	prev := in.prev
	if prev == nil || in.full || in.opts.wholeBuilds || (in.commit != "") != (prev.Commit != "") ||
		!prev.relistable || prev.lazy != nil || in.histErr != nil || prev.renderer == nil {
		return nil, Update{}, false, nil
	}
	hints, ok := editHints(in)
	if !ok || len(hints) > maxEditFiles {
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
	edits, ok := editedFiles(in, hints)
	if !ok {
		return nil, Update{}, false, nil
	}
	maxSize := int64(site.MaxSize)
	plain := in.opts.NoHighlight
	if !plain && prev.plainLeft > 0 {
		return nil, Update{}, false, nil // build highlights them along with the edit
	}
	moved := false // a file came or went
	for j := range edits {
		e := &edits[j]
		if e.kind != editChanged {
			moved = true
		}
		if e.kind != editAdded {
			e.old = prev.lookupArticle(e.path)
			if e.old == nil || hasReserved(e.old) {
				return nil, Update{}, false, nil
			}
		}
		if e.kind == editRemoved {
			if len(prev.claims[e.path].url) > 0 {
				return nil, Update{}, false, nil // its URL was taken: the fixed warnings change
			}
			continue
		}
		src, gone := readArticle(in.files, e.f, maxSize, in.opts.RenderCache.frontMatter())
		if gone || in.strict && src.readErr != nil {
			return nil, Update{}, false, nil // build says what is wrong
		}
		e.src = src
		if e.kind == editAdded {
			continue
		}
		old := prev.mustEntry(e.path)
		if old.src.base.Hash == src.base.Hash && old.src.file.same(src.file) {
			e.src = old.src
		}
		if old.src.base.Hash == e.src.base.Hash && old.src.base.Unrendered == e.src.base.Unrendered && (plain || !old.out.doc.Unhighlighted) {
			e.out = old.out
		}
	}
	newHistory := in.hist != prev.hist
	edits = slices.DeleteFunc(edits, func(e edited) bool {
		return e.kind == editChanged && e.src == prev.mustEntry(e.path).src && (!newHistory || in.hist.last[e.path] == prev.hist.last[e.path])
	})
	if len(edits) == 0 && in.commit == prev.Commit && !newHistory {
		return prev, Update{Snapshot: prev}, true, nil
	}
	files := len(prev.listed) + len(prev.attached)
	for _, e := range edits {
		files += b2i(e.kind == editAdded) - b2i(e.kind == editRemoved)
	}
	if files > in.opts.maxFiles() {
		return nil, Update{}, false, nil // the walk says why
	}

	s := *prev
	s.files, s.Site, s.top, s.edited = in.files, site, prev.top.clone(), true
	s.Commit, s.hist = in.commit, in.hist
	s.Articles = slices.Clone(prev.Articles)
	s.folders, s.tags, s.services = maps.Clone(prev.folders), maps.Clone(prev.tags), maps.Clone(prev.services)
	for j := range edits {
		if e := &edits[j]; e.src != nil {
			e.req = e.src.instance(site, "")
		}
	}
	var renames []Rename
	var affected []string // lower-cased paths whose links resolve otherwise now
	relisted := moved || newHistory && len(in.hist.moves) > 0
	if relisted {
		if renames, affected, ok = s.movePaths(in, edits); !ok {
			return nil, Update{}, false, nil
		}
	}
	outcome := s.settleClaims(prev, edits)
	isEdit := map[string]bool{}
	for _, e := range edits {
		isEdit[e.path] = true
	}
	more := map[string]editKind{} // articles the edits change that are not edited themselves
	for p := range outcome {
		if !isEdit[p] {
			more[p] = editSettled
		}
	}
	for p := range s.linking(affected, isEdit) {
		more[p] = editRelinked
	}
	for p, kind := range more {
		en := s.mustEntry(p)
		e := edited{kind: kind, path: p, src: en.src, out: en.out, old: s.lookupArticle(p), req: en.src.instance(site, "")}
		if kind == editRelinked {
			e.out = nil
		}
		edits = append(edits, e)
	}
	slices.SortFunc(edits, func(a, b edited) int { return strings.Compare(a.path, b.path) })
	if err := renderEdits(ctx, in, &s, edits, rkey, maxSize, plain); err != nil {
		return nil, Update{}, true, err
	}

	byPathIndex := func(p string) int {
		i, _ := slices.BinarySearchFunc(s.Articles, p, func(a *Article, p string) int { return strings.Compare(a.Path, p) })
		return i
	}
	claimsCopied := false // s.claims is prev's until an outcome differs
	setClaims := func(p string, c claimWarns) {
		if c.equal(s.claims[p]) {
			return
		}
		if !claimsCopied {
			s.claims, claimsCopied = maps.Clone(s.claims), true
		}
		if c.empty() {
			delete(s.claims, p)
		} else {
			s.claims[p] = c
		}
	}
	var released []string // ids the edited articles had and have no more
	for j := range edits {
		e := &edits[j]
		if e.kind == editRemoved {
			old := e.old
			released = append(released, old.ID)
			setClaims(old.Path, claimWarns{})
			s.dropKeys(old)
			s.relink(prev, old, nil)
			s.retag(old, nil)
			s.unfolder(old)
			s.sum.sub(old)
			s.plainLeft -= b2i(old.Doc.Unhighlighted)
			continue
		}
		a := e.req
		st, settledHere := outcome[e.path]
		if !settledHere {
			st = s.current(e.old)
		}
		if e.old != nil {
			a.URL = e.old.URL // a URL goes by path, and no URL changes hands in an edit
		}
		a.ID, a.Aliases = st.id, st.aliases
		a.Warnings = slices.Concat(a.Warnings, st.warns.url, st.warns.id, st.warns.aliases)
		finish(a, e.out)
		a.Class = s.Access.Class(a.Path, a.Access)
		a.Warnings = append(a.Warnings, s.movedLinkWarnings(a)...)
		s.applyHistory(a)
		a.Warnings = append(a.Warnings, st.warns.alerts...)
		setClaims(a.Path, st.warns)
		if e.kind == editChanged || e.kind == editAdded {
			set(&s.top.entries, a.Path, entry{src: e.src, out: e.out})
			if e.kind == editChanged && !relisted {
				if s.top.listed == nil {
					s.top.listed = map[int]file{}
				}
				s.top.listed[e.i] = e.f
			}
		} else if e.kind == editRelinked {
			set(&s.top.entries, a.Path, entry{src: e.src, out: e.out})
		}
		if e.old != nil && e.out == prev.mustEntry(a.Path).out && sameArticle(e.old, a) {
			e.a, e.kept = e.old, true
			continue // its lookups stay; the entry above still records the file as listed now
		}
		e.a = a
		if e.old == nil {
			s.addKeys(a, st.lost)
			s.relink(prev, nil, a)
			s.retag(nil, a)
			s.enfolder(a)
			s.sum.add(a)
			s.plainLeft += b2i(a.Doc.Unhighlighted)
			continue
		}
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
	if moved || slices.ContainsFunc(edits, func(e edited) bool { return e.a != nil && e.old != nil && e.a.Class != e.old.Class }) {
		s.classes = s.readClasses()
	}
	led := released // ids that may lead nowhere now
	if moved {      // an old id that led to a removed article, say
		led = slices.Clone(released)
		for id := range prev.moves.ids {
			if _, ok := prev.ByID(id); ok {
				led = append(led, id)
			}
		}
	}
	s.orphaned = s.stillOrphaned(prev.orphaned, led)
	s.Version = s.version()
	for i := range renames {
		if a, ok := s.pathArticle(renames[i].Path); ok {
			renames[i].ID = a.ID
		}
	}
	if s.top.size() > foldAt(len(s.Articles)) {
		s = *s.flat()
	}
	s.LoadTime = time.Since(start)

	upd := Update{Snapshot: &s, Renamed: renames}
	for _, e := range edits {
		switch {
		case e.kept || e.a == nil:
		case e.old != nil && restyled(e.old, e.a):
			upd.Restyled = append(upd.Restyled, e.a)
		default:
			upd.Updated = append(upd.Updated, e.a)
		}
	}
	for _, id := range released {
		if _, ok := s.idArticle(id); !ok && !slices.Contains(upd.Deleted, id) {
			upd.Deleted = append(upd.Deleted, id)
		}
	}
	slices.Sort(upd.Deleted)
	upd.Published = len(upd.Updated) > 0 || len(upd.Deleted) > 0 || len(upd.Restyled) > 0 || len(renames) > 0 ||
		s.Commit != prev.Commit || relisted
	if !upd.Published {
		return prev, Update{Snapshot: prev}, true, nil
	}
	return &s, upd, true, nil
}

// editHints returns the paths an edit looks at again: Watch's hints for
// a folder; for a commit that follows the one served, the paths git
// diff lists between the two and those whose last commit the history
// read since then changed. ok is false when they are not known: a folder
// load without hints, a rewritten ref, history not extended from the
// snapshot's.
func editHints(in buildInput) ([]string, bool) {
	prev := in.prev
	if in.commit == "" {
		return in.hints, len(in.hints) > 0 && in.renames == nil && in.hist == prev.hist
	}
	if in.renames == nil || in.hist == nil || prev.hist == nil || in.hist != prev.hist && in.hist.baseHead != prev.hist.head {
		return nil, false
	}
	var out []string
	for _, c := range in.renames {
		out = append(out, c.Path)
		if c.OldPath != "" {
			out = append(out, c.OldPath)
		}
	}
	if in.hist != prev.hist {
		out = append(out, in.hist.touched...)
	}
	slices.Sort(out)
	return slices.Compact(out), true
}

// editedFiles returns the Markdown files that paths name and that
// changed, came or went since in.prev, looked at again, sorted by path;
// hints naming nothing kb lists (an editor's temporary file, gone again)
// are left out. ok is false for any other change: an attachment, a
// folder, a file turned into something else.
func editedFiles(in buildInput, paths []string) (_ []edited, ok bool) {
	prev := in.prev
	hints := newPathSet(paths)
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
		case isFile:
			return nil, false
		case !exists && !isArticle && (listedBelow(prev.listed, p) || listedBelow(prev.attached, p)):
			return nil, false // a folder removed
		case !exists && !isArticle:
			continue
		case !exists:
			out = append(out, edited{kind: editRemoved, path: p})
		case !isArticle:
			if !strings.EqualFold(path.Ext(p), ".md") {
				return nil, false // an attachment came
			}
			out = append(out, edited{kind: editAdded, path: p, f: f})
		default:
			i, found := slices.BinarySearchFunc(prev.listed, p, func(e file, p string) int { return walkCompare(e.path, p) })
			if !found {
				return nil, false
			}
			out = append(out, edited{kind: editChanged, path: p, i: i, f: f})
		}
	}
	return out, true
}

// listedBelow reports whether list (in walk order) has a file in folder dir.
func listedBelow(list []file, dir string) bool {
	i, _ := slices.BinarySearchFunc(list, dir, func(e file, p string) int { return walkCompare(e.path, p) })
	return i < len(list) && strings.HasPrefix(list[i].path, dir+"/")
}

// renderEdits renders the edited articles whose rendering cannot be
// reused. Links resolve against s, whose paths, URLs and moves are
// already the new ones.
func renderEdits(ctx context.Context, in buildInput, s *Snapshot, edits []edited, rkey render.Options, maxSize int64, plain bool) error {
	var todo []int
	for j, e := range edits {
		if e.out == nil && e.src != nil {
			todo = append(todo, j)
		}
	}
	changed := make([]bool, len(todo))
	err := parallel(ctx, len(todo), func(k int) {
		e := &edits[todo[k]]
		if out := in.opts.RenderCache.get(rkey, e.src, s); out != nil {
			e.out = out
			return
		}
		body, ok := e.src.markdown(in.files, maxSize)
		if !ok {
			changed[k] = true
			return
		}
		e.out = in.opts.RenderCache.render(s.renderer, rkey, s, e.src, body, plain)
	})
	if err != nil {
		return err
	}
	var cerr changedError
	for k, c := range changed {
		if c {
			cerr = append(cerr, edits[todo[k]].path)
		}
	}
	if cerr != nil {
		return cerr
	}
	for _, e := range edits {
		if e.src != nil {
			e.src.drop()
		}
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
	s.dropKeys(old)
	s.addKeys(a, lost)
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
// puts a into those of what it links to now; either may be nil (an
// article added or removed).
func (s *Snapshot) relink(prev *Snapshot, old, a *Article) {
	if old != nil {
		s.unlink(prev, old)
	}
	if a == nil {
		return
	}
	for _, t := range s.linkTargets(a) {
		l, _ := look(s.backlinks, s.top.backlinks, t)
		set(&s.top.backlinks, t, inserted(l, a))
	}
}

// unlink takes old out of the backlinks of what it linked to in prev.
func (s *Snapshot) unlink(prev *Snapshot, old *Article) {
	for _, t := range prev.linkTargets(old) {
		l, _ := look(s.backlinks, s.top.backlinks, t)
		l = without(l, old)
		if len(l) == 0 {
			unset(&s.top.backlinks, t)
		} else {
			set(&s.top.backlinks, t, l)
		}
	}
}

// retag moves a's tags and service from old to a.
func (s *Snapshot) retag(old, a *Article) {
	if old != nil {
		s.untag(old)
	}
	if a == nil {
		return
	}
	for _, t := range a.Tags {
		s.tags[t] = inserted(s.tags[t], a)
	}
	if a.Service != "" {
		s.services[a.Service] = inserted(s.services[a.Service], a)
	}
}

// untag takes old out of its tags and service.
func (s *Snapshot) untag(old *Article) {
	for _, t := range old.Tags {
		if l := without(s.tags[t], old); len(l) > 0 {
			s.tags[t] = l
		} else {
			delete(s.tags, t)
		}
	}
	if old.Service != "" {
		if l := without(s.services[old.Service], old); len(l) > 0 {
			s.services[old.Service] = l
		} else {
			delete(s.services, old.Service)
		}
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
	s.putFolder(nf.Path, nf)
}

// enfolder puts the added article a into its folder, made when new.
func (s *Snapshot) enfolder(a *Article) {
	nf := &Folder{Path: a.Folder()}
	if f := s.folders[nf.Path]; f != nil {
		nf.Folders, nf.Articles = f.Folders, f.Articles
	}
	nf.Articles = inserted(nf.Articles, a)
	s.putFolder(nf.Path, nf)
}

// unfolder takes the removed article old out of its folder, and the
// folder out of the tree once nothing is left in it.
func (s *Snapshot) unfolder(old *Article) {
	f := s.folders[old.Folder()]
	nf := &Folder{Path: f.Path, Folders: f.Folders, Articles: without(f.Articles, old)}
	if len(nf.Articles) == 0 && len(nf.Folders) == 0 && nf.Path != "" {
		nf = nil
	}
	s.putFolder(f.Path, nf)
}

// putFolder stores nf at dir (nil: no folder there any more) and copies
// the folders above it to hold it. Subfolders are in the order index
// makes them, that of the first article below each in path order, which
// is that of their paths with a slash appended.
func (s *Snapshot) putFolder(dir string, nf *Folder) {
	for {
		if nf == nil {
			delete(s.folders, dir)
		} else {
			s.folders[dir] = nf
		}
		if dir == "" {
			return
		}
		pdir := parentDir(dir)
		np := &Folder{Path: pdir}
		if p := s.folders[pdir]; p != nil {
			np.Folders, np.Articles = slices.Clone(p.Folders), p.Articles
		}
		i := slices.IndexFunc(np.Folders, func(f *Folder) bool { return f.Path == dir })
		switch {
		case i >= 0 && nf == nil:
			np.Folders = slices.Delete(np.Folders, i, i+1)
		case i >= 0:
			np.Folders[i] = nf
		case nf != nil:
			j, _ := slices.BinarySearchFunc(np.Folders, dir+"/", func(f *Folder, d string) int { return strings.Compare(f.Path+"/", d) })
			np.Folders = slices.Insert(np.Folders, j, nf)
		}
		nf = np
		if len(np.Folders) == 0 && len(np.Articles) == 0 && pdir != "" {
			nf = nil
		}
		dir = pdir
	}
}

// renameAlerts settles the runbooks' file-name and title keys (alertNames)
// after the edits: the runbook whose path sorts first keeps a key.
func (s *Snapshot) renameAlerts(prev *Snapshot, edits []edited) {
	now := map[*Article]*Article{} // old → its successor
	keys := map[string]bool{}
	for _, e := range edits {
		if e.old != nil {
			now[e.old] = e.a
		}
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
			if e.a != nil && (best == nil || e.a.Path < best.Path) && slices.Contains(alertNameKeys(e.a), k) {
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
	if a == nil || a.Type != TypeRunbook {
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
