package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gunzip(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader([]byte(s)))
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	return string(b)
}

func TestETagAndGzip(t *testing.T) {
	site := newTestSite(t)
	for _, p := range []string{"/", "/runbooks/etcd/no-leader", "/tags", "/runbooks/etcd"} {
		t.Run(p, func(t *testing.T) {
			plain := site.get(t, p)
			require.Equal(t, 200, plain.status)
			etag := plain.header.Get("Etag")
			assert.Regexp(t, `^"[0-9a-f]{24}"$`, etag, "a strong validator")
			assert.Equal(t, "Accept-Encoding", plain.header.Get("Vary"))
			assert.Equal(t, "no-cache", plain.header.Get("Cache-Control"))
			assert.Empty(t, plain.header.Get("Content-Encoding"))

			again := site.get(t, p)
			assert.Equal(t, etag, again.header.Get("Etag"), "rendered once per snapshot")
			assert.Equal(t, plain.body, again.body)

			nm := site.get(t, p, "If-None-Match", etag)
			assert.Equal(t, http.StatusNotModified, nm.status)
			assert.Empty(t, nm.body)
			assert.Equal(t, etag, nm.header.Get("Etag"))
			assert.Equal(t, http.StatusNotModified, site.get(t, p, "If-None-Match", `"other", W/`+etag).status)
			assert.Equal(t, http.StatusNotModified, site.get(t, p, "If-None-Match", "*").status)
			assert.Equal(t, 200, site.get(t, p, "If-None-Match", `"other"`).status)

			gz := site.get(t, p, "Accept-Encoding", "br;q=1, gzip;q=0.8")
			assert.Equal(t, 200, gz.status)
			assert.Equal(t, "gzip", gz.header.Get("Content-Encoding"))
			assert.Equal(t, "Accept-Encoding", gz.header.Get("Vary"))
			assert.NotEqual(t, etag, gz.header.Get("Etag"), "each representation has its own validator")
			assert.Less(t, len(gz.body), len(plain.body))
			assert.Equal(t, plain.body, gunzip(t, gz.body))
			assert.Equal(t, http.StatusNotModified, site.get(t, p, "Accept-Encoding", "gzip", "If-None-Match", gz.header.Get("Etag")).status)

			refused := site.get(t, p, "Accept-Encoding", "gzip;q=0, *")
			assert.Empty(t, refused.header.Get("Content-Encoding"))
			assert.Equal(t, plain.body, refused.body)
		})
	}
}

func TestStaticAssets(t *testing.T) {
	site := newTestSite(t)
	home := site.get(t, "/")
	for _, name := range []string{"app.css", "app.js", "theme.js", "favicon.svg", "chroma-light.css", "chroma-dark.css"} {
		u, ok := site.srv.theme.URL(name)
		require.True(t, ok, name)
		assert.Contains(t, home.body, `"`+u+`"`, "the page links the hashed URL of %s", name)
		res := site.get(t, u)
		require.Equal(t, 200, res.status, u)
		assert.Equal(t, "public, max-age=31536000, immutable", res.header.Get("Cache-Control"))
		assert.NotEmpty(t, res.header.Get("Etag"))
		assert.Equal(t, http.StatusNotModified, site.get(t, u, "If-None-Match", res.header.Get("Etag")).status)
		gz := site.get(t, u, "Accept-Encoding", "gzip")
		if gz.header.Get("Content-Encoding") == "gzip" {
			assert.Equal(t, res.body, gunzip(t, gz.body))
		}
	}
	assert.Contains(t, site.get(t, "/static/app.js").header.Get("Content-Type"), "javascript")

	light, dark := site.get(t, "/static/chroma-light.css").body, site.get(t, "/static/chroma-dark.css").body
	assert.Contains(t, light, `:root[data-theme="light"] .chroma`)
	assert.Contains(t, light, "@media (prefers-color-scheme: light)")
	assert.Contains(t, dark, `:root[data-theme="dark"] .chroma`)
	assert.Contains(t, dark, "@media (prefers-color-scheme: dark)")
	assert.Contains(t, dark, ":root:not([data-theme]) .chroma")
	assert.Equal(t, "image/svg+xml", site.get(t, "/static/favicon.svg").header.Get("Content-Type"))
}

func TestNewSnapshotNewPages(t *testing.T) {
	site := newTestSite(t)
	before := site.get(t, "/runbooks/etcd/disk-full")
	require.Equal(t, 200, before.status)

	p := filepath.Join(site.dir, "runbooks", "etcd", "disk-full.md")
	src, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, bytes.Replace(src, []byte("etcd disk is full"), []byte("etcd volume is full"), 1), 0o644))
	require.NoError(t, site.lib.Load(context.Background()))

	after := site.get(t, "/runbooks/etcd/disk-full")
	assert.Contains(t, after.body, "etcd volume is full")
	assert.NotEqual(t, before.header.Get("Etag"), after.header.Get("Etag"))
	assert.Equal(t, 200, site.get(t, "/runbooks/etcd/disk-full", "If-None-Match", before.header.Get("Etag")).status)
	assert.Contains(t, site.get(t, "/services/etcd").body, "etcd volume is full")
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip", true},
		{"br;q=1.0, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"*;q=0, gzip", true},
		{"identity", false},
		{"x-gzip", true},
		{"gzip;q=junk", false},
		{"gzipped", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, acceptsGzip(tt.in), "%q", tt.in)
	}
}

func TestETagMatch(t *testing.T) {
	assert.True(t, etagMatch(`"a"`, `"a"`))
	assert.True(t, etagMatch(`W/"a"`, `"a"`))
	assert.True(t, etagMatch(`"b", "a"`, `"a"`))
	assert.True(t, etagMatch(`*`, `"a"`))
	assert.False(t, etagMatch(`"b"`, `"a"`))
	assert.False(t, etagMatch(`a`, `"a"`))
	assert.False(t, etagMatch(``, `"a"`))
}

func TestContentPath(t *testing.T) {
	tests := []struct {
		raw      string
		want     string
		redirect string
		err      bool
	}{
		{raw: "/runbooks/etcd", want: "/runbooks/etcd"},
		{raw: "/runbooks/disk%20full", want: "/runbooks/disk full"},
		{raw: "/runbooks/etcd/", redirect: "/runbooks/etcd"},
		{raw: "/runbooks/etcd///", redirect: "/runbooks/etcd"},
		{raw: "/", want: "/"},
		{raw: "//", err: true},
		{raw: "/a//b", err: true},
		{raw: "/a/./b", err: true},
		{raw: "/a/../b", err: true},
		{raw: "/a/%2e%2e/b", err: true},
		{raw: "/a%2fb", err: true},
		{raw: "/a%5cb", err: true},
		{raw: "/a/.hidden", err: true},
		{raw: "/a%00b", err: true},
		{raw: "/a%0ab", err: true},
		{raw: "/%ff", err: true},
		{raw: "/über/straße", want: "/über/straße"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := url.ParseRequestURI(tt.raw)
			require.NoError(t, err)
			p, redirect, err := contentPath(u)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p)
			assert.Equal(t, tt.redirect, redirect)
		})
	}
}

func FuzzContentPath(f *testing.F) {
	for _, s := range []string{"/runbooks/etcd", "/../etc/passwd", "/a%2fb", "//host/x", "/a/", "/%2e%2e/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.ParseRequestURI(raw)
		if err != nil {
			return
		}
		p, redirect, err := contentPath(u)
		if err != nil {
			return
		}
		for _, got := range []string{p, redirect} {
			if got == "" {
				continue
			}
			assert.True(t, got[0] == '/', got)
			assert.NotContains(t, got, "//")
			assert.NotContains(t, got, "/.")
			assert.NotContains(t, got, `\`)
			loc, ok := localURL(got)
			if assert.True(t, ok, got) {
				assert.NotContains(t, loc[:min(2, len(loc))], "//")
			}
		}
	})
}

func TestWordsOf(t *testing.T) {
	assert.Equal(t, "etcd no leader", wordsOf("/runbooks/etcd/etcd-no-leader"))
	assert.Equal(t, "disk full", wordsOf("/disk_full.md"))
	assert.Empty(t, wordsOf("/"))
}

func TestPageCacheIsBounded(t *testing.T) {
	var c pageCache
	page := &blob{body: make([]byte, 1<<20)}
	for i := range maxPageBytes>>20 + 10 {
		c.Store(i, page)
	}
	assert.LessOrEqual(t, c.bytes.Load(), int64(maxPageBytes))
	_, ok := c.Load(maxPageBytes>>20 + 9)
	assert.True(t, ok, "the last page stored is kept")
	n := 0
	c.current().Range(func(any, any) bool { n++; return true })
	assert.Less(t, n, maxPageBytes>>20, "the pages before the bound was reached are gone")
	got, loaded := c.LoadOrStore(maxPageBytes>>20+9, &blob{})
	assert.True(t, loaded)
	assert.Same(t, page, got)
}
