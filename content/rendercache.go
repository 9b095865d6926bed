package content

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"

	"kb/render"
)

// RenderCache keeps rendered documents in files under a folder (kb serve:
// --data/render), so that a restart finds every unchanged article rendered
// and highlighted: at 10,000 articles a restart rendered them all again
// before serving. A file is keyed by the renderer (render.Version, the
// goldmark and chroma versions, the render options), the article's path and
// the digest of its bytes; it also records every question the render asked
// about other files (does this article exist, at which URL; does this
// attachment) with its answer, and is used only while every answer is the
// same, so a link to a file added, moved or removed since renders again.
// It is a cache: a missing, unreadable or damaged file means a render.
type RenderCache struct {
	dir     string
	version string
	log     *slog.Logger
	fm      *fmCache // decoded front matter, so a restart skips the YAML parser

	mu    sync.Mutex
	plain map[string]bool // files of plain renders written by this process (put)
}

// OpenRenderCache uses dir (made when missing) for rendered documents.
func OpenRenderCache(dir string, log *slog.Logger) (*RenderCache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("render cache: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RenderCache{dir: dir, version: rendererVersion(), log: log, fm: newFMCache(dir), plain: map[string]bool{}}, nil
}

// frontMatter returns the cache of decoded front matter, nil without a cache.
func (c *RenderCache) frontMatter() *fmCache {
	if c == nil {
		return nil
	}
	return c.fm
}

// rendererVersion names the code that renders: render.Version and the
// versions of the Markdown and highlighting modules built in.
func rendererVersion() string {
	v := "render " + render.Version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			switch m.Path {
			case "github.com/yuin/goldmark", "github.com/alecthomas/chroma/v2":
				v += " " + m.Path + "@" + m.Version
			}
		}
	}
	return v
}

// cacheEntry is one cached render.
type cacheEntry struct {
	Asked []question
	Doc   render.Doc
	// stored has the sizes and digest of the parts of Doc that a decode
	// without them left out (its file is not set).
	stored storedDoc
}

// question is one call a render made to its render.Resolver, with the answer.
type question struct {
	Attachment bool // Attachment(Path); else Article(Path)
	Path, URL  string
	OK         bool
}

// recorder answers a render's questions from links and writes them down.
type recorder struct {
	links render.Resolver
	mu    sync.Mutex
	asked []question
}

func (r *recorder) Article(p string) (string, bool) {
	url, ok := r.links.Article(p)
	r.mu.Lock()
	r.asked = append(r.asked, question{Path: p, URL: url, OK: ok})
	r.mu.Unlock()
	return url, ok
}

func (r *recorder) Attachment(p string) bool {
	ok := r.links.Attachment(p)
	r.mu.Lock()
	r.asked = append(r.asked, question{Attachment: true, Path: p, OK: ok})
	r.mu.Unlock()
	return ok
}

func (c *RenderCache) key(rkey render.Options, src *source) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%+v\x00%s\x00%s", c.version, rkey, src.base.Path, src.base.Hash)
	return hex.EncodeToString(h.Sum(nil)[:20])
}

func (c *RenderCache) file(key string) string {
	return filepath.Join(c.dir, key[:2], key)
}

// get returns the cached render of src, or nil. What the cache holds is
// highlighted, and serves a plain load too (Library.Highlight then skips it).
func (c *RenderCache) get(rkey render.Options, src *source, links render.Resolver) *rendered {
	if c == nil || src.base.Unrendered != "" {
		return nil
	}
	name := c.file(c.key(rkey, src))
	b, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	e, err := decodeEntry(b, 0)
	if err != nil || !sameAnswers(e.Asked, links) {
		return nil
	}
	out := &rendered{doc: e.Doc, stored: &e.stored}
	out.stored.file = name
	for _, w := range e.Doc.Warnings {
		out.warnings = append(out.warnings, Warning{Path: src.base.Path, Line: src.base.FileLine(w.Line), Kind: WarningKind(w.Kind), Subject: w.Subject, Message: w.Message})
	}
	return out
}

func sameAnswers(asked []question, links render.Resolver) bool {
	for _, q := range asked {
		if q.Attachment {
			if links.Attachment(q.Path) != q.OK {
				return false
			}
			continue
		}
		if url, ok := links.Article(q.Path); ok != q.OK || url != q.URL {
			return false
		}
	}
	return true
}

// render renders src with r, its links resolved by links, and keeps the
// outcome with the links it asked about, so that get can tell later
// whether they still resolve the same; a nil cache only renders.
func (c *RenderCache) render(r *render.Renderer, rkey render.Options, links render.Resolver, src *source, body []byte, plain bool) *rendered {
	if c == nil {
		return renderSource(r, links, src, body, plain)
	}
	rec := &recorder{links: links}
	out := renderSource(r, rec, src, body, plain)
	c.put(rkey, src, out, rec.asked)
	return out
}

// plainSuffix ends the name of a plain render's file (put).
const plainSuffix = ".plain"

// put stores a render that succeeded, and lets its HTML, text and code go
// from memory. A plain one (code left to highlight: kb serve's first load)
// is rendered again highlighted soon; it goes in a file of its own that get
// never reads, so that the first load holds none of its pages' HTML and
// text while the index is built from them (the build reads the text from
// there). Those files are kept while this process runs (prune): the index
// build and the pages of the plain snapshot may read them after the
// highlighted snapshot replaced it; the next start's prune removes them.
func (c *RenderCache) put(rkey render.Options, src *source, out *rendered, asked []question) {
	if c == nil || out.unrendered != "" {
		return
	}
	name := c.file(c.key(rkey, src))
	if out.doc.Unhighlighted {
		name += plainSuffix
		c.mu.Lock()
		c.plain[name] = true
		c.mu.Unlock()
	}
	e := cacheEntry{Asked: asked, Doc: out.doc}
	if err := writeAtomically(name, encodeEntry(e)); err != nil {
		c.log.Debug("render cache: not stored", "path", src.base.Path, "err", err)
		return
	}
	d := out.doc
	out.stored = &storedDoc{file: name, html: len(d.HTML), text: len(d.Text), code: len(d.Code), digest: textDigest(d.Text, d.Code)}
	out.doc.HTML, out.doc.Text, out.doc.Code = nil, "", "" // on disk now
}

// storedDoc is where a render kept in a cache file has the parts that are
// not held in memory: its HTML, plain text and code, with their sizes (a
// file rewritten since, or damaged, is told by them) and the digest of the
// text and code, which the search index compares without reading them.
type storedDoc struct {
	file             string
	html, text, code int
	digest           string
}

// textDigest digests the plain text and code of a document.
func textDigest(text, code string) string {
	h := sha256.New()
	h.Write([]byte(text))
	h.Write([]byte{0})
	h.Write([]byte(code))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// missingHTML stands for a page whose cache file went away while kb runs
// (someone cleared --data/render): the next load renders it again.
const missingHTML = `<p class="kb-unrendered">This page's rendered copy was removed from kb's data folder (render/); it is rendered again when the file changes or kb restarts.</p>`

func (h *storedDoc) loadHTML() []byte {
	if e, err := h.load(withHTML); err == nil && len(e.Doc.HTML) == h.html {
		return e.Doc.HTML
	}
	return []byte(missingHTML)
}

// ErrTextGone is returned by Article.Text when the render cache no longer
// has the article's text: its file was removed or rewritten while kb runs.
var ErrTextGone = errors.New("the render cache no longer has the text")

func (h *storedDoc) loadText() (text, code string, err error) {
	e, err := h.load(withText)
	if err == nil && (len(e.Doc.Text) != h.text || len(e.Doc.Code) != h.code) {
		err = ErrTextGone
	}
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", h.file, err)
	}
	return e.Doc.Text, e.Doc.Code, nil
}

func (h *storedDoc) load(with parts) (cacheEntry, error) {
	b, err := os.ReadFile(h.file)
	if errors.Is(err, os.ErrNotExist) {
		return cacheEntry{}, ErrTextGone
	}
	if err != nil {
		return cacheEntry{}, err
	}
	return decodeEntry(b, with)
}

func writeAtomically(name string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func (c *RenderCache) wrotePlain(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.plain[name]
}

// prune removes the files of the cache that keep does not name, but for
// the plain renders this process wrote (put), and
// returns how many went.
func (c *RenderCache) prune(keep map[string]bool) (int, error) {
	removed := 0
	err := filepath.WalkDir(c.dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || keep[p] || p == c.fm.file || c.wrotePlain(p) {
			return err
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		removed++
		return nil
	})
	return removed, err
}
