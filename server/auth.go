package server

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/access"
	"kb/content"
	"kb/tickets"
)

// tokenKey is where the auth middleware leaves the name of the request's token.
const tokenKey = "kb.token"

// tokenName returns the name of the token the request was authenticated
// with, "" when it had none.
func tokenName(c *echo.Context) string {
	name, _ := c.Get(tokenKey).(string)
	return name
}

// authenticate checks the request's bearer token: none or an unknown one is
// a 401, a token without the write scope writing a 403. The token is
// compared in constant time by the store and never logged; the request log
// has the path only.
func (s *Server) authenticate(c *echo.Context, write bool) error {
	store, err := s.linksAvailable() // the tokens live with the links
	if err != nil {
		return err
	}
	if wait := s.authFails.wait(c.Request()); wait > 0 {
		return tooManyFailures(c, wait)
	}
	h := c.Response().Header()
	scheme, secret, _ := strings.Cut(strings.TrimSpace(c.Request().Header.Get("Authorization")), " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		h.Set("WWW-Authenticate", `Bearer realm="kb"`)
		return echo.NewHTTPError(http.StatusUnauthorized, "This needs a token: send Authorization: Bearer <token> (kb token create NAME makes one).")
	}
	tok, err := store.Authenticate(c.Request().Context(), secret)
	switch {
	case errors.Is(err, tickets.ErrUnauthorized):
		s.authFails.failed(c.Request())
		h.Set("WWW-Authenticate", `Bearer realm="kb", error="invalid_token"`)
		return echo.NewHTTPError(http.StatusUnauthorized, "The token is unknown or revoked (kb token list shows the tokens).")
	case err != nil:
		return s.storeError(err)
	case write && !tok.CanWrite():
		c.Set(tokenKey, tok.Name)
		s.firstUse(c, tok) // the token is valid, only not for this
		h.Set("WWW-Authenticate", `Bearer realm="kb", error="insufficient_scope", scope="`+string(tickets.ScopeWrite)+`"`)
		return echo.NewHTTPError(http.StatusForbidden, "The token "+tok.Name+" may only read; writing needs a token with the links:write scope.")
	}
	c.Set(tokenKey, tok.Name)
	s.firstUse(c, tok)
	if reader(c).Anonymous() {
		c.Set(readerKey, access.Reader{User: "token:" + tok.Name, Unlimited: true, Paths: tok.ReadPaths})
	}
	return nil
}

// requireWrite lets a request through with a links:write token only.
func (s *Server) requireWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if err := s.authenticate(c, true); err != nil {
			return err
		}
		return next(c)
	}
}

// apiGate wraps every request: under /api/ it answers CORS preflights and
// sets the CORS headers of GET requests from the origins kb.yaml allows
// (embed_origins), and it requires a token for reads where configured. The
// webhooks under /api/v1/hooks/ authenticate with their own secrets, and the
// live-reload stream of open pages (/api/v1/events) tells no more than the
// pages, which stay open.
func (s *Server) apiGate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		req := c.Request()
		read := req.Method == http.MethodGet || req.Method == http.MethodHead
		if !strings.HasPrefix(req.URL.Path, "/api/") {
			// A tool may read pages with its token too, where kb.yaml
			// restricts reading; its read paths limit what it sees.
			if read && s.accessOn() && req.Header.Get("Authorization") != "" {
				if err := s.authenticate(c, false); err != nil {
					return err
				}
			}
			return next(c)
		}
		if strings.HasPrefix(req.URL.Path, "/api/v1/") {
			if req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != "" {
				return s.preflight(c)
			}
			if read {
				s.allowOrigin(c)
			}
		}
		// Where kb.yaml restricts reading, a token sent on a read is checked
		// too: it is how tools read what anonymous visitors may not.
		tokenSent := req.Header.Get("Authorization") != "" && s.accessOn()
		if read && !strings.HasPrefix(req.URL.Path, "/api/v1/hooks/") && (s.apiReadToken && !pagesRead(req.URL.Path) || tokenSent) {
			if err := s.authenticate(c, false); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// pagesRead reports whether path is an API read that kb's own pages make
// (search as you type, live reload). It shows nothing the public pages do not
// (/search), so it needs no read token, which a page could not send anyway.
func pagesRead(path string) bool {
	switch path {
	case "/api/v1/search", "/api/v1/suggest", "/api/v1/events":
		return true
	}
	return false
}

// allowedOrigin reports whether a browser page on origin may read the API
// and frame /embed/: kb.yaml embed_origins lists them.
func allowedOrigin(snap *content.Snapshot, origin string) bool {
	if snap == nil || origin == "" {
		return false
	}
	return slices.ContainsFunc(snap.Site.EmbedOrigins, func(o string) bool {
		return strings.EqualFold(strings.TrimSuffix(strings.TrimSpace(o), "/"), origin)
	})
}

// allowOrigin sets the CORS headers of a GET from an allowed origin.
func (s *Server) allowOrigin(c *echo.Context) {
	h := c.Response().Header()
	h.Add("Vary", "Origin")
	if origin := c.Request().Header.Get("Origin"); allowedOrigin(s.lib.Snapshot(), origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", "Etag, Link")
	}
}

// preflight answers a CORS preflight for the read API: GET and HEAD, with an
// Authorization header for a read token. Writes are for servers, not pages.
func (s *Server) preflight(c *echo.Context) error {
	req, h := c.Request(), c.Response().Header()
	h.Add("Vary", "Origin")
	method := req.Header.Get("Access-Control-Request-Method")
	if !allowedOrigin(s.lib.Snapshot(), req.Header.Get("Origin")) || (method != http.MethodGet && method != http.MethodHead) {
		return c.NoContent(http.StatusNoContent) // without the Allow headers, the browser refuses
	}
	h.Set("Access-Control-Allow-Origin", req.Header.Get("Origin"))
	h.Set("Access-Control-Allow-Methods", "GET, HEAD")
	h.Set("Access-Control-Allow-Headers", "Authorization")
	h.Set("Access-Control-Max-Age", "600")
	return c.NoContent(http.StatusNoContent)
}
