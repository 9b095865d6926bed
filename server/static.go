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
	b := &blob{
		body: a.Body, gz: a.Gzip, contentType: []string{a.ContentType}, cacheControl: cache,
		etag: []string{a.ETag}, length: []string{strconv.Itoa(len(a.Body))},
	}
	if a.Gzip != nil {
		b.gzETag, b.gzLength = []string{a.GzipETag}, []string{strconv.Itoa(len(a.Gzip))}
	}
	return s.serveBlob(c, b)
}
