package server

import (
	"context"
	"encoding/xml"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

func TestRobotsAndNoindex(t *testing.T) {
	site := newTestSite(t)
	res := site.get(t, "/robots.txt")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.header.Get("Content-Type"), "text/plain")
	for _, line := range []string{"User-agent: *", "Disallow: /search", "Disallow: /api/", "Disallow: /reports", "Disallow: /*/history", "Sitemap: http"} {
		assert.Contains(t, res.body, line)
	}
	for _, p := range []string{"/search?q=etcd", "/api/v1/search?q=etcd", "/reports/review", "/runbooks/etcd/no-leader/history"} {
		assert.Equal(t, "noindex", site.get(t, p).header.Get("X-Robots-Tag"), p)
	}
	assert.Empty(t, site.get(t, "/runbooks/etcd/no-leader").header.Get("X-Robots-Tag"), "articles are indexed")
}

func TestSitemap(t *testing.T) {
	site := newTestSite(t)
	res := site.get(t, "/sitemap.xml")
	require.Equal(t, http.StatusOK, res.status, res.body)
	var set struct {
		XMLName xml.Name
		URLs    []struct {
			Loc     string `xml:"loc"`
			LastMod string `xml:"lastmod"`
		} `xml:"url"`
	}
	require.NoError(t, xml.Unmarshal([]byte(res.body), &set))
	assert.Equal(t, "http://www.sitemaps.org/schemas/sitemap/0.9", set.XMLName.Space)
	assert.Len(t, set.URLs, len(site.lib.Snapshot().Articles), "every article")
	for _, u := range set.URLs {
		assert.True(t, strings.HasPrefix(u.Loc, "http"), "absolute: %s", u.Loc)
		if u.LastMod != "" {
			_, err := time.Parse(time.DateOnly, u.LastMod)
			assert.NoError(t, err)
		}
	}
	assert.Equal(t, http.StatusNotFound, site.get(t, "/sitemap.xml?page=9").status)
}

// TestFeed checks the Atom feed against what RFC 4287 requires: feed and
// entries with id, title and updated (RFC 3339), an author, links.
func TestFeed(t *testing.T) {
	site := newTestSite(t)
	type entry struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Link    struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
	}
	var feed struct {
		XMLName xml.Name
		ID      string  `xml:"id"`
		Title   string  `xml:"title"`
		Updated string  `xml:"updated"`
		Author  string  `xml:"author>name"`
		Entries []entry `xml:"entry"`
	}
	res := site.get(t, "/feed.xml")
	require.Equal(t, http.StatusOK, res.status, res.body)
	assert.Contains(t, res.header.Get("Content-Type"), "application/atom+xml")
	require.NoError(t, xml.Unmarshal([]byte(res.body), &feed))
	assert.Equal(t, "http://www.w3.org/2005/Atom", feed.XMLName.Space)
	assert.NotEmpty(t, feed.ID)
	assert.NotEmpty(t, feed.Title)
	assert.NotEmpty(t, feed.Author)
	_, err := time.Parse(time.RFC3339, feed.Updated)
	require.NoError(t, err)
	require.NotEmpty(t, feed.Entries)
	var last time.Time
	for i, e := range feed.Entries {
		assert.NotEmpty(t, e.ID)
		assert.NotEmpty(t, e.Title)
		assert.True(t, strings.HasPrefix(e.Link.Href, "http"), e.Link.Href)
		at, err := time.Parse(time.RFC3339, e.Updated)
		require.NoError(t, err)
		if i > 0 {
			assert.False(t, at.After(last), "newest first")
		}
		last = at
	}

	res = site.get(t, "/feed.xml?folder=runbooks/etcd")
	require.Equal(t, http.StatusOK, res.status)
	feed.Entries = nil
	require.NoError(t, xml.Unmarshal([]byte(res.body), &feed))
	require.NotEmpty(t, feed.Entries)
	for _, e := range feed.Entries {
		assert.Contains(t, e.Link.Href, "/runbooks/etcd/")
	}
	assert.Equal(t, http.StatusNotFound, site.get(t, "/feed.xml?folder=nowhere").status)
	assert.Equal(t, http.StatusNotFound, site.get(t, "/feed.xml?service=nothing").status)
	assert.Equal(t, http.StatusOK, site.get(t, "/feed.xml?service=etcd").status)
}

// TestLinkPreviewTags: pages carry the tags link previews read (og:image
// absolute, a Twitter card) and name the Atom feed.
func TestLinkPreviewTags(t *testing.T) {
	site := newLinkSite(t) // kb.yaml sets base_url
	page := site.get(t, "/runbooks/etcd/no-leader").body
	assert.Contains(t, page, `<link rel="alternate" type="application/atom+xml" href="/feed.xml"`)
	assert.Contains(t, page, `<meta name="twitter:card" content="summary_large_image">`)
	m := regexp.MustCompile(`<meta property="og:image" content="https://kb\.example\.com(/static/og\.[0-9a-f]+\.png)">`).FindStringSubmatch(page)
	require.NotNil(t, m, "an absolute og:image")
	img := site.get(t, m[1])
	require.Equal(t, http.StatusOK, img.status)
	assert.Equal(t, "image/png", img.header.Get("Content-Type"))

	lib := content.NewLibrary(fstest.MapFS{"a.md": {Data: []byte("# A\n")}}, content.Options{}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	plain := newSite(t, lib, slog.New(slog.DiscardHandler)) // no base_url: no image, a plain card
	home := plain.get(t, "/").body
	assert.NotContains(t, home, "og:image")
	assert.Contains(t, home, `<meta name="twitter:card" content="summary">`)
}

// TestReportsIndex: /reports lists every report and the header links to it;
// each report links to the others.
func TestReportsIndex(t *testing.T) {
	site := newLinkSite(t)
	res := site.get(t, "/reports")
	require.Equal(t, http.StatusOK, res.status, res.body)
	for _, p := range []string{"/reports/tickets", "/reports/review", "/reports/coverage"} {
		assert.Contains(t, res.body, `href="`+p+`"`)
		page := site.get(t, p).body
		assert.Contains(t, page, `<a href="`+p+`" aria-current="page">`, "%s marks itself", p)
		assert.Contains(t, page, `<a href="/reports">All reports</a>`)
	}
	assert.Contains(t, site.get(t, "/").body, `<a href="/reports">Reports</a>`, "in the header")
}
