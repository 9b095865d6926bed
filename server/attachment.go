package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/content"
)

// maxStream bounds an attachment copied from a file that cannot seek; a
// seekable file (every file of a folder) is served with ranges and no limit.
const maxStream = 64 << 20

// attachment serves the file at root-relative path rel, read only through
// Snapshot.Open, which opens nothing but the files listed at load time and
// nothing outside the root. Types a browser could execute (HTML, SVG, XML,
// scripts) are sent as downloads; every attachment carries a sandboxing CSP,
// so even a file opened directly runs nothing. <img src="x.svg"> still works.
func (s *Server) attachment(c *echo.Context, snap *content.Snapshot, rel string) error {
	f, _, err := snap.Open(rel)
	if err != nil {
		if !errors.Is(err, content.ErrNotFound) {
			// A symbolic link out of the root, a file removed since the load:
			// a problem of the content, not of kb.
			s.log.Warn("attachment cannot be opened", "path", rel, "err", err)
		}
		return content.ErrNotFound
	}
	defer func() {
		if err := f.Close(); err != nil {
			s.log.Debug("attachment not closed", "path", rel, "err", err) // read-only: nothing is lost
		}
	}()
	info, err := f.Stat()
	if err != nil {
		s.log.Warn("attachment cannot be read", "path", rel, "err", err)
		return content.ErrNotFound
	}
	if !info.Mode().IsRegular() {
		return content.ErrNotFound
	}

	name := path.Base(rel)
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h := c.Response().Header()
	h.Set("Content-Type", ctype)
	h["Content-Security-Policy"] = s.hdr.attachmentCSP
	h["Cache-Control"] = s.cacheControl(s.hdr.noCache)
	if !inlineSafe(ctype) {
		disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
		if disp == "" {
			disp = "attachment"
		}
		h.Set("Content-Disposition", disp)
	}

	if rs, ok := f.(io.ReadSeeker); ok {
		http.ServeContent(c.Response(), c.Request(), name, info.ModTime(), rs)
		return nil
	}
	if info.Size() > maxStream {
		return fmt.Errorf("attachment %s: %d bytes from a file that cannot seek; the limit is %d", rel, info.Size(), maxStream)
	}
	h.Set("Content-Length", strconv.FormatInt(info.Size(), 10))
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	if _, err := io.CopyN(c.Response(), f, info.Size()); err != nil {
		s.log.Warn("attachment not fully sent", "path", rel, "err", err)
	}
	return nil
}

// inlineSafe reports whether a browser may show a file of media type ct in
// the page rather than download it: types that cannot run script.
func inlineSafe(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	switch strings.TrimSpace(strings.ToLower(mt)) {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp", "image/vnd.microsoft.icon", "image/x-icon",
		"text/plain", "text/csv", "application/pdf", "application/json",
		"video/mp4", "video/webm", "audio/mpeg", "audio/ogg", "audio/wav", "audio/webm":
		return true
	}
	return false
}
