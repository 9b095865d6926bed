package server

import (
	"bytes"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/themes"
)

// home serves GET /: the search box, runbooks by service, articles by
// folder, recently updated pages and tags.
func (s *Server) home(c *echo.Context) error {
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	return s.servePage(c, snap, "home", themes.PageHome, func() any { return s.homeView(snap) })
}

// navFolder serves GET /_nav?path=dir: the entries of one folder of the
// navigation tree, an HTML fragment that app.js puts into a folder the reader
// opens; the tree on each page holds only the branch down to that page.
func (s *Server) navFolder(c *echo.Context) error {
	dir := strings.Trim(c.QueryParam("path"), "/")
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	f, ok := snap.Folder(dir)
	if !ok {
		return content.ErrNotFound
	}
	return s.servePage(c, snap, navKey{dir: f.Path}, themes.PageNav, func() any { return navFragmentFor(snap, f) })
}

// tags serves GET /tags: every tag, most used first.
func (s *Server) tags(c *echo.Context) error { return s.terms(c, "tags") }

// services serves GET /services: every service, by name.
func (s *Server) services(c *echo.Context) error { return s.terms(c, "services") }

func (s *Server) terms(c *echo.Context, kind string) error {
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	return s.servePage(c, snap, kind, themes.PageTerms, func() any { return s.termsView(snap, kind) })
}

// tag serves GET /tags/:tag: the articles tagged so.
func (s *Server) tag(c *echo.Context) error {
	return s.list(c, "tags", (*content.Snapshot).Tagged)
}

// service serves GET /services/:name: the articles of a service.
func (s *Server) service(c *echo.Context) error {
	return s.list(c, "services", (*content.Snapshot).InService)
}

func (s *Server) list(c *echo.Context, kind string, find func(*content.Snapshot, string) []*content.Article) error {
	// The name comes from the unescaped path rather than the route parameter,
	// which echo leaves escaped when the path has escapes.
	name := strings.TrimPrefix(c.Request().URL.Path, "/"+kind+"/")
	if name == "" {
		return s.redirect(c, "/"+kind)
	}
	if lower := strings.ToLower(name); lower != name {
		return s.redirect(c, "/"+kind+"/"+lower) // tags and services are lower-case
	}
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	as := find(snap, name)
	if len(as) == 0 {
		return content.ErrNotFound
	}
	return s.servePage(c, snap, kind+":"+name, themes.PageList, func() any { return s.listView(snap, kind, name, as) })
}

// errorPage writes the themed page for an error. A 404 suggests pages whose
// names resemble the missing path. Error pages are not cached: their paths
// come from the client.
func (s *Server) errorPage(c *echo.Context, status int, msg string) error {
	req := c.Request()
	snap, _ := s.view(c) // nil before the first load; suggestions name only what the reader may read
	p := errorPage{layout: s.layout(snap, http.StatusText(status), req.URL.Path), Status: status, Message: msg}
	p.Canonical = ""
	if status == http.StatusNotFound {
		p.Title = "Page not found"
		p.Query = clip(strings.TrimSpace(req.URL.Query().Get("q")))
		if p.Query == "" {
			p.Query = clip(wordsOf(req.URL.Path))
		}
		if snap != nil {
			p.Similar = toItems(snap.Similar(clip(req.URL.Path)+" "+p.Query, 5))
		}
	}
	var buf bytes.Buffer
	if err := s.theme.Render(&buf, themes.PageError, p); err != nil {
		s.log.Error("error page cannot be rendered; check the theme", "err", err)
		return c.String(status, msg)
	}
	return s.send(c, status, "text/html; charset=utf-8", buf.Bytes())
}

// wordsOf turns a missing path into search words, each once:
// "/runbooks/etcd/etcd-no-leader" → "etcd no leader".
func wordsOf(p string) string {
	p = strings.TrimSuffix(strings.Trim(p, "/"), ".md")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[i+1:] // the top folder ("runbooks") says little
	}
	var words []string
	for _, w := range strings.FieldsFunc(p, func(r rune) bool {
		return r == '/' || r == '-' || r == '_' || r == '.' || r == ' '
	}) {
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// maxEcho bounds what a client's path or query contributes to an error page
// and to the similarity search behind it, which is linear in its words.
const maxEcho = 200

// clip cuts s to at most maxEcho bytes, dropping a character cut in half.
func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	return strings.ToValidUTF8(s[:maxEcho], "")
}
