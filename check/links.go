package check

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode"

	"kb/content"
	"kb/render"
)

// links checks what render could not: anchors in other articles, and
// whether the images an article shows are images. Broken links and anchors
// within one article come from render's warnings.
func (c *checker) links(a *content.Article) {
	for _, l := range a.Doc.Links {
		if l.Broken {
			continue
		}
		switch {
		case l.Kind == render.LinkArticle && l.Anchor != "" && l.Target != "":
			c.anchor(a, l)
		case l.Kind == render.LinkAttachment && l.Image && l.Target != "":
			if problem := c.image(l.Target); problem != "" {
				c.add(Finding{Path: a.Path, Line: a.FileLine(l.Line), Level: Error, Kind: KindBrokenImage,
					Message: fmt.Sprintf("broken image %q: %s", l.Dest, problem)})
			}
		}
	}
}

// anchor reports a link to a heading that the linked article does not have.
func (c *checker) anchor(a *content.Article, l render.Link) {
	u, ok := c.snap.Article(l.Target)
	if !ok {
		return
	}
	target, ok := c.snap.ByURL(u)
	if !ok || target.Unrendered != "" {
		return
	}
	frag := l.Anchor
	if d, err := url.PathUnescape(frag); err == nil {
		frag = d
	}
	if strings.EqualFold(frag, "top") || hasHeading(target, frag) || isTitle(target, frag) {
		return
	}
	if ids := c.anchors(target); ids[frag] || ids[render.DefaultIDPrefix+frag] {
		return
	}
	c.add(Finding{Path: a.Path, Line: a.FileLine(l.Line), Level: Error, Kind: KindBrokenAnchor,
		Message: fmt.Sprintf("broken link %q: %s has no heading #%s", l.Dest, target.Path, strings.TrimPrefix(frag, render.DefaultIDPrefix))})
}

// idRE finds the ids in rendered HTML: headings, footnotes and, with
// unsafe_html, the author's own.
var idRE = regexp.MustCompile(`\sid="([^"]*)"`)

// hasHeading reports whether a has a heading with id frag, with or without
// kb's id prefix.
func hasHeading(a *content.Article, frag string) bool {
	for _, h := range a.Doc.Headings {
		if h.ID == frag || h.ID == render.DefaultIDPrefix+frag {
			return true
		}
	}
	return false
}

// anchors returns every id of a's HTML (footnotes, and the author's own
// with unsafe_html), for links to something other than a heading.
func (c *checker) anchors(a *content.Article) map[string]bool {
	if ids, ok := c.ids[a.Path]; ok {
		return ids
	}
	ids := map[string]bool{}
	for _, m := range idRE.FindAllSubmatch(a.HTML(), -1) {
		ids[htmlUnescape(string(m[1]))] = true
	}
	if c.ids == nil {
		c.ids = map[string]map[string]bool{}
	}
	c.ids[a.Path] = ids
	return ids
}

func htmlUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&#34;", `"`).Replace(s)
}

// imageTypes are the content types a browser shows in an <img>, by extension.
var imageTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".webp": "image/webp", ".ico": "image/x-icon", ".bmp": "image/bmp", ".svg": "image/svg+xml",
	".avif": "image/avif",
}

// image returns what is wrong with the attachment at p as an image, "" if
// nothing: empty, not an image format, or content that does not match its
// extension (often a Git LFS pointer committed instead of the file).
func (c *checker) image(p string) string {
	if problem, ok := c.images[p]; ok {
		return problem
	}
	problem := c.sniff(p)
	if c.images == nil {
		c.images = map[string]string{}
	}
	c.images[p] = problem
	return problem
}

func (c *checker) sniff(p string) string {
	want, known := imageTypes[strings.ToLower(path.Ext(p))]
	if !known {
		return fmt.Sprintf("%s is not an image format browsers show (use PNG, JPEG, GIF, WebP or SVG)", path.Ext(p))
	}
	f, size, err := c.snap.Open(p)
	if err != nil {
		return fmt.Sprintf("cannot read %s: %v", p, err)
	}
	defer f.Close()
	head, err := io.ReadAll(io.LimitReader(f, 512))
	if err != nil {
		return fmt.Sprintf("cannot read %s: %v", p, err)
	}
	switch {
	case size == 0:
		return p + " is empty"
	case bytes.HasPrefix(head, []byte("version https://git-lfs")):
		return p + " is a Git LFS pointer, not the image: fetch it with git lfs pull, or commit the file itself"
	case want == "image/svg+xml":
		if !bytes.Contains(bytes.ToLower(head), []byte("<svg")) && !bytes.HasPrefix(bytes.TrimSpace(head), []byte("<?xml")) {
			return p + " is not an SVG file"
		}
	case want == "image/avif" || want == "image/x-icon" || want == "image/bmp":
		// Not all sniffed by net/http; trust the extension.
	default:
		if got := http.DetectContentType(head); got != want {
			return fmt.Sprintf("%s is not a %s file (its content looks like %s)", p, strings.ToUpper(strings.TrimPrefix(path.Ext(p), ".")), got)
		}
	}
	return ""
}

// reservedFolders reports top-level files and folders whose URLs kb's own
// routes take, and which content does not report because they hold no
// articles: the attachments in them are never served.
func (c *checker) reservedFolders() {
	if c.opts.Files == nil {
		return
	}
	entries, err := fs.ReadDir(c.opts.Files, ".")
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !content.IsReserved("/"+name) || strings.EqualFold(path.Ext(name), ".md") {
			continue
		}
		if !e.IsDir() {
			c.add(Finding{Path: name, Level: Error, Kind: KindReserved,
				Message: fmt.Sprintf("/%s is one of kb's own routes, so this file is never served; rename it", name)})
			continue
		}
		n := 0
		err := fs.WalkDir(c.opts.Files, name, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && c.snap.Attachment(p) {
				n++
			}
			return nil // an unreadable folder is content's warning already
		})
		if err == nil && n > 0 {
			c.add(Finding{Path: name + "/", Level: Error, Kind: KindReserved,
				Message: fmt.Sprintf("/%s is one of kb's own routes, so the %d files in this folder are never served; rename the folder", name, n)})
		}
	}
}

// isTitle reports whether frag names the H1 that opens a: kb shows it as the
// page title, so a link to it lands at the top of the page, as intended.
func isTitle(a *content.Article, frag string) bool {
	f := foldAnchor(strings.TrimPrefix(frag, render.DefaultIDPrefix))
	return f != "" && f == foldAnchor(a.Doc.Title)
}

// foldAnchor keeps the letters and digits of s, lower-cased, which is what
// heading ids of every Markdown tool agree on.
func foldAnchor(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}
