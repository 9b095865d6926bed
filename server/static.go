package server

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/content"
)

// static serves GET /static/*: the theme's files from memory. A
// content-hashed name ("app.1a2b3c4d5e.css", what templates link) is cached
// for a year; the plain name ("app.css") is revalidated on every use.
func (s *Server) static(c *echo.Context) error {
	name := strings.TrimPrefix(c.Request().URL.Path, "/static/")
	a, hashed, ok := s.theme.Asset(name)
	if !ok {
		return content.ErrNotFound
	}
	cache := s.hdr.noCache
	if hashed {
		cache = s.hdr.immutable
	}
	gz, gzETag := a.Compressed()
	b := &blob{
		body: a.Body, gz: gz, contentType: []string{a.ContentType}, cacheControl: cache,
		etag: []string{a.ETag}, length: []string{strconv.Itoa(len(a.Body))},
	}
	if gz != nil {
		b.gzETag, b.gzLength = []string{gzETag}, []string{strconv.Itoa(len(gz))}
	}
	return s.serveBlob(c, b)
}
