package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPagesRenderedPerRequestAreCompressed: search, report, history and
// sitemap responses, rendered for each request, are gzip-compressed for
// clients that accept it, like the cached pages, and the same document.
func TestPagesRenderedPerRequestAreCompressed(t *testing.T) {
	site := newLinkSite(t)
	for _, p := range []string{"/search?q=etcd", "/reports/tickets", "/reports/tickets?format=json", "/reports/review", "/sitemap.xml", "/feed.xml", "/api/v1/articles", "/nowhere"} {
		plain := site.get(t, p, "Accept-Encoding", "identity")
		zipped := site.get(t, p, "Accept-Encoding", "gzip")
		require.Equal(t, plain.status, zipped.status, p)
		if len(plain.body) < minCompress {
			continue
		}
		assert.Equal(t, "gzip", zipped.header.Get("Content-Encoding"), p)
		assert.Contains(t, zipped.header.Values("Vary"), "Accept-Encoding", p)
		zr, err := gzip.NewReader(bytes.NewReader([]byte(zipped.body)))
		require.NoError(t, err, p)
		got, err := io.ReadAll(zr)
		require.NoError(t, err, p)
		assert.Equal(t, len(plain.body), len(got), "%s: the same document", p)
		assert.Less(t, len(zipped.body), len(plain.body), p)
		assert.Empty(t, plain.header.Get("Content-Encoding"), p)
	}
	assert.Equal(t, http.StatusOK, site.get(t, "/search?q=etcd").status)
}
