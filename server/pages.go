package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v5"

	"kb/content"
)

// pageSet holds the rendered pages of one snapshot. Pages are rendered on
// first request and kept until the library publishes a new snapshot, up to
// maxPageBytes: the keys come only from the snapshot (article paths,
// folders, tags, services), but a crawl of 50,000 articles would otherwise
// keep every page and its gzip form in memory.
type pageSet struct {
	snap    *content.Snapshot
	seenAt  time.Time // when this server first saw snap
	pages   pageCache
	flights sync.Map // flightKey → *flight: pages being rendered now
}

// maxPageBytes bounds the bytes of one snapshot's cached pages. Past it the
// cache starts empty again: the pages asked for often come back at once,
// the rest of a crawl goes.
const maxPageBytes = 128 << 20

// pageCache maps a page key to its *blob, within maxPageBytes.
type pageCache struct {
	m     atomic.Pointer[sync.Map]
	bytes atomic.Int64
}

func (c *pageCache) current() *sync.Map {
	if m := c.m.Load(); m != nil {
		return m
	}
	c.m.CompareAndSwap(nil, &sync.Map{})
	return c.m.Load()
}

// Load returns the page under key.
func (c *pageCache) Load(key any) (any, bool) { return c.current().Load(key) }

// room accounts for b and returns the map to store it in, a new one when
// the last is full.
func (c *pageCache) room(b *blob) *sync.Map {
	m := c.current()
	n := int64(len(b.body) + len(b.gz))
	if c.bytes.Add(n) > maxPageBytes && c.m.CompareAndSwap(m, &sync.Map{}) {
		c.bytes.Store(n)
	}
	return c.current()
}

// Store keeps b under key.
func (c *pageCache) Store(key any, b *blob) { c.room(b).Store(key, b) }

// LoadOrStore returns the page under key, storing b when there is none.
func (c *pageCache) LoadOrStore(key any, b *blob) (any, bool) {
	if got, ok := c.current().Load(key); ok {
		return got, true
	}
	return c.room(b).LoadOrStore(key, b)
}

// flightKey names one rendering of a page: its cache key and, for article
// pages, the version of the links it shows.
type flightKey struct {
	key     any
	version uint64
}

// flight is one rendering that concurrent requests for the same page wait for.
type flight struct {
	done chan struct{}
	b    *blob
	err  error
}

// renderOnce returns what build makes for key, building it once however
// many requests ask at the same time (a crawl or a reload under load would
// otherwise render the same page once per request), and never more than
// renderSlots pages at a time on the whole server.
func (s *Server) renderOnce(ctx context.Context, ps *pageSet, key flightKey, build func() (*blob, error)) (*blob, error) {
	for {
		f := &flight{done: make(chan struct{})}
		if prev, loaded := ps.flights.LoadOrStore(key, f); loaded {
			f = prev.(*flight)
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if errors.Is(f.err, errLeaderGone) {
				continue // the request rendering it went away first: render it here
			}
			return f.b, f.err
		}
		return s.lead(ctx, ps, key, f, build)
	}
}

// errLeaderGone ends a flight whose request ended before it could render.
var errLeaderGone = errors.New("the rendering request ended")

// lead renders the page of flight f, under one of the server's render slots.
func (s *Server) lead(ctx context.Context, ps *pageSet, key flightKey, f *flight, build func() (*blob, error)) (*blob, error) {
	defer func() {
		ps.flights.Delete(key)
		close(f.done)
	}()
	select {
	case s.renderSlots <- struct{}{}:
		defer func() { <-s.renderSlots }()
	case <-ctx.Done():
		f.err = errLeaderGone
		return nil, ctx.Err()
	}
	f.b, f.err = build()
	return f.b, f.err
}

// pagesFor returns the page set of snap, starting a new one when the library
// has published a new snapshot since the last request.
func (s *Server) pagesFor(snap *content.Snapshot) *pageSet {
	for {
		ps := s.pages.Load()
		if ps != nil && ps.snap == snap {
			return ps
		}
		cur := s.lib.Snapshot()
		if cur == nil {
			cur = s.lib.Early() // the first load's, while it renders
		}
		if cur != nil && cur != snap {
			// a reader's view (each has its own pages: no reader is served
			// another's), or an older snapshot a slow request still holds
			if vp := s.viewPages(snap); vp != nil {
				return vp
			}
			return &pageSet{snap: snap, seenAt: time.Now()}
		}
		next := &pageSet{snap: snap, seenAt: time.Now()}
		if s.pages.CompareAndSwap(ps, next) {
			return next
		}
	}
}

// cached returns the page set of snap and the page stored in it under key.
// Keys are what a page shows: an *content.Article, a *content.Folder, or a
// string for the other pages. Pointers as keys keep a cache hit free of
// allocations.
func (s *Server) cached(snap *content.Snapshot, key any) (*pageSet, *blob) {
	ps := s.pagesFor(snap)
	if b, ok := ps.pages.Load(key); ok {
		return ps, b.(*blob)
	}
	return ps, nil
}

// servePage serves the page under key, rendering it with view on first use.
func (s *Server) servePage(c *echo.Context, snap *content.Snapshot, key any, page string, view func() any) error {
	ps, b := s.cached(snap, key)
	if b == nil {
		var err error
		b, err = s.renderOnce(c.Request().Context(), ps, flightKey{key: key}, func() (*blob, error) {
			b, err := s.renderBlob(page, view())
			if err != nil {
				return nil, err
			}
			got, _ := ps.pages.LoadOrStore(key, b)
			return got.(*blob), nil
		})
		if err != nil {
			return err
		}
	}
	return s.serveBlob(c, b)
}

// blob is a response body kept in memory with its gzip form and validators.
// Header values are stored as http.Header holds them, shared and never modified.
type blob struct {
	body, gz         []byte
	contentType      []string
	cacheControl     []string
	etag, gzETag     []string
	length, gzLength []string

	linkVersion uint64 // of an article page: the version of its links it shows (see linkVersions)
}

func newBlob(body []byte, contentType, cacheControl []string, gz *gzipPool) *blob {
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:12])
	b := &blob{
		body:         body,
		contentType:  contentType,
		cacheControl: cacheControl,
		etag:         []string{`"` + tag + `"`},
		length:       []string{strconv.Itoa(len(body))},
	}
	if gz := gz.compress(body); gz != nil && len(gz) < len(body) {
		b.gz = gz
		b.gzETag = []string{`"` + tag + `-gzip"`}
		b.gzLength = []string{strconv.Itoa(len(gz))}
	}
	return b
}

// gzipPool keeps gzip writers for newBlob: a new one allocates its ~1 MB
// of compressor state, which every page rendered after an edit paid.
type gzipPool struct{ p sync.Pool }

// compress returns data gzip-compressed, nil when it cannot be.
func (g *gzipPool) compress(data []byte) []byte {
	var buf bytes.Buffer
	zw, _ := g.p.Get().(*gzip.Writer)
	if zw == nil {
		zw = gzip.NewWriter(&buf)
	} else {
		zw.Reset(&buf)
	}
	defer g.p.Put(zw)
	if _, err := zw.Write(data); err != nil {
		return nil // a bytes.Buffer never fails; nil means "send it uncompressed"
	}
	if err := zw.Close(); err != nil {
		return nil
	}
	return buf.Bytes()
}

// serveBlob writes b with status 200, gzip-compressed when the client accepts
// it, or 304 when the client's If-None-Match names it.
func (s *Server) serveBlob(c *echo.Context, b *blob) error {
	req, w := c.Request(), c.Response()
	h := w.Header()
	h["Vary"] = s.hdr.varyAE
	h["Cache-Control"] = s.cacheControl(b.cacheControl)
	body, etag, length := b.body, b.etag, b.length
	if b.gz != nil && acceptsGzip(req.Header.Get("Accept-Encoding")) {
		body, etag, length = b.gz, b.gzETag, b.gzLength
		h["Content-Encoding"] = s.hdr.gzip
	}
	h["Etag"] = etag
	if inm := req.Header.Get("If-None-Match"); inm != "" &&
		(etagMatch(inm, b.etag[0]) || b.gz != nil && etagMatch(inm, b.gzETag[0])) {
		delete(h, "Content-Encoding")
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h["Content-Type"] = b.contentType
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	if err != nil {
		s.log.Debug("response not fully written", "err", err, "path", req.URL.Path)
	}
	return nil
}

// acceptsGzip reports whether an Accept-Encoding header value allows gzip:
// "gzip" or "*" with a q-value above zero, gzip's own entry deciding.
func acceptsGzip(ae string) bool {
	gz, star := -1.0, -1.0
	for ae != "" {
		var part string
		part, ae, _ = strings.Cut(ae, ",")
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		q := 1.0
		for params != "" {
			var p string
			p, params, _ = strings.Cut(params, ";")
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 {
					f = 0
				}
				q = f
			}
		}
		switch {
		case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
			gz = max(gz, q)
		case name == "*":
			star = max(star, q)
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

// etagMatch reports whether an If-None-Match header value names etag, with
// the weak comparison RFC 9110 prescribes for If-None-Match.
func etagMatch(header, etag string) bool {
	for header != "" {
		var t string
		t, header, _ = strings.Cut(header, ",")
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
