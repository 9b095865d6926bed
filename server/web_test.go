package server

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
