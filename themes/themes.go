package themes

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maps"
	"mime"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

//go:embed default
var defaultFiles embed.FS

// The pages a theme renders; each is templates/<name>.html.
const (
	PageHome     = "home"     // GET /
	PageArticle  = "article"  // one article
	PageFolder   = "folder"   // a folder of articles without an index article
	PageTerms    = "terms"    // every tag or every service
	PageList     = "list"     // the articles of one tag or service
	PageError    = "error"    // 404 and every other error
	PageEmbed    = "embed"    // the card of /embed/{id}; it defines its own "layout"
	PageReport   = "report"   // /reports/tickets
	PageSearch   = "search"   // search results, tips for an empty query
	PageHistory  = "history"  // an article's commits, or one old version with its diff
	PageAlert    = "alert"    // /alerts/{name} without a runbook: the closest ones and a file to create
	PageReview   = "review"   // /reports/review: articles past their review date
	PageCoverage = "coverage" // /reports/coverage: alert rules against runbooks
	PageReports  = "reports"  // /reports: every report
	PageSearches = "searches" // /reports/search: search statistics
	PageAudit    = "audit"    // /reports/audit: the audit trail, for the admin group
	PageNav      = "nav"      // /_nav: one folder's entries of the navigation tree; it defines its own "layout"
)

func pageNames() []string {
	return []string{PageEmbed, PageReport, PageHome, PageArticle, PageFolder, PageTerms, PageList, PageError, PageSearch, PageHistory, PageAlert, PageReview, PageCoverage, PageReports, PageSearches, PageAudit, PageNav}
}

// PartLabels is the part of the article page that kb renders on its own:
// the note above an article whose placeholders were filled in from an
// alert's labels (templates/labels.html). Executed without data it writes
// the empty slot that the page leaves for the note; kb puts the note in the
// slot's place in a copy of the cached page.
const PartLabels = "filled-labels"

// pageParts lists, for each page, the parts that kb renders on their own.
func pageParts() map[string][]string {
	return map[string][]string{PageArticle: {PartLabels}}
}

// layoutTemplate is the template every page executes; it calls the page's blocks.
const layoutTemplate = "layout"

// Theme is a parsed theme: one template set per page and the static files,
// each with a content-hashed URL. A Theme is immutable and safe for
// concurrent use.
type Theme struct {
	files  map[string]file // "templates/x.html", "static/y.css" → source
	pages  map[string]*template.Template
	assets map[string]*Asset // by name below static/, "app.css"
	byFile map[string]*Asset // by hashed name, "app.1a2b3c4d5e.css"
}

// file is one file of the theme and where it came from, for error messages.
type file struct {
	where string // "templates/article.html (default theme)" or the path in the theme folder
	data  []byte
}

// Asset is a static file of the theme, served from memory.
type Asset struct {
	Name        string // path below static/, "app.css"
	URL         string // content-hashed URL, "/static/app.1a2b3c4d5e.css"
	ContentType string
	ETag        string // strong validator of Body, quoted
	Body        []byte
	Gzip        []byte // Body gzip-compressed; nil when that does not make it smaller, or for a big file (see Compressed)
	GzipETag    string // strong validator of Gzip, quoted

	lazy *lazyGzip // for a big file: compressed on first request, not at every theme build
}

// lazyGzip is the gzip form of a big asset, made once when first asked for.
type lazyGzip struct {
	once sync.Once
	gz   []byte
	etag string
}

// eagerGzip is the size up to which an asset is compressed when the theme
// is built; bigger ones (the vendored mermaid, 5.5 MB) on first request, so
// that starting kb, and every test server, stays fast.
const eagerGzip = 1 << 20

// Compressed returns the gzip form of the asset and its validator; nil when
// compression does not make it smaller.
func (a *Asset) Compressed() ([]byte, string) {
	if a.lazy == nil {
		return a.Gzip, a.GzipETag
	}
	a.lazy.once.Do(func() {
		if gz := gzipBytes(a.Body); len(gz) < len(a.Body) {
			a.lazy.gz, a.lazy.etag = gz, strings.TrimSuffix(a.ETag, `"`)+`-gzip"`
		}
	})
	return a.lazy.gz, a.lazy.etag
}

// Open returns the default theme with the files of dir (when dir != "")
// overriding it file by file. Every template is parsed and escaped here: a
// broken theme is an error naming the file and line.
func Open(dir string) (*Theme, error) {
	files, err := readDefault()
	if err != nil {
		return nil, err
	}
	if dir != "" {
		over, err := readDir(dir)
		if err != nil {
			return nil, err
		}
		maps.Copy(files, over)
	}
	return build(files)
}

// WithAssets returns a copy of t that also serves generated static files,
// such as the syntax-highlighting stylesheets kb builds at start-up. A file
// of the same name in the theme wins, so a theme can replace a generated file.
func (t *Theme) WithAssets(generated map[string][]byte) (*Theme, error) {
	files := maps.Clone(t.files)
	for name, data := range generated {
		p := "static/" + name
		if _, ok := files[p]; !ok {
			files[p] = file{where: p + " (generated)", data: data}
		}
	}
	return build(files)
}

// Render executes page (one of the Page constants) with data into w.
func (t *Theme) Render(w io.Writer, page string, data any) error {
	tpl, ok := t.pages[page]
	if !ok {
		return fmt.Errorf("theme has no page %q", page)
	}
	return tpl.ExecuteTemplate(w, layoutTemplate, data)
}

// RenderPart executes part (PartLabels) of page with data into w; nil data
// writes the part's empty slot, as the page has it.
func (t *Theme) RenderPart(w io.Writer, page, part string, data any) error {
	tpl, ok := t.pages[page]
	if !ok {
		return fmt.Errorf("theme has no page %q", page)
	}
	if !slices.Contains(pageParts()[page], part) {
		return fmt.Errorf("page %q has no part %q", page, part)
	}
	return tpl.ExecuteTemplate(w, part, data)
}

// Asset returns the static file whose content-hashed name (the last part of
// its URL, "app.1a2b3c4d5e.css") or plain name ("app.css") is name; hashed
// reports which of the two matched, since only a hashed URL may be cached forever.
func (t *Theme) Asset(name string) (a *Asset, hashed, ok bool) {
	if a, ok := t.byFile[name]; ok {
		return a, true, true
	}
	a, ok = t.assets[name]
	return a, false, ok
}

// URL returns the content-hashed URL of the static file name ("app.css").
func (t *Theme) URL(name string) (string, bool) {
	a, ok := t.assets[name]
	if !ok {
		return "", false
	}
	return a.URL, true
}

func readDefault() (map[string]file, error) {
	root, err := fs.Sub(defaultFiles, "default")
	if err != nil {
		return nil, fmt.Errorf("default theme: %w", err)
	}
	return readFS(root, func(p string) string { return p + " (default theme)" })
}

func readDir(dir string) (map[string]file, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("theme folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("theme folder %s is not a folder", dir)
	}
	files, err := readFS(os.DirFS(dir), func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) })
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("theme folder %s has neither templates/*.html nor static/ files", dir)
	}
	return files, nil
}

// readFS reads templates/*.html and every regular file below static/.
func readFS(fsys fs.FS, where func(string) string) (map[string]file, error) {
	files := map[string]file{}
	tpls, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range tpls {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
		files[p] = file{where: where(p), data: data}
	}
	err = fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		switch {
		case errors.Is(err, fs.ErrNotExist) && p == "static":
			return fs.SkipDir
		case err != nil:
			return err
		case strings.HasPrefix(d.Name(), ".") && p != "static":
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[p] = file{where: where(p), data: data}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("theme: %w", err)
	}
	return files, nil
}

func build(files map[string]file) (*Theme, error) {
	t := &Theme{files: files, pages: map[string]*template.Template{}, assets: map[string]*Asset{}, byFile: map[string]*Asset{}}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		if name, ok := strings.CutPrefix(p, "static/"); ok {
			a := newAsset(name, files[p].data)
			t.assets[name] = a
			t.byFile[strings.TrimPrefix(a.URL, "/static/")] = a
		}
	}

	shared := template.New("").Funcs(t.funcs())
	var pageFiles []string
	for _, p := range slices.Sorted(maps.Keys(files)) {
		name, ok := strings.CutPrefix(p, "templates/")
		if !ok {
			continue
		}
		if slices.Contains(pageNames(), strings.TrimSuffix(name, ".html")) {
			pageFiles = append(pageFiles, p)
			continue
		}
		if _, err := shared.New(files[p].where).Parse(string(files[p].data)); err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
	}
	if shared.Lookup(layoutTemplate) == nil {
		return nil, fmt.Errorf("theme: no template defines %q (templates/layout.html)", layoutTemplate)
	}
	for _, p := range pageFiles {
		page := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		tpl, err := shared.Clone()
		if err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
		if _, err := tpl.New(files[p].where).Parse(string(files[p].data)); err != nil {
			return nil, fmt.Errorf("theme: %w", err)
		}
		if err := checkEscaping(tpl); err != nil {
			return nil, fmt.Errorf("theme: %s: %w", files[p].where, err)
		}
		for _, part := range pageParts()[page] {
			if err := checkPart(tpl, part); err != nil {
				return nil, fmt.Errorf("theme: %s: %w", files[p].where, err)
			}
		}
		t.pages[page] = tpl
	}
	for _, page := range pageNames() {
		if t.pages[page] == nil {
			return nil, fmt.Errorf("theme: templates/%s.html is missing", page)
		}
	}
	return t, nil
}

// checkEscaping makes html/template escape tpl now rather than at the first
// request. html/template escapes a template set on its first execution, so
// this executes the page once without data: an escaping error (a {{ }} in an
// ambiguous place, an unclosed attribute) is returned; errors of the
// execution itself, which only mean that there was no data, are not.
func checkEscaping(tpl *template.Template) error {
	err := tpl.ExecuteTemplate(io.Discard, layoutTemplate, nil)
	var te *template.Error
	if errors.As(err, &te) {
		return err
	}
	return nil
}

// checkPart makes sure that tpl defines part, that it escapes, and that
// without data it writes a slot for the server to fill: an empty slot
// would put the part in front of the page.
func checkPart(tpl *template.Template, part string) error {
	if tpl.Lookup(part) == nil {
		return fmt.Errorf("no template defines %q (templates/labels.html)", part)
	}
	var slot bytes.Buffer
	err := tpl.ExecuteTemplate(&slot, part, nil)
	var te *template.Error
	switch {
	case errors.As(err, &te):
		return err
	case err != nil:
		return fmt.Errorf("template %q without data: %w", part, err)
	case slot.Len() == 0:
		return fmt.Errorf("template %q writes nothing without data; it must write the slot the page leaves for it", part)
	}
	return nil
}

func (t *Theme) funcs() template.FuncMap {
	return template.FuncMap{
		"static": func(name string) (string, error) {
			a, ok := t.assets[name]
			if !ok {
				return "", fmt.Errorf("the theme has no static file %q", name)
			}
			return a.URL, nil
		},
		"date": func(tm time.Time) string {
			if tm.IsZero() {
				return ""
			}
			return tm.Format("2 Jan 2006")
		},
		"isoDate": func(tm time.Time) string {
			if tm.IsZero() {
				return ""
			}
			return tm.Format("2006-01-02")
		},
		"join": strings.Join,
		"slug": slug,
	}
}

// slug makes s safe and predictable as part of a class name: lower-case
// letters, digits and single dashes ("Critical!" → "critical").
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

func newAsset(name string, data []byte) *Asset {
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])[:10]
	ext := path.Ext(name)
	a := &Asset{
		Name:        name,
		URL:         "/static/" + strings.TrimSuffix(name, ext) + "." + hash + ext,
		ContentType: contentType(ext),
		ETag:        `"` + hash + `"`,
		Body:        data,
	}
	switch {
	case !compressible(a.ContentType):
	case len(data) > eagerGzip:
		a.lazy = &lazyGzip{}
	default:
		if gz := gzipBytes(data); len(gz) < len(data) {
			a.Gzip, a.GzipETag = gz, `"`+hash+`-gzip"`
		}
	}
	return a
}

func contentType(ext string) string {
	if ct := mime.TypeByExtension(ext); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

func compressible(ct string) bool {
	ct, _, _ = strings.Cut(ct, ";")
	return strings.HasPrefix(ct, "text/") || strings.HasSuffix(ct, "+xml") || strings.HasSuffix(ct, "/json") ||
		strings.HasSuffix(ct, "/javascript") || ct == "application/xml"
}

// gzipBytes compresses data once, at start-up, so requests never pay for it.
func gzipBytes(data []byte) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		panic(err) // only for an invalid level, a constant here
	}
	if _, err := zw.Write(data); err != nil {
		return nil // a bytes.Buffer does not fail
	}
	if err := zw.Close(); err != nil {
		return nil
	}
	return buf.Bytes()
}
