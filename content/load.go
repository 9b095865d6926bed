package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"kb/render"
)

// Options configures Load and a Library.
type Options struct {
	// Now is the clock of FetchAge; nil means time.Now.
	Now func() time.Time
	// MaxSize overrides kb.yaml's max_size when positive.
	MaxSize int64
	// IDPrefix is the prefix of heading ids; "" means render.DefaultIDPrefix.
	IDPrefix string
	// Git is the repository the content folder belongs to, or nil. With it,
	// each article gets its last commit (Article.LastCommit), files renamed in
	// the last 5,000 commits keep their old paths and URLs, and History works.
	// The files are still read from the folder; NewGitLibrary reads commits.
	Git *GitRepo
	// NoHighlight writes code blocks without syntax highlighting, which is
	// most of the cost of rendering code-heavy content: for kb check and kb
	// index, which never show the HTML.
	NoHighlight bool
	// DeferHighlight makes the first load of a Library write code blocks
	// without highlighting, so that it is published sooner; Library.Highlight
	// then renders the articles concerned again, highlighted, and publishes
	// them as one new snapshot. Any later load highlights them too.
	DeferHighlight bool
	// RenderBudget bounds the time one file's render may take (see
	// render.Options.Budget); 0 means no bound. A file past it is shown as
	// too slow to render and not tried again while it is unchanged.
	RenderBudget time.Duration
	// RenderCache, when not nil, keeps rendered documents across restarts.
	RenderCache *RenderCache
	// MaxFiles bounds the files (articles and attachments) a load takes;
	// a folder with more fails to load, and a Library keeps serving what it
	// had. 0 means DefaultMaxFiles.
	MaxFiles int
	// Early, when set, is called with the early snapshot of a Library's
	// first load (Library.Early) as soon as it is published, before any
	// article is rendered; the load goes on when it returns. kb serve
	// leaves it nil; tests hold a load there.
	Early func(*Snapshot)

	wholeBuilds bool // every load builds everything (applyEdit never applies): the baseline of benchmarks
}

// DefaultMaxFiles is Options.MaxFiles when it is 0: well above the largest
// real documentation sets (3,091 files in the PowerShell docs), well below
// what would exhaust a server's memory.
const DefaultMaxFiles = 50_000

// ErrTooManyFiles is returned by a load of a folder with more than
// Options.MaxFiles files.
var ErrTooManyFiles = errors.New("too many files")

func (o Options) maxFiles() int {
	if o.MaxFiles <= 0 {
		return DefaultMaxFiles
	}
	return o.MaxFiles
}

// maxSiteFile bounds kb.yaml.
const maxSiteFile = 1 << 20

// headSize is how much of a file over the size cap is read: enough for its
// front matter, so its title and id survive.
const headSize = 64 << 10

// Load reads every article and attachment below the root of fsys into a new
// Snapshot. Problems with single files become warnings on the snapshot and the
// article; Load fails only when the root cannot be listed or ctx ends.
func Load(ctx context.Context, fsys fs.FS, opts Options) (*Snapshot, error) {
	in := buildInput{files: fsys, opts: opts, full: true}
	if opts.Git != nil {
		in.hist, in.histErr = headHistory(ctx, opts.Git, nil)
	}
	s, _, err := build(ctx, in)
	return s, err
}

// headHistory reads the history of the repository's ref for a folder's
// files, building on since when the ref only moved forward from it.
func headHistory(ctx context.Context, g *GitRepo, since *history) (*history, error) {
	head, err := g.Resolve(ctx)
	if err != nil {
		return since, err
	}
	if since != nil && since.head == head {
		return since, nil
	}
	if since != nil {
		if ok, err := g.isAncestor(ctx, since.head, head); err != nil || !ok {
			since = nil
		}
	}
	h, err := g.scanHistory(ctx, head, since)
	if err != nil {
		return since, err
	}
	return h, nil
}

func loadSite(fsys fs.FS) (Site, []Warning) {
	f, err := fsys.Open(SiteFile)
	if errors.Is(err, fs.ErrNotExist) {
		return ParseSite(nil)
	}
	var src []byte
	if err == nil {
		src, err = io.ReadAll(io.LimitReader(f, maxSiteFile))
		f.Close()
	}
	if err != nil {
		s, _ := ParseSite(nil)
		return s, []Warning{{Path: SiteFile, Kind: WarnSite, Message: fmt.Sprintf("cannot read, using defaults: %v", err)}}
	}
	return ParseSite(src)
}

// file is a file as listed: what tells whether it changed since the last load.
type file struct {
	path    string
	size    int64
	modTime time.Time
	oid     string // blob id when read from git, which changes exactly when the content does
}

// same reports whether f and o are the same listing of an unchanged file.
func (f file) same(o file) bool {
	return f.path == o.path && f.size == o.size && f.modTime.Equal(o.modTime) && f.oid == o.oid
}

func listed(p string, info fs.FileInfo) file {
	f := file{path: p, size: info.Size(), modTime: info.ModTime()}
	if id, ok := info.Sys().(blobID); ok {
		f.oid = string(id)
	}
	return f
}

// walk lists the Markdown files and attachments below the root, skipping
// hidden files and folders (.git among them). Symbolic links are listed but
// never followed as folders; opening one that leaves the root fails when the
// file is read, which makes it a warning.
// More than maxFiles files is an error wrapping ErrTooManyFiles.
func walk(ctx context.Context, fsys fs.FS, maxFiles int) (files, attachments []file, warns []Warning, err error) {
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if len(files)+len(attachments) > maxFiles {
			return fmt.Errorf("%w: more than %d files (Options.MaxFiles, kb serve --max-files); the content loaded before is kept", ErrTooManyFiles, maxFiles)
		}
		if err != nil {
			if p == "." {
				return err
			}
			warns = append(warns, Warning{Path: p, Kind: WarnUnreadable, Message: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))})
			return nil
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || p == SiteFile {
			return nil
		}
		if !utf8.ValidString(p) {
			warns = append(warns, Warning{Path: strings.ToValidUTF8(p, "\uFFFD"), Kind: WarnFileName, Message: "file name is not UTF-8; skipped"})
			return nil
		}
		info, err := d.Info()
		if err != nil {
			warns = append(warns, Warning{Path: p, Kind: WarnUnreadable, Message: fmt.Sprintf("cannot read: %v", err)})
			return nil
		}
		if irregular(info.Mode()) {
			warns = append(warns, Warning{Path: p, Kind: WarnNotRegular, Message: "is " + irregularText(info.Mode()) + "; kb reads regular files only, so it is skipped"})
			return nil
		}
		if strings.EqualFold(path.Ext(p), ".md") {
			files = append(files, listed(p, info))
		} else if info.Mode().IsRegular() || info.Mode()&fs.ModeSymlink != 0 {
			attachments = append(attachments, listed(p, info))
		}
		return nil
	})
	if err == nil && len(files)+len(attachments) > maxFiles {
		err = fmt.Errorf("%w: %d files, more than %d (Options.MaxFiles, kb serve --max-files); the content loaded before is kept", ErrTooManyFiles, len(files)+len(attachments), maxFiles)
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list content: %w", err)
	}
	return files, attachments, warns, nil
}

// source is one Markdown file read and parsed: what a later load reuses
// while the file is unchanged.
type source struct {
	file    file
	base    *Article // front matter applied; never published, each build copies it
	body    []byte   // Markdown after the front matter; nil when not rendered, and once rendered (dropped)
	dropped bool     // body was let go once rendered: markdown reads the file again
	readErr error    // why the file could not be read, nil when it was
	fmKey   [32]byte // the front-matter cache's key of its YAML; zero: none
}

// drop lets the body go once it is rendered: the Markdown of every article
// is as large again as its HTML, and is rendered again only when a file it
// links to changes, or its code is highlighted after a deferred load. It is
// called while the load that owns src holds the library.
func (src *source) drop() {
	if src.body != nil {
		src.body, src.dropped = nil, true
	}
}

// markdown returns the body to render: the one parsed, or, once dropped,
// the body of the file read again. It returns false when the file no longer
// holds the bytes src was parsed from: the file changed after it was listed.
func (src *source) markdown(fsys fs.FS, maxSize int64) ([]byte, bool) {
	if !src.dropped {
		return src.body, true
	}
	fresh, gone := readArticle(fsys, src.file, maxSize, nil)
	if gone || fresh.base.Hash != src.base.Hash || fresh.readErr != nil {
		return nil, false
	}
	return fresh.body, true
}

// instance returns a copy of the parsed article for one snapshot of site,
// whose build may then settle its id, URL and aliases and add warnings.
// known, when set, is the type the same source had under the same runbooks:
// globs, which saves matching them again for every file of every load.
func (src *source) instance(site Site, known Type) *Article {
	a := *src.base
	if known != "" && !a.typeSet {
		a.Type = known
	} else {
		a.setDefaultType(site)
	}
	a.Warnings = slices.Clip(a.Warnings)
	a.Aliases = slices.Clone(a.Aliases)
	return &a
}

// readArticle reads and parses one file. It never fails: what goes wrong is
// recorded on the article, which is still served. gone is true for a file
// removed since it was listed, which the load leaves out.
func readArticle(fsys fs.FS, f file, maxSize int64, fmc *fmCache) (src *source, gone bool) {
	data, err := readHead(fsys, f.path, maxSize+1)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, true
	}
	return parseArticle(f, data, err, maxSize, fmc), false
}

// parseArticle parses the first bytes of a file (at most maxSize+1 of them),
// or records readErr.
func parseArticle(f file, src []byte, readErr error, maxSize int64, fmc *fmCache) *source {
	a := &Article{Path: f.path, Size: f.size, Updated: f.modTime}
	warn := func(line int, kind WarningKind, format string, args ...any) {
		a.Warnings = append(a.Warnings, Warning{Path: f.path, Line: line, Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case errors.Is(readErr, ErrNotRegular):
		warn(0, WarnNotRegular, "cannot read: %v; kb reads regular files only", readErr)
		a.Unrendered = "The file could not be read."
		src = nil
	case readErr != nil:
		warn(0, WarnUnreadable, "cannot read: %v", readErr)
		a.Unrendered = "The file could not be read."
		src = nil
	}
	sum := sha256.Sum256(src)
	a.Hash = hex.EncodeToString(sum[:16])
	a.Size = max(a.Size, int64(len(src)))
	tooLarge := int64(len(src)) > maxSize
	if tooLarge {
		a.Unrendered = fmt.Sprintf("This file is %s, over the %s limit, so it is not rendered.", humanBytes(a.Size), humanBytes(maxSize))
		warn(0, WarnTooLarge, "file is %s; files over %s are not rendered (kb.yaml max_size)", humanBytes(a.Size), humanBytes(maxSize))
		src = src[:min(len(src), headSize)]
	}
	if isBinary(src) {
		a.Unrendered = "This file is not text, so it is not rendered."
		warn(0, WarnBinary, "binary file named .md; not rendered")
		src = nil
	}
	if !utf8.Valid(src) {
		warn(0, WarnInvalidUTF8, "file is not valid UTF-8; invalid bytes are shown as \uFFFD")
	}
	src = normaliseText(src)
	for _, line := range conflictMarkers(src) {
		warn(line, WarnMergeConflict, "unresolved merge conflict: <<<<<<<, ======= and >>>>>>> lines from a merge are still in the file")
	}
	fm, body, err, fmKey := fmc.parse(f.path, src)
	var fe *FrontMatterError
	for _, e := range joined(err) {
		if errors.As(e, &fe) {
			warn(fe.Line, WarnFrontMatter, "front matter: %s", fe.Err.Error())
		}
	}
	a.Keys = fm.Keys
	a.BodyLine = 1 + bytes.Count(src[:len(src)-len(body)], []byte("\n"))
	if tooLarge {
		body = nil
	}
	if err != nil && fm.Access == nil && accessKey.Match(src[:len(src)-len(body)]) {
		fm.Access = []string{} // front matter kb could not read names readers: fail closed
	}
	a.applyFrontMatter(fm, warn)
	return &source{file: f, base: a, body: body, readErr: readErr, fmKey: fmKey}
}

// accessKey finds an access: key in front matter that failed to parse.
var accessKey = regexp.MustCompile(`(?m)^\s*access\s*:`)

// conflictMarkers returns the lines that open an unresolved merge conflict:
// a line starting with <<<<<<< followed by a ======= line and a >>>>>>> line,
// outside fenced code (where a runbook about git may well show them).
func conflictMarkers(src []byte) []int {
	var out []int
	open, sep := 0, false
	fence := ""
	n := 0
	for line := range bytes.Lines(src) {
		n++
		t := strings.TrimRight(string(line), "\n")
		f := fenceOf(t)
		switch {
		case fence == "" && f != "":
			fence = f
			continue
		case fence != "":
			if f != "" && f[0] == fence[0] && len(f) >= len(fence) && strings.TrimSpace(t) == f {
				fence = ""
			}
			continue
		}
		switch {
		case marker(t, '<'):
			open, sep = n, false
		case open > 0 && t == "=======":
			sep = true
		case open > 0 && sep && marker(t, '>'):
			out = append(out, open)
			open, sep = 0, false
		}
	}
	return out
}

// marker reports whether line is a conflict marker of seven c: alone, or
// followed by a space and a label.
func marker(line string, c byte) bool {
	m := strings.Repeat(string(c), 7)
	return line == m || strings.HasPrefix(line, m+" ")
}

// fenceOf returns the fence (``` or ~~~, possibly longer) that line opens
// or closes, "" for any other line.
func fenceOf(line string) string {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return ""
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 {
		return ""
	}
	return t[:n]
}

func joined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err != nil {
		return []error{err}
	}
	return nil
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// applyFrontMatter fills a from fm, with the defaults of DESIGN.md.
func (a *Article) applyFrontMatter(fm frontMatter, warn func(int, WarningKind, string, ...any)) {
	a.Title, a.Summary, a.Service, a.Severity = fm.Title, fm.Summary, strings.ToLower(fm.Service), strings.ToLower(fm.Severity)
	a.Alerts, a.Owners, a.Extra, a.Access = fm.Alerts, fm.Owners, fm.Extra, fm.Access
	a.Reviewed, a.ReviewEvery = fm.Reviewed, fm.ReviewEvery
	for _, t := range fm.Tags {
		if t = strings.ToLower(t); !slices.Contains(a.Tags, t) {
			a.Tags = append(a.Tags, t)
		}
	}
	if a.Updated.IsZero() {
		a.Updated = a.Reviewed
	}
	a.URL = URLFor(a.Path)
	a.ID = DeriveID(a.Path)
	if fm.ID != "" {
		if id, err := normaliseID(fm.ID); err != nil {
			warn(fm.Lines["id"], WarnFrontMatter, "front matter: id %q: %v; using %q", fm.ID, err, a.ID)
		} else {
			a.ID = id
		}
	}
	switch Type(strings.ToLower(fm.Type)) {
	case TypeRunbook:
		a.Type, a.typeSet = TypeRunbook, true
	case TypeArticle:
		a.Type, a.typeSet = TypeArticle, true
	default:
		if fm.Type != "" {
			warn(fm.Lines["type"], WarnUnknownType, "front matter: type %q is not runbook or article; using the default", fm.Type)
		}
		a.setDefaultType(Site{})
	}
	for _, al := range fm.Aliases {
		n, err := normaliseAlias(a.Path, al)
		if err != nil {
			warn(fm.Lines["aliases"], WarnFrontMatter, "front matter: alias %q rejected: %v", al, err)
			continue
		}
		a.Aliases = append(a.Aliases, n)
	}
}

// setDefaultType sets the type of an article whose front matter sets none:
// a runbook where site's runbooks: globs (or the defaults) say so.
func (a *Article) setDefaultType(site Site) {
	if a.typeSet {
		return
	}
	a.Type = TypeArticle
	if site.IsRunbookPath(a.Path) {
		a.Type = TypeRunbook
	}
}

// readHead reads at most limit bytes of the file at p.
func readHead(fsys fs.FS, p string, limit int64) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, ErrNotRegular
	}
	return readSized(io.LimitReader(f, limit), min(max(info.Size(), 0)+1, limit))
}

// readSized reads r to its end into a buffer of size bytes, grown only when
// r holds more. io.ReadAll's buffer doubles as it fills: a first load held
// about twice the bytes of the Markdown it read (79 MB for 40 MB at 10,000
// articles) until every file was rendered. One byte more than the file's
// size lets the read see the end without growing.
func readSized(r io.Reader, size int64) ([]byte, error) {
	buf := make([]byte, 0, max(size, 1))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // the file grew since it was listed
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func isBinary(src []byte) bool {
	return bytes.IndexByte(src[:min(len(src), 8000)], 0) >= 0
}

// normaliseText removes a UTF-8 BOM, turns CRLF and CR line endings into LF
// and replaces invalid UTF-8, so everything after it sees one form of text.
func normaliseText(src []byte) []byte {
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	if bytes.IndexByte(src, '\r') >= 0 {
		src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
		src = bytes.ReplaceAll(src, []byte("\r"), []byte("\n"))
	}
	if !utf8.Valid(src) {
		src = bytes.ToValidUTF8(src, []byte("\uFFFD"))
	}
	return src
}

// rendered is the outcome of rendering one source, shared by every snapshot
// in which its file and the files it links to are unchanged.
type rendered struct {
	doc        render.Doc // doc.HTML, Text and Code are empty when stored holds them
	stored     *storedDoc
	unrendered string    // why doc is empty, "" when rendered or never tried
	warnings   []Warning // positioned in the file
}

// renderSource renders body, the Markdown of src, resolving its links
// against links; with plain, code blocks are not highlighted.
func renderSource(r *render.Renderer, links render.Resolver, src *source, body []byte, plain bool) *rendered {
	out := &rendered{}
	a := src.base
	if a.Unrendered != "" {
		return out
	}
	doc, err := r.Render(render.Input{Path: a.Path, Source: body, Links: links, NoHighlight: plain})
	var le *render.LimitError
	switch {
	case errors.As(err, &le) && errors.Is(le, render.ErrTooSlow):
		out.unrendered = fmt.Sprintf("This file took longer than %s to render, so it is not shown; it is tried again when it changes or kb restarts. Split it, or look for a huge paragraph, table or list.", le.Budget)
		out.warnings = append(out.warnings, Warning{Path: a.Path, Kind: WarnTooSlow, Message: le.Error() + " (render budget); not rendered"})
	case errors.As(err, &le) && errors.Is(le, render.ErrPageTooLarge):
		out.unrendered = fmt.Sprintf("This file's page would be over the %d MiB limit, too large to show; split it into smaller articles.", le.Max>>20)
		out.warnings = append(out.warnings, Warning{Path: a.Path, Kind: WarnTooLarge, Message: le.Error() + "; not rendered"})
	case errors.As(err, &le):
		out.unrendered = "This file is " + le.Error() + " to render safely."
		kind := WarnNotRendered
		if errors.Is(le, render.ErrTooLarge) {
			kind = WarnTooLarge
		}
		out.warnings = append(out.warnings, Warning{Path: a.Path, Kind: kind, Message: le.Error() + "; not rendered"})
	case err != nil:
		out.unrendered = "This file could not be rendered."
		out.warnings = append(out.warnings, Warning{Path: a.Path, Kind: WarnNotRendered, Message: "render: " + err.Error()})
	default:
		out.doc = *doc
		for _, w := range doc.Warnings {
			out.warnings = append(out.warnings, Warning{Path: a.Path, Line: a.FileLine(w.Line), Kind: WarningKind(w.Kind), Subject: w.Subject, Message: w.Message})
		}
	}
	return out
}

// finish puts the render outcome on a and fills in its title.
func finish(a *Article, out *rendered) {
	a.Doc, a.stored = out.doc, out.stored
	if out.unrendered != "" {
		a.Unrendered = out.unrendered
	}
	a.Warnings = append(a.Warnings, out.warnings...)
	if a.Title == "" {
		a.Title = a.Doc.Title
	}
	if a.Title == "" {
		a.Title = titleFromPath(a.Path)
	}
}

// titleFromPath makes a title of a file name: "disk-full.md" → "disk full";
// an index file is named after its folder.
func titleFromPath(p string) string {
	u := URLFor(p)
	name := path.Base(u)
	if u == "/" {
		name = "Home"
	}
	return strings.TrimSpace(strings.NewReplacer("-", " ", "_", " ").Replace(name))
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// parallel runs fn(0..n-1) on every CPU and returns early if ctx ends.
func parallel(ctx context.Context, n int, fn func(int)) error {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	var err error
feed:
	for i := range n {
		// select picks at random among ready cases, so an ended ctx is
		// checked first: otherwise work could still be handed out after it.
		if err = ctx.Err(); err != nil {
			break
		}
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	return err
}
