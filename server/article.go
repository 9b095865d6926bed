package server

import (
	"strings"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/themes"
)

// content serves GET /*: an article by its URL, an attachment by its path,
// a source path ("/x.md" → 301 "/x"), an alias (→ 301), a folder listing, or
// a URL that differs only in letter case (→ 301).
func (s *Server) content(c *echo.Context) error {
	p, redirect, err := contentPath(c.Request().URL)
	if err != nil {
		return err
	}
	if redirect != "" {
		return s.redirect(c, redirect)
	}
	if content.IsReserved(p) {
		return content.ErrNotFound // kb's own names win over content
	}
	snap, err := s.pageView(c)
	if err != nil {
		return err
	}
	if a, ok := snap.ByURL(p); ok {
		return s.article(c, snap, a)
	}
	if snap.Partial() {
		return s.earlyContent(c, snap, p)
	}
	if handled, err := s.history(c, snap, p); handled {
		return err
	}
	if handled, err := s.fileOrAlias(c, snap, p); handled {
		return err
	}
	rel := p[1:]
	if f, ok := snap.Folder(rel); ok {
		return s.folder(c, snap, f)
	}
	if a, ok := snap.ByFoldedURL(p); ok {
		return s.redirect(c, a.URL)
	}
	if handled, err := s.upstreamRunbook(c, snap, p); handled {
		return err
	}
	if base := s.lib.Snapshot(); base != snap {
		if _, hidden := base.ByURL(p); hidden || base.Attachment(rel) {
			s.denied(c, p)
		}
	}
	return content.ErrNotFound
}

// fileOrAlias answers p when it names an article's file (p.md, redirected
// to the article), an attachment, or an alias; handled is false otherwise.
func (s *Server) fileOrAlias(c *echo.Context, snap *content.Snapshot, p string) (handled bool, err error) {
	rel := p[1:]
	if strings.HasSuffix(strings.ToLower(p), ".md") {
		if a, ok := snap.ByPath(rel); ok {
			return true, s.redirect(c, a.URL)
		}
		if a, ok := snap.ByURL(p[:len(p)-len(".md")]); ok {
			return true, s.redirect(c, a.URL)
		}
	}
	if snap.Attachment(rel) {
		return true, s.attachment(c, snap, rel)
	}
	if a, ok := snap.ByAlias(p); ok {
		return true, s.redirect(c, a.URL)
	}
	return false, nil
}

// earlyContent serves GET /* from an early snapshot (content.Library.Early)
// for what is not an article: an attachment, or a redirect to an article.
// Folder listings, history and everything else wait for the complete
// snapshot (503 with Retry-After), as do the pages of other routes.
func (s *Server) earlyContent(c *echo.Context, snap *content.Snapshot, p string) error {
	if handled, err := s.fileOrAlias(c, snap, p); handled {
		return err
	}
	if a, ok := snap.ByFoldedURL(p); ok {
		return s.redirect(c, a.URL)
	}
	return errNotLoaded
}

// pageView is view for the routes that serve articles, attachments and
// permalinks: before the first snapshot is published, they are served from
// the first load's early snapshot.
func (s *Server) pageView(c *echo.Context) (*content.Snapshot, error) {
	snap := s.lib.Snapshot()
	if snap == nil {
		snap = s.lib.Early()
	}
	if snap == nil {
		return nil, errNotLoaded
	}
	return s.readerView(snap, reader(c)).snap, nil
}

// article serves the page of a. An index article (runbooks/_index.md) is its
// folder's page and lists the folder too. From an early snapshot, a is
// rendered first (once, however many requests ask).
func (s *Server) article(c *echo.Context, snap *content.Snapshot, a *content.Article) error {
	if snap.Partial() {
		var err error
		if a, err = snap.Rendered(c.Request().Context(), a); err != nil {
			return err
		}
	}
	if c.Request().URL.RawQuery != "" {
		return s.articleQuery(c, snap, a) // incident view, alert labels
	}
	b, err := s.articlePageFor(c.Request().Context(), snap, a)
	if err != nil {
		return err
	}
	return s.serveBlob(c, b)
}

func (s *Server) folder(c *echo.Context, snap *content.Snapshot, f *content.Folder) error {
	return s.servePage(c, snap, f, themes.PageFolder, func() any { return s.folderView(snap, f) })
}

// permalink serves GET /a/:id: 301 to the article's current URL, which
// survives renames. An article whose URL one of kb's routes owns is served
// here, its only address.
func (s *Server) permalink(c *echo.Context) error {
	snap, err := s.pageView(c)
	if err != nil {
		return err
	}
	a, ok := snap.ByID(c.Param("id"))
	if !ok {
		if s.hiddenArticle(snap, c.Param("id")) {
			s.denied(c, c.Request().URL.Path)
		}
		return content.ErrNotFound
	}
	if content.IsReserved(a.URL) {
		return s.article(c, snap, a)
	}
	return s.redirect(c, a.URL)
}
