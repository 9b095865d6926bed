package content

import (
	"cmp"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	"kb/access"
	"kb/render"
	"kb/word"
)

// ErrNotFound is returned for a path, id or file that the snapshot does not hold.
var ErrNotFound = errors.New("not found")

// Snapshot is one complete, immutable load of the content folder: articles,
// rendered bodies, attachments and the link graph. A request uses one
// snapshot from start to end; a reload builds a new one.
type Snapshot struct {
	Site     Site
	Articles []*Article // sorted by Path
	Warnings []Warning  // problems that belong to no single article (kb.yaml, duplicates, unreadable folders)
	Version  string     // digest of every path and file content
	Commit   string     // the git commit the content was read from; "" for a folder
	LoadTime time.Duration
	Access   access.Policy // the read rules of kb.yaml, parsed once

	files        fs.FS
	classes      []access.Class   // distinct read classes of articles and attachments, sorted
	attachments  map[string]int64 // root-relative path → size
	byPath       map[string]*Article
	byFoldedPath map[string]*Article // lower-cased path → article, for links written on case-insensitive systems
	byID         map[string]*Article
	byURL        map[string]*Article
	byFoldedURL  map[string]*Article // lower-cased URL → article, for links that lost their case
	aliases      map[string]*Article
	tags         map[string][]*Article
	services     map[string][]*Article
	backlinks    map[string][]*Article // target path → articles linking to it
	folders      map[string]*Folder
	alerts       map[string]*Article // folded alert name → runbook claiming it in front matter
	alertNames   map[string]*Article // folded file name or title of a runbook → runbook

	moves     *moveSet            // renamed files and vanished ids, for old paths, URLs and ids
	movedURLs map[string]*Article // URL of an old path → the article it became
	orphaned  []string            // ids that vanished without a rename, sorted

	// What the next incremental load reuses.
	entries  map[string]entry // article path → its source and render outcome
	attached []file           // attachments as listed
	listed   []file           // Markdown files as listed, in walk order
	// relistable: the next load may take listed and attached, with the
	// changed paths looked at again, for a walk (relist)
	relistable bool
	top        layers                // keys changed by edits on top of the maps above (layer.go)
	sum        digest                // the articles' part of Version, kept for an edit to update
	fileSum    [32]byte              // the attachments' part of Version
	claims     map[string]claimWarns // article path → the claims it lost (claims.go); shared, copied by an edit that changes it
	fixedWarns int                   // Warnings that no edit changes: kb.yaml's, the listing's, assign's URL pass
	clashes    map[string]bool       // lower-cased paths and URLs that two articles or more have had: removing one looks for the next
	linkers    *linkIndex            // who links to what in entries, made at the first edit that needs it
	plainLeft  int                   // articles whose code is not highlighted yet: the next load highlights them all
	edited     bool                  // made by applyEdit from its predecessor, not by a whole build
	hist       *history              // git metadata, nil without git
	renderer   *render.Renderer      // kept while the render options stay the same
	rkey       render.Options        // options of renderer
	siteKey    string                // kb.yaml as parsed, to notice a change

	lazy *lazyRenders // renders on request in an early snapshot; nil in a complete one
}

// entry is one article's source and render outcome in a snapshot.
type entry struct {
	src *source
	out *rendered
}

func newSnapshot(site Site, files fs.FS, attached []file) *Snapshot {
	attachments := make(map[string]int64, len(attached))
	for _, f := range attached {
		attachments[f.path] = f.size
	}
	return &Snapshot{Site: site, files: files, attachments: attachments, attached: attached, moves: newMoveSet()}
}

// assign settles ids, URLs and aliases before rendering (links are resolved
// against them). Where two files claim the same one, the file whose path sorts
// first keeps it, so the outcome never depends on load order. It returns
// its warnings and how many of them its first pass (URLs) wrote.
func (s *Snapshot) assign(articles []*Article) ([]Warning, int) {
	slices.SortFunc(articles, func(a, b *Article) int { return strings.Compare(a.Path, b.Path) })
	s.Articles = articles
	s.byPath = make(map[string]*Article, len(articles))
	s.byFoldedPath = make(map[string]*Article, len(articles))
	s.byID = make(map[string]*Article, len(articles))
	s.byURL = make(map[string]*Article, len(articles))
	s.byFoldedURL = make(map[string]*Article, len(articles))
	s.aliases = map[string]*Article{}
	s.claims, s.clashes = map[string]claimWarns{}, map[string]bool{}
	var warns []Warning
	warn := func(a *Article, w Warning, step func(*claimWarns) *[]Warning) {
		a.Warnings = append(a.Warnings, w)
		warns = append(warns, w)
		s.noteClaim(w, step)
	}
	for _, a := range articles {
		s.byPath[a.Path] = a
		if _, taken := s.byFoldedPath[strings.ToLower(a.Path)]; !taken {
			s.byFoldedPath[strings.ToLower(a.Path)] = a
		} else {
			s.clashes[strings.ToLower(a.Path)] = true
		}
		if other, dup := s.byURL[a.URL]; dup {
			alt := "/" + strings.TrimSuffix(a.Path, path.Ext(a.Path))
			warn(a, urlTakenWarning(a, a.URL, other.Path, alt), urlStep)
			a.URL = alt
		}
		s.byURL[a.URL] = a
		if IsReserved(a.URL) {
			warn(a, reservedWarning(a), urlStep)
		}
	}
	urlWarns := len(warns)
	for _, a := range articles {
		if other, dup := s.byID[a.ID]; dup {
			alt := altID(a.Path, a.ID, func(x string) bool { return s.byID[x] != nil })
			warn(a, idTakenWarning(a, a.ID, other.Path, alt), idStep)
			a.ID = alt
		}
		s.byID[a.ID] = a
		if _, taken := s.byFoldedURL[strings.ToLower(a.URL)]; !taken {
			s.byFoldedURL[strings.ToLower(a.URL)] = a
		} else {
			s.clashes[strings.ToLower(a.URL)] = true
		}
	}
	for _, a := range articles {
		kept := a.Aliases[:0]
		for _, al := range a.Aliases {
			if owner, ok := s.byURL[al]; ok {
				warn(a, aliasIsURLWarning(a, al, owner.Path), aliasStep)
				continue
			}
			if other, dup := s.aliases[al]; dup {
				if other != a {
					warn(a, aliasTakenWarning(a, al, other.Path), aliasStep)
				}
				continue
			}
			s.aliases[al] = a
			kept = append(kept, al)
		}
		a.Aliases = kept
	}
	return warns, urlWarns
}

// mapArticles points the lookups at the articles that are published, which
// assign settled (ids, URLs and aliases) on the same or equal articles.
func (s *Snapshot) mapArticles(articles []*Article) {
	s.Articles = articles
	s.byPath = make(map[string]*Article, len(articles))
	s.byFoldedPath = make(map[string]*Article, len(articles))
	s.byID = make(map[string]*Article, len(articles))
	s.byURL = make(map[string]*Article, len(articles))
	s.byFoldedURL = make(map[string]*Article, len(articles))
	s.aliases = map[string]*Article{}
	for _, a := range articles {
		s.byPath[a.Path] = a
		s.byURL[a.URL] = a
		s.byID[a.ID] = a
		if _, taken := s.byFoldedPath[strings.ToLower(a.Path)]; !taken {
			s.byFoldedPath[strings.ToLower(a.Path)] = a
		}
		if _, taken := s.byFoldedURL[strings.ToLower(a.URL)]; !taken {
			s.byFoldedURL[strings.ToLower(a.URL)] = a
		}
		for _, al := range a.Aliases {
			s.aliases[al] = a
		}
	}
	s.mapMoves()
}

// swapValues points assign's lookups at the articles of prev published
// again instead of the equal ones built (swap: built → published). An
// article of swap has the same id, URL and aliases as the one it replaces
// (sameArticle), so the keys stay as assign settled them and the maps end
// as mapArticles would make them.
func (s *Snapshot) swapValues(swap map[*Article]*Article) {
	if len(swap) == 0 {
		return
	}
	for _, m := range []map[string]*Article{s.byPath, s.byFoldedPath, s.byID, s.byURL, s.byFoldedURL, s.aliases} {
		for k, a := range m {
			if p, ok := swap[a]; ok {
				m[k] = p
			}
		}
	}
}

// mapMoves gives the URL of every old path of a renamed file to the article
// it became, unless an article or an alias has that URL now.
func (s *Snapshot) mapMoves() {
	s.movedURLs = map[string]*Article{}
	old := slices.Sorted(maps.Keys(s.moves.to))
	for _, p := range old {
		a, ok := s.pathArticle(s.moves.to[p])
		if !ok {
			continue
		}
		u := URLFor(p)
		if _, taken := s.urlArticle(u); taken {
			continue
		}
		if _, taken := s.aliasArticle(u); taken {
			continue
		}
		if _, taken := s.movedURLs[u]; !taken {
			s.movedURLs[u] = a
		}
	}
}

// index builds the listings and the link graph once every article is rendered.
func (s *Snapshot) index(articles []*Article) {
	s.tags = map[string][]*Article{}
	s.services = map[string][]*Article{}
	s.backlinks = map[string][]*Article{}
	s.folders = map[string]*Folder{"": {Path: ""}}
	s.sum, s.plainLeft, s.linkers = digest{}, 0, &linkIndex{}
	for _, a := range articles {
		s.sum.add(a)
		if a.Doc.Unhighlighted {
			s.plainLeft++
		}
		for _, t := range a.Tags {
			s.tags[t] = append(s.tags[t], a)
		}
		if a.Service != "" {
			s.services[a.Service] = append(s.services[a.Service], a)
		}
		seen := map[string]bool{}
		for _, l := range a.Doc.Links {
			if l.Target == "" || l.Broken {
				continue
			}
			target, ok := s.find(l.Target)
			if ok && target != a && !seen[target.Path] {
				seen[target.Path] = true
				s.backlinks[target.Path] = append(s.backlinks[target.Path], a)
			}
		}
		s.folder(a.Folder()).Articles = append(s.folder(a.Folder()).Articles, a)
	}
	h := sha256.New()
	for _, f := range s.attached {
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00", f.path, f.size, f.modTime.UnixNano(), f.oid)
	}
	h.Sum(s.fileSum[:0])
	s.Version = s.version()
}

// folder returns the Folder at dir, creating it and its parents.
func (s *Snapshot) folder(dir string) *Folder {
	if f, ok := s.folders[dir]; ok {
		return f
	}
	f := &Folder{Path: dir}
	s.folders[dir] = f
	parent := s.folder(parentDir(dir))
	parent.Folders = append(parent.Folders, f)
	return f
}

// Folder is a folder of the content root that holds articles.
type Folder struct {
	Path     string // root-relative, "" for the root
	Folders  []*Folder
	Articles []*Article
}

// Name is the last element of the folder's path.
func (f *Folder) Name() string { return path.Base(f.Path) }

// Count is the number of articles in the folder and below.
func (f *Folder) Count() int {
	n := len(f.Articles)
	for _, c := range f.Folders {
		n += c.Count()
	}
	return n
}

// Article implements render.Resolver: the URL of the article at source path
// p. A link that differs from the file's path only in letter case still
// resolves, as it does on the case-insensitive disks many authors write on,
// and so does a link to the old path of a renamed file (with a warning on the
// linking article that names the new path).
func (s *Snapshot) Article(p string) (string, bool) {
	if a, ok := s.find(p); ok {
		return a.URL, true
	}
	return "", false
}

// find returns the article a link to source path p means: the file at p,
// else the file at p in other letter case, else the file p was renamed to.
func (s *Snapshot) find(p string) (*Article, bool) {
	if a, ok := s.pathArticle(p); ok {
		return a, true
	}
	if a, ok := s.foldedPathArticle(strings.ToLower(p)); ok {
		return a, true
	}
	return s.moved(p)
}

// moved returns the article that the file once at source path p became.
func (s *Snapshot) moved(p string) (*Article, bool) {
	if now, ok := s.moves.path(p); ok {
		return s.pathArticle(now)
	}
	return nil, false
}

// Attachment implements render.Resolver: whether a file other than an article is at p.
func (s *Snapshot) Attachment(p string) bool {
	_, ok := s.attachments[p]
	return ok
}

// ByPath returns the article whose source file is at root-relative path p.
func (s *Snapshot) ByPath(p string) (*Article, bool) {
	return s.pathArticle(p)
}

// ByID returns the article with id, ignoring case. An id that vanished when
// its file was renamed (an id derived from the old path) finds the article
// the file became, whose ID then differs from id.
func (s *Snapshot) ByID(id string) (*Article, bool) {
	id = strings.ToLower(id)
	if a, ok := s.idArticle(id); ok {
		return a, true
	}
	if old, ok := s.moves.idPath(id); ok {
		return s.moved(old)
	}
	return nil, false
}

// OrphanedIDs returns the ids that articles had earlier in this process and
// that no article has or leads to now (the file was deleted, or its id
// changed), sorted. Ticket links to them are orphaned: report them, never
// drop them. After a restart only the ids seen since are known; check stored
// ids with ByID.
func (s *Snapshot) OrphanedIDs() []string {
	return slices.Clone(s.orphaned)
}

// ByURL returns the article served at the unescaped URL path p ("/runbooks/etcd/no-leader").
func (s *Snapshot) ByURL(p string) (*Article, bool) {
	return s.urlArticle(trimSlash(p))
}

// ByFoldedURL returns the article whose URL equals p ignoring letter case, for
// links written by tools that lower-case paths.
func (s *Snapshot) ByFoldedURL(p string) (*Article, bool) {
	return s.foldedURLArticle(strings.ToLower(trimSlash(p)))
}

// ByAlias returns the article that lists the URL path p among its aliases,
// or whose file was renamed from the path of URL p (with or without .md):
// old URLs keep working after a rename.
func (s *Snapshot) ByAlias(p string) (*Article, bool) {
	p = trimSlash(p)
	if a, ok := s.aliasArticle(p); ok {
		return a, true
	}
	if a, ok := s.movedURLs[p]; ok {
		return a, true
	}
	if strings.HasSuffix(strings.ToLower(p), ".md") {
		return s.moved(strings.TrimPrefix(p, "/"))
	}
	return nil, false
}

func trimSlash(p string) string {
	if len(p) > 1 {
		return strings.TrimSuffix(p, "/")
	}
	return p
}

// Folder returns the folder at root-relative path dir.
func (s *Snapshot) Folder(dir string) (*Folder, bool) {
	f, ok := s.folders[strings.Trim(dir, "/")]
	return f, ok
}

// Backlinks returns the articles that link to a, in path order.
func (s *Snapshot) Backlinks(a *Article) []*Article {
	l, _ := look(s.backlinks, s.top.backlinks, a.Path)
	return l
}

// Term is a tag or service with the number of articles that carry it.
type Term struct {
	Name  string
	Count int
}

// Tags returns every tag with its article count, most used first.
func (s *Snapshot) Tags() []Term { return terms(s.tags) }

// Services returns every service with its article count, by name.
func (s *Snapshot) Services() []Term {
	t := terms(s.services)
	slices.SortFunc(t, func(a, b Term) int { return strings.Compare(a.Name, b.Name) })
	return t
}

// Tagged returns the articles tagged t, by path.
func (s *Snapshot) Tagged(t string) []*Article { return s.tags[strings.ToLower(t)] }

// InService returns the articles of service name, by path.
func (s *Snapshot) InService(name string) []*Article { return s.services[strings.ToLower(name)] }

func terms(m map[string][]*Article) []Term {
	out := make([]Term, 0, len(m))
	for k, v := range m {
		out = append(out, Term{Name: k, Count: len(v)})
	}
	slices.SortFunc(out, func(a, b Term) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Name, b.Name))
	})
	return out
}

// Recent returns up to n articles, most recently updated first.
func (s *Snapshot) Recent(n int) []*Article {
	out := slices.Clone(s.Articles)
	slices.SortStableFunc(out, func(a, b *Article) int { return b.Updated.Compare(a.Updated) })
	return out[:min(n, len(out))]
}

// Open opens the attachment at root-relative path p and returns its size.
// Only files listed when the snapshot was loaded can be opened, so nothing
// hidden (.git) and nothing outside the root is ever served.
func (s *Snapshot) Open(p string) (fs.File, int64, error) {
	if _, ok := s.attachments[p]; !ok {
		return nil, 0, ErrNotFound
	}
	f, err := s.files.Open(p)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", p, err)
	}
	info, err := f.Stat() // the file itself, where the listing saw a symbolic link
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("open %s: %w", p, ErrNotFound)
	}
	return f, info.Size(), nil
}

// Similar returns up to n articles whose URL or title shares the most words
// with the URL path p, for a helpful "not found" page.
func (s *Snapshot) Similar(p string, n int) []*Article {
	want := words(p)
	if len(want) == 0 {
		return nil
	}
	type scored struct {
		a     *Article
		score int
	}
	var best []scored
	for _, a := range s.Articles {
		have := words(a.URL + " " + a.Title)
		score := 0
		for _, w := range want {
			for _, h := range have {
				if h == w {
					score += 3
				} else if len(w) >= 3 && (strings.HasPrefix(h, w) || strings.HasPrefix(w, h) && len(h) >= 3) {
					score++
				}
			}
		}
		if score > 0 {
			best = append(best, scored{a, score})
		}
	}
	slices.SortStableFunc(best, func(x, y scored) int { return cmp.Compare(y.score, x.score) })
	out := make([]*Article, 0, n)
	for _, b := range best[:min(n, len(best))] {
		out = append(out, b.a)
	}
	return out
}

// Words splits s into lower-case words at punctuation and case changes
// ("KubePodCrashLooping" → kube pod crash looping), as Similar compares them.
func Words(s string) []string { return words(s) }

// Files returns the files of the content root, for reading what kb.yaml
// names (alert rule files) and the templates of .kb/templates.
func (s *Snapshot) Files() fs.FS { return s.files }

// words splits s into lower-case words at punctuation and case changes
// ("KubePodCrashLooping" → kube pod crash looping). It splits coarser than
// word.Parts (x509 and APIServer stay whole), as Similar has always
// compared names.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 1 {
			out = append(out, strings.ToLower(string(cur)))
		}
		cur = cur[:0]
	}
	prev := rune(0)
	for _, r := range s {
		switch {
		case !word.IsRune(r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return out
}

// AllWarnings yields the snapshot's own warnings and then every article's, each once.
func (s *Snapshot) AllWarnings() func(yield func(Warning) bool) {
	return func(yield func(Warning) bool) {
		seen := map[Warning]bool{}
		for _, w := range s.Warnings {
			seen[w] = true
			if !yield(w) {
				return
			}
		}
		for _, a := range s.Articles {
			for _, w := range a.Warnings {
				if !seen[w] && !yield(w) {
					return
				}
			}
		}
	}
}

// WarningCount is the number of warnings AllWarnings yields.
func (s *Snapshot) WarningCount() int {
	n := 0
	for range s.AllWarnings() {
		n++
	}
	return n
}
