package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"kb/render"
)

// Update says what a load changed, so the search index can follow it
// (search.Index.Update with Updated, Delete with Deleted).
type Update struct {
	Snapshot  *Snapshot  // the published snapshot: the new one, or the current one when nothing changed
	Published bool       // a new snapshot was published
	Updated   []*Article // new and changed articles, by path; the unchanged ones are the very *Article of the last snapshot
	Restyled  []*Article // articles whose HTML alone changed (code highlighted after a deferred load): the search index need not see them
	Deleted   []string   // ids the last snapshot had and this one has not
	Renamed   []Rename   // files moved in this load
}

// Rename is an article whose file moved. Its old path and URL redirect to the
// new ones, and OldID (when it differs) still finds it.
type Rename struct {
	OldPath, Path string
	OldID, ID     string
}

// buildInput is what one load starts from.
type buildInput struct {
	files   fs.FS
	opts    Options
	prev    *Snapshot // the published snapshot, or nil for the first load
	full    bool      // read every file again, even the ones whose listing is unchanged
	hints   []string  // paths (files or folders) to read again whatever their listing says
	renames []Change  // renames git found between prev's commit and this one
	commit  string    // the commit files come from; "" for a folder
	hist    *history  // git metadata of the content; nil without git
	histErr error     // why hist is missing or old, shown as a warning
	strict  bool      // a file that cannot be read fails the load (files from git)

	progress *loadProgress // counted for /readyz during a full load; nil: not counted
	// early, when set, receives the early snapshot of a first load (prev
	// nil) before its articles are rendered (see earlySnapshot)
	early func(*Snapshot)
}

// build reads, parses and renders what changed since in.prev and returns a
// new complete snapshot (not yet published) with what changed. Files whose
// listing is unchanged reuse their parse; articles whose source, and the
// files their links point at, are unchanged reuse their rendering, and
// articles equal in every field are the very *Article of in.prev.
func build(ctx context.Context, in buildInput) (*Snapshot, Update, error) {
	if s, upd, ok, err := applyEdit(ctx, in); ok {
		return s, upd, err
	}
	in.prev = in.prev.flat() // the steps below read its maps directly
	start := time.Now()
	prev := in.prev
	site, warns := loadSite(in.files)
	if in.opts.MaxSize > 0 {
		site.MaxSize = ByteSize(in.opts.MaxSize)
	}
	if in.histErr != nil {
		warns = append(warns, Warning{Path: ".git", Kind: WarnHistory, Message: fmt.Sprintf("git history not read, so last commits and old paths may be missing: %v", in.histErr)})
	}
	files, attached, ok := relist(in)
	var walkWarns []Warning
	if !ok {
		var err error
		if files, attached, walkWarns, err = walk(ctx, in.files, in.opts.maxFiles()); err != nil {
			return nil, Update{}, err
		}
	}
	warns = append(warns, walkWarns...)
	in.progress.listed(len(files))
	maxSize := int64(site.MaxSize)
	rkey := render.Options{UnsafeHTML: site.UnsafeHTML, MaxSize: int(site.MaxSize), IDPrefix: in.opts.IDPrefix, Budget: in.opts.RenderBudget}

	srcs, err := readSources(ctx, in, files, maxSize)
	if err != nil {
		return nil, Update{}, err
	}
	articles := make([]*Article, 0, len(srcs))
	sameGlobs := prev != nil && slices.Equal(prev.Site.Runbooks, site.Runbooks)
	for _, src := range srcs {
		var known Type // the same file under the same runbooks: globs keeps its type
		if sameGlobs && prev.entries[src.base.Path].src == src {
			if p := prev.byPath[src.base.Path]; p != nil {
				known = p.Type
			}
		}
		articles = append(articles, src.instance(site, known))
	}

	s := newSnapshot(site, in.files, attached)
	s.Commit, s.hist, s.rkey = in.commit, in.hist, rkey
	s.listed, s.relistable = files, len(walkWarns) == 0
	s.siteKey = fmt.Sprintf("%+v", site)
	s.Access = site.Policy()
	assigned, urlWarns := s.assign(articles)
	s.fixedWarns = len(warns) + urlWarns
	warns = append(warns, assigned...)
	renames := s.settleMoves(in, srcs)

	reuse := prev != nil && prev.rkey == rkey
	if reuse {
		s.renderer = prev.renderer // its cache of highlighted code stays warm
	} else {
		s.renderer = render.New(rkey)
	}
	plain := in.opts.NoHighlight || in.opts.DeferHighlight && prev == nil
	var lazy *lazyRenders // the early snapshot's renders, which the load takes over
	if prev == nil && in.early != nil {
		e := s.earlySnapshot(articles, srcs, warns, plain, in.opts.RenderCache)
		lazy = e.lazy
		in.early(e)
	}
	affected := affectedPaths(prev, s)
	outs := make([]*rendered, len(articles))
	var toRender []int
	for i, a := range articles {
		if reuse {
			src := srcs[a.Path]
			if e, ok := prev.entries[a.Path]; ok && e.src.base.Hash == src.base.Hash && e.src.base.Unrendered == src.base.Unrendered && !linksAffected(e.out, affected) &&
				(plain || !e.out.doc.Unhighlighted) {
				outs[i] = e.out
				continue
			}
		}
		toRender = append(toRender, i)
	}
	changed := make([]bool, len(toRender))
	in.progress.settled(len(articles) - len(toRender))
	err = parallel(ctx, len(toRender), func(j int) {
		defer in.progress.settled(1)
		i := toRender[j]
		src := srcs[articles[i].Path]
		if out := lazy.finished(src.base.Path); out != nil {
			outs[i] = out
			return
		}
		if out := in.opts.RenderCache.get(rkey, src, s); out != nil {
			outs[i] = out
			return
		}
		body, ok := src.markdown(in.files, maxSize)
		if !ok {
			changed[j] = true
			return
		}
		outs[i] = in.opts.RenderCache.render(s.renderer, rkey, s, src, body, plain)
	})
	if err != nil {
		return nil, Update{}, err
	}
	var cerr changedError
	for j, c := range changed {
		if c {
			cerr = append(cerr, articles[toRender[j]].Path)
		}
	}
	if cerr != nil {
		return nil, Update{}, cerr
	}
	for _, src := range srcs {
		src.drop()
	}
	s.entries = make(map[string]entry, len(articles))
	for i, a := range articles {
		src := srcs[a.Path]
		finish(a, outs[i])
		a.Class = s.Access.Class(a.Path, a.Access)
		a.Warnings = append(a.Warnings, s.movedLinkWarnings(a)...)
		s.applyHistory(a)
		s.entries[a.Path] = entry{src: src, out: outs[i]}
	}
	s.Warnings = warns
	s.indexAlerts(articles) // adds warnings, so before the articles are compared

	kept := map[*Article]bool{}
	swap := map[*Article]*Article{} // built article → the equal one of prev, published instead
	if prev != nil {
		for i, a := range articles {
			if p, ok := prev.byPath[a.Path]; ok && outs[i] == prev.entries[a.Path].out && sameArticle(p, a) {
				swap[a], articles[i], kept[p] = p, p, true
			}
		}
		for _, m := range []map[string]*Article{s.alerts, s.alertNames} {
			for k, a := range m {
				if p, ok := swap[a]; ok {
					m[k] = p
				}
			}
		}
	}
	if prev != nil {
		// assign's maps already hold every id, URL and alias of these
		// articles; only the values of the articles published again change.
		// Rebuilding them was a fifth of a one-file edit's CPU at 10,000.
		s.Articles = articles
		s.swapValues(swap)
		s.mapMoves()
	} else {
		s.mapArticles(articles)
	}
	s.index(articles)
	s.classes = s.readClasses()
	s.orphaned = orphans(prev, s)
	s.LoadTime = time.Since(start)

	upd := Update{Snapshot: s, Renamed: renames}
	for _, a := range articles {
		switch p := prev.lookupPath(a.Path); {
		case kept[a]:
		case p != nil && restyled(p, a):
			upd.Restyled = append(upd.Restyled, a)
		default:
			upd.Updated = append(upd.Updated, a)
		}
	}
	if prev != nil {
		for id := range prev.byID {
			if _, ok := s.byID[id]; !ok {
				upd.Deleted = append(upd.Deleted, id)
			}
		}
		slices.Sort(upd.Deleted)
	}
	upd.Published = prev == nil || len(upd.Updated) > 0 || len(upd.Deleted) > 0 || len(upd.Restyled) > 0 ||
		s.Version != prev.Version || s.Commit != prev.Commit || s.siteKey != prev.siteKey ||
		!slices.Equal(s.Warnings, prev.Warnings) || !slices.Equal(s.orphaned, prev.orphaned) ||
		len(s.movedURLs) != len(prev.movedURLs)
	return s, upd, nil
}

// changedError lists files that changed between their listing and their
// rendering: a load that meets it starts again, reading them.
type changedError []string

func (e changedError) Error() string {
	return fmt.Sprintf("files changed while loading: %s", strings.Join(e, ", "))
}

// maxBuildTries bounds the loads started again because files kept changing.
const maxBuildTries = 3

// readSources parses the files whose listing changed (or all, for a full
// load) and reuses the rest from in.prev. Files that vanished since they
// were listed are left out. It returns the sources by path.
func readSources(ctx context.Context, in buildInput, files []file, maxSize int64) (map[string]*source, error) {
	prev := in.prev
	hints := newPathSet(in.hints)
	srcs := make([]*source, len(files))
	var toRead []int
	for i, f := range files {
		if prev != nil && !in.full && int64(prev.Site.MaxSize) == maxSize && !hints.has(f.path) {
			if e, ok := prev.entries[f.path]; ok && e.src.file.same(f) {
				srcs[i] = e.src
				continue
			}
		}
		toRead = append(toRead, i)
	}
	gone := make([]bool, len(files))
	err := parallel(ctx, len(toRead), func(j int) {
		i := toRead[j]
		srcs[i], gone[i] = readArticle(in.files, files[i], maxSize, in.opts.RenderCache.frontMatter())
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*source, len(files))
	for i, src := range srcs {
		if gone[i] {
			continue
		}
		if in.strict && src.readErr != nil && !errors.Is(src.readErr, errSymlink) {
			return nil, fmt.Errorf("read %s: %w", src.file.path, src.readErr)
		}
		if prev != nil { // the same bytes read again: keep the parse, and its rendering with it
			if e, ok := prev.entries[src.file.path]; ok && e.src != src && e.src.base.Hash == src.base.Hash && e.src.file.same(src.file) {
				src = e.src
			}
		}
		out[src.file.path] = src
	}
	return out, nil
}

// pathSet holds root-relative paths of files or folders.
type pathSet map[string]bool

func newPathSet(paths []string) pathSet {
	s := pathSet{}
	for _, p := range paths {
		p = strings.Trim(path.Clean("/"+p), "/")
		s[p] = true
	}
	return s
}

// has reports whether p or a folder above it is in the set ("" stands for the root).
func (s pathSet) has(p string) bool {
	if len(s) == 0 {
		return false
	}
	if s[""] {
		return true
	}
	for {
		if s[p] {
			return true
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}

// settleMoves records the renames of this load in s.moves: from git history
// (new since in.prev), from git diff, and, for a folder, an article whose
// front-matter id or exact content showed up at a new path while its old
// path went away. It returns the renames of this load.
func (s *Snapshot) settleMoves(in buildInput, srcs map[string]*source) []Rename {
	prev := in.prev
	if prev != nil {
		s.moves = prev.moves
	}
	var moves []Change
	ids := map[string]string{}
	if in.hist != nil && (prev == nil || prev.hist != in.hist) {
		for _, m := range in.hist.moves {
			moves = append(moves, m)
			ids[DeriveID(m.OldPath)] = m.OldPath
		}
	}
	var renames []Rename
	add := func(old, now string) {
		r := Rename{OldPath: old, Path: now}
		if a, ok := prev.byPath[old]; ok {
			r.OldID = a.ID
			ids[a.ID] = old
		}
		if a, ok := s.byPath[now]; ok {
			r.ID = a.ID
		}
		renames = append(renames, r)
		moves = append(moves, Change{Op: ChangeRenamed, OldPath: old, Path: now})
	}
	switch {
	case prev == nil:
	case in.renames != nil:
		for _, c := range in.renames {
			if c.Op == ChangeRenamed && s.byPath[c.Path] != nil && prev.byPath[c.OldPath] != nil {
				add(c.OldPath, c.Path)
			}
		}
	case in.commit == "":
		gone := map[string]*source{}
		for p, e := range prev.entries {
			if _, ok := srcs[p]; !ok {
				gone[p] = e.src
			}
		}
		var came []string
		for _, p := range slices.Sorted(maps.Keys(srcs)) {
			if _, existed := prev.entries[p]; !existed {
				came = append(came, p)
			}
		}
		for _, r := range folderRenames(gone, came, srcs) {
			add(r[0], r[1])
		}
	}
	s.moves = s.moves.with(moves, ids)
	return renames
}

// affectedPaths returns the paths, lower-cased, whose link resolution may
// differ between prev and s: articles added, removed or moved to another
// URL, attachments added or removed, and old paths of renamed files that now
// lead elsewhere. An article linking to one of them is rendered again.
func affectedPaths(prev, s *Snapshot) map[string]bool {
	out := map[string]bool{}
	if prev == nil {
		return out
	}
	add := func(p string) { out[strings.ToLower(p)] = true }
	for p, a := range prev.byPath {
		if b, ok := s.byPath[p]; !ok || b.URL != a.URL {
			add(p)
		}
	}
	for p := range s.byPath {
		if _, ok := prev.byPath[p]; !ok {
			add(p)
		}
	}
	for p := range prev.attachments {
		if _, ok := s.attachments[p]; !ok {
			add(p)
		}
	}
	for p := range s.attachments {
		if _, ok := prev.attachments[p]; !ok {
			add(p)
		}
	}
	movesChanged(prev, s, add)
	return out
}

// movesChanged calls add with each old path whose redirect differs between
// prev and s.
func movesChanged(prev, s *Snapshot, add func(string)) {
	movedURL := func(snap *Snapshot, p string) string {
		if a, ok := snap.moved(p); ok {
			return a.URL
		}
		return ""
	}
	for _, m := range []*moveSet{prev.moves, s.moves} {
		for p := range m.to {
			if movedURL(prev, p) != movedURL(s, p) {
				add(p)
			}
		}
		if prev.moves == s.moves {
			break
		}
	}
}

// linksAffected reports whether out links to one of the affected paths.
func linksAffected(out *rendered, affected map[string]bool) bool {
	if len(affected) == 0 {
		return false
	}
	for _, l := range out.doc.Links {
		if l.Target != "" && affected[strings.ToLower(l.Target)] {
			return true
		}
	}
	return false
}

// movedLinkWarnings warns about links of a to the old path of a renamed file:
// they still work, and kb check asks to update them.
func (s *Snapshot) movedLinkWarnings(a *Article) []Warning {
	var out []Warning
	for _, l := range a.Doc.Links {
		if l.Kind != render.LinkArticle || l.Target == "" || l.Broken {
			continue
		}
		if _, ok := s.pathArticle(l.Target); ok {
			continue
		}
		if _, ok := s.foldedPathArticle(strings.ToLower(l.Target)); ok {
			continue
		}
		if to, ok := s.moved(l.Target); ok {
			out = append(out, Warning{Path: a.Path, Line: a.FileLine(l.Line), Kind: WarnMovedLink, Message: fmt.Sprintf("links to old path %s; update to %s", l.Target, to.Path)})
		}
	}
	return out
}

// applyHistory gives a its last commit from git, when known.
func (s *Snapshot) applyHistory(a *Article) {
	if s.hist == nil {
		return
	}
	c, ok := s.hist.last[a.Path]
	if !ok {
		return
	}
	a.LastCommit, a.UpdatedBy, a.UpdateSubject = c, c.Author, c.Subject
	a.Updated = c.Date
}

// sameArticle reports whether b, built from the same source and rendering
// as a, came out the same; then a is published again instead of b.
func sameArticle(a, b *Article) bool {
	return a.ID == b.ID && a.URL == b.URL && a.Title == b.Title && a.Hash == b.Hash &&
		a.Size == b.Size && a.Unrendered == b.Unrendered && a.Updated.Equal(b.Updated) &&
		a.UpdatedBy == b.UpdatedBy && a.UpdateSubject == b.UpdateSubject &&
		commitHash(a.LastCommit) == commitHash(b.LastCommit) &&
		slices.Equal(a.Aliases, b.Aliases) && slices.Equal(a.Warnings, b.Warnings) && a.Class == b.Class
}

// restyled reports whether b, built from the same source as a, differs from
// it in its HTML alone: its code highlighted now, say. Nothing the search
// index holds has changed.
func restyled(a, b *Article) bool {
	return sameArticle(a, b) && a.Doc.Title == b.Doc.Title && a.TextDigest() == b.TextDigest() &&
		slices.Equal(a.Doc.Headings, b.Doc.Headings) && slices.Equal(a.Doc.Links, b.Doc.Links) &&
		slices.Equal(a.Doc.Warnings, b.Doc.Warnings)
}

// lookupPath returns the article at p, nil when s is nil or has none.
func (s *Snapshot) lookupPath(p string) *Article {
	if s == nil {
		return nil
	}
	return s.byPath[p]
}

func commitHash(c *Commit) string {
	if c == nil {
		return ""
	}
	return c.Hash
}

// orphans returns the ids that prev had or led to (through a rename), and
// the orphans it knew, that s neither has nor leads to.
func orphans(prev, s *Snapshot) []string {
	if prev == nil {
		return nil
	}
	var out []string
	check := func(id string) {
		if _, ok := s.ByID(id); !ok {
			out = append(out, id)
		}
	}
	for id := range prev.byID {
		check(id)
	}
	for id := range prev.moves.ids { // old ids that led to an article
		if _, ok := prev.ByID(id); ok {
			check(id)
		}
	}
	for _, id := range prev.orphaned {
		check(id)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
