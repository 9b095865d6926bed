package server

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v5"

	"kb/content"
)

// errBadPath answers a request path no file can have.
var errBadPath = echo.NewHTTPError(http.StatusBadRequest, "The path has control characters; no page has such a name.")

// contentPath checks the URL path of a content request and returns it
// unescaped ("/runbooks/disk full"). A path with one or more trailing slashes
// returns the path to redirect to instead. Anything that could name a file
// outside the content, a hidden file or the same file twice (dot segments,
// empty segments, backslashes, escaped slashes) is not found; control
// characters are a bad request. Nothing is read to decide.
func contentPath(u *url.URL) (p, redirect string, err error) {
	p = u.Path
	switch {
	case p == "" || p[0] != '/':
		return "", "", errBadPath
	case strings.IndexFunc(p, unicode.IsControl) >= 0:
		return "", "", errBadPath
	case !utf8.ValidString(p), strings.ContainsRune(p, '\\'):
		return "", "", content.ErrNotFound
	}
	if raw := strings.ToLower(u.RawPath); strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") {
		return "", "", content.ErrNotFound // an escaped slash is never part of a file name
	}
	trimmed := strings.TrimRight(p, "/")
	if trimmed == "" {
		if p == "/" {
			return p, "", nil
		}
		return "", "", content.ErrNotFound // "//", "///"
	}
	for seg := range strings.SplitSeq(trimmed[1:], "/") {
		if seg == "" || seg[0] == '.' { // "", ".", "..", ".git", ".env"
			return "", "", content.ErrNotFound
		}
	}
	if trimmed != p {
		return "", trimmed, nil
	}
	return p, "", nil
}

// localURL returns the escaped form of the site-local path p for a Location
// header, and false for anything a browser could read as another host
// ("//host", "/\host") or that is not a path at all.
func localURL(p string) (string, bool) {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\") ||
		strings.IndexFunc(p, unicode.IsControl) >= 0 {
		return "", false
	}
	u := href(p)
	if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") || strings.HasPrefix(u, "/\\") {
		return "", false
	}
	return u, true
}

// redirect answers 301 to the site-local path target. Redirects are
// revalidated rather than cached forever, since an article may move again.
func (s *Server) redirect(c *echo.Context, target string) error {
	loc, ok := localURL(target)
	if !ok {
		s.log.Warn("refused a redirect that leaves the site", "path", c.Request().URL.Path, "target", target)
		return content.ErrNotFound
	}
	if q := c.Request().URL.Query(); len(q) > 0 && !strings.Contains(loc, "?") {
		mode := ""
		if q.Get("mode") == modeIncident {
			mode = modeIncident
		}
		if qs := labelQuery(alertLabels(q), mode); qs != "" {
			loc += "?" + qs // alert labels survive a renamed or mis-cased runbook URL
		}
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noCache
	return c.Redirect(http.StatusMovedPermanently, loc)
}
