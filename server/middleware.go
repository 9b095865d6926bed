package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
)

// The Content-Security-Policy of kb's pages: scripts and styles only from kb
// itself, no inline code or styles, no framing, forms only to kb.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// attachmentCSP sandboxes files from the content folder: an SVG or HTML file
// opened directly runs no script and reaches nothing.
const attachmentCSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// headerValues holds header values as the []string that http.Header stores,
// built once so that a response assigns them without allocating. They are
// shared and must never be modified.
type headerValues struct {
	csp, attachmentCSP, nosniff, referrer, frame, permissions, coop []string
	noStore, noCache, immutable, varyAE, gzip, html, text, json     []string
	noindex                                                         []string
	private                                                         []string
}

func newHeaderValues() headerValues {
	v := func(s string) []string { return []string{s} }
	return headerValues{
		csp:           v(pageCSP),
		attachmentCSP: v(attachmentCSP),
		nosniff:       v("nosniff"),
		referrer:      v("same-origin"),
		frame:         v("DENY"),
		permissions:   v("camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=()"),
		coop:          v("same-origin"),
		noStore:       v("no-store"),
		noCache:       v("no-cache"),
		immutable:     v("public, max-age=31536000, immutable"),
		varyAE:        v("Accept-Encoding"),
		gzip:          v("gzip"),
		html:          v("text/html; charset=utf-8"),
		text:          v("text/plain; charset=utf-8"),
		json:          v("application/json"),
		noindex:       v("noindex"),
		private:       v("private, no-cache"),
	}
}

// setSecurityHeaders sets the headers every response carries. Keys are in
// canonical form, as http.Header.Set would write them.
func (s *Server) setSecurityHeaders(h http.Header) {
	h["Content-Security-Policy"] = s.hdr.csp
	h["X-Content-Type-Options"] = s.hdr.nosniff
	h["Referrer-Policy"] = s.hdr.referrer
	h["X-Frame-Options"] = s.hdr.frame
	h["Permissions-Policy"] = s.hdr.permissions
	h["Cross-Origin-Opener-Policy"] = s.hdr.coop
}

// observe wraps every request: security headers first, errors turned into
// responses (so that the final status is known), then metrics and the request log.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		s.setSecurityHeaders(c.Response().Header())
		if noindex(c.Request().URL.Path) {
			c.Response().Header()["X-Robots-Tag"] = s.hdr.noindex // see robots.txt
		}
		if err := next(c); err != nil {
			s.handleError(c, err)
		}
		dur := time.Since(start)
		status, size := http.StatusOK, int64(0)
		if r, err := echo.UnwrapResponse(c.Response()); err == nil {
			status, size = r.Status, r.Size
		}
		req := c.Request()
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(route, req.Method, status, dur)
		if s.log.Enabled(req.Context(), slog.LevelInfo) {
			s.logRequest(req.Context(), req, status, size, dur)
		}
		return nil
	}
}

// logRequest logs one request: the path only, never the query string, which
// may carry tokens.
func (s *Server) logRequest(ctx context.Context, req *http.Request, status int, size int64, dur time.Duration) {
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn // the cause is logged at Error by handleError
	}
	s.log.Log(ctx, level, "request", "method", req.Method, "path", req.URL.Path, "status", status, "dur", dur, "bytes", size)
}
