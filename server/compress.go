package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v5"
)

// minCompress is the smallest body worth compressing; below it gzip's
// header outweighs the saving.
const minCompress = 1024

// send writes body with status, gzip-compressed when the client accepts it
// and it is large enough: for the pages and documents rendered per request
// (search, reports, history, sitemaps), which the page cache does not hold.
func (s *Server) send(c *echo.Context, status int, contentType string, body []byte) error {
	h := c.Response().Header()
	h.Add("Vary", "Accept-Encoding")
	h.Set("Content-Type", contentType)
	if len(body) >= minCompress && acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		var buf bytes.Buffer
		buf.Grow(len(body) / 4)
		zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // per request: speed over the last few percent
		if err == nil {
			_, err = zw.Write(body)
		}
		if err == nil {
			err = zw.Close()
		}
		if err != nil {
			return fmt.Errorf("compress response: %w", err)
		}
		h["Content-Encoding"] = s.hdr.gzip
		body = buf.Bytes()
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Response().WriteHeader(status)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(body)
	if err != nil {
		s.log.Debug("response not fully written", "err", err, "path", c.Request().URL.Path)
	}
	return nil
}

// sendJSON writes v as JSON through send.
func (s *Server) sendJSON(c *echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %T: %w", v, err)
	}
	return s.send(c, status, "application/json", append(b, '\n'))
}
