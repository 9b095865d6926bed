package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmbedCard(t *testing.T) {
	site := newLinkSite(t)
	require.Equal(t, 201, site.post(t, "/api/v1/links", site.write, linkBody("OPS-1", "etcd-no-leader")).status)
	res := site.get(t, "/embed/etcd-no-leader")
	require.Equal(t, http.StatusOK, res.status)
	csp := res.header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "frame-ancestors 'self' https://tools.example.com http://127.0.0.1:18090")
	assert.NotContains(t, csp, "script-src")
	assert.Empty(t, res.header.Get("X-Frame-Options"), "the only page that may be framed")
	for _, want := range []string{"etcd has no leader", "The etcd cluster lost quorum", "Solved 1 ticket", ">Runbook<", ">etcd<",
		`href="https://kb.example.com/runbooks/etcd/no-leader" target="_blank" rel="noopener"`, "embed."} {
		assert.Contains(t, res.body, want)
	}
	assert.NotContains(t, res.body, `class="site-header"`, "a card, not a page")
	etag := res.header.Get("Etag")
	assert.Equal(t, http.StatusNotModified, site.get(t, "/embed/etcd-no-leader", "If-None-Match", etag).status)
	require.Equal(t, 201, site.post(t, "/api/v1/links", site.write, linkBody("OPS-2", "etcd-no-leader")).status)
	res = site.get(t, "/embed/etcd-no-leader", "If-None-Match", etag)
	assert.Equal(t, http.StatusOK, res.status, "a new link changes the card")
	assert.Contains(t, res.body, "Solved 2 tickets")

	assert.Equal(t, http.StatusNotFound, site.get(t, "/embed/nope").status)
	page := site.get(t, "/runbooks/etcd/no-leader")
	assert.Equal(t, "DENY", page.header.Get("X-Frame-Options"), "every other page refuses frames")
	assert.Contains(t, page.header.Get("Content-Security-Policy"), "frame-ancestors 'none'")
}

func TestEmbedOrigins(t *testing.T) {
	assert.Equal(t, "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self' https://a.example.com https://*.example.org:8443",
		embedCSP([]string{"https://a.example.com/", "https://*.example.org:8443", "javascript:alert(1)", "https://x.example.com; script-src *",
			"https://x.example.com/path", "ftp://x.example.com", "*", "'unsafe-inline'", "https://user@x.example.com"}))
}

func TestOEmbed(t *testing.T) {
	site := newLinkSite(t)
	oembed := func(query string) response { return site.get(t, "/oembed?"+query) }
	res := oembed("url=" + url.QueryEscape("https://kb.example.com/runbooks/etcd/no-leader") + "&format=json")
	require.Equal(t, http.StatusOK, res.status, res.body)
	var o oembedResponse
	require.NoError(t, json.Unmarshal([]byte(res.body), &o))
	assert.Equal(t, "1.0", o.Version)
	assert.Equal(t, "rich", o.Type)
	assert.Equal(t, "etcd has no leader", o.Title)
	assert.Equal(t, "Test KB", o.ProviderName)
	assert.Equal(t, embedWidth, o.Width)
	assert.Equal(t, embedHeight, o.Height)
	assert.Contains(t, o.HTML, `<iframe src="https://kb.example.com/embed/etcd-no-leader" width="480" height="180"`)

	for _, u := range []string{"https://kb.example.com/a/etcd-no-leader", "https://kb.example.com/etcd-leader", "https://kb.example.com/embed/etcd-no-leader",
		"https://kb.example.com/alerts/etcdNoLeader", "/runbooks/etcd/no-leader"} {
		res := oembed("url=" + url.QueryEscape(u))
		assert.Equal(t, http.StatusOK, res.status, u)
		assert.Contains(t, res.body, "/embed/etcd-no-leader", u)
	}
	res = oembed("url=" + url.QueryEscape("https://kb.example.com/a/etcd-no-leader") + "&maxwidth=300&maxheight=1000")
	require.NoError(t, json.Unmarshal([]byte(res.body), &o))
	assert.Equal(t, 300, o.Width, "maxwidth is honoured")
	assert.Equal(t, embedHeight, o.Height)
	assert.Contains(t, o.HTML, `width="300"`)

	for _, tt := range []struct {
		query  string
		status int
	}{
		{"url=" + url.QueryEscape("https://kb.example.com/a/etcd-no-leader") + "&format=xml", http.StatusNotImplemented},
		{"url=" + url.QueryEscape("https://kb.example.com/runbooks/nope"), http.StatusNotFound},
		{"url=" + url.QueryEscape("https://evil.example.com/a/etcd-no-leader"), http.StatusNotFound},
		{"url=" + url.QueryEscape("javascript:alert(1)"), http.StatusNotFound},
		{"format=json", http.StatusBadRequest},
		{"url=/a/etcd-no-leader&maxwidth=wide", http.StatusBadRequest},
	} {
		assert.Equal(t, tt.status, oembed(tt.query).status, tt.query)
	}
}

func TestArticleDiscoveryTags(t *testing.T) {
	site := newLinkSite(t)
	body := site.get(t, "/runbooks/etcd/no-leader").body
	for _, want := range []string{
		`<link rel="alternate" type="application/json+oembed" href="https://kb.example.com/oembed?format=json&amp;url=https%3A%2F%2Fkb.example.com%2Fa%2Fetcd-no-leader" title="etcd has no leader">`,
		`<meta property="og:type" content="article">`,
		`<meta property="og:title" content="etcd has no leader">`,
		`<meta property="og:url" content="https://kb.example.com/runbooks/etcd/no-leader">`,
		`<meta property="og:site_name" content="Test KB">`,
		`<meta property="og:description" content="The etcd cluster lost quorum`,
	} {
		assert.Contains(t, body, want)
	}
}
