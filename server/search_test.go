package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/search"
	"kb/themes"
)

// newSearchSite serves testdata/site with a real search index on disk,
// built (ready) or not.
func newSearchSite(t *testing.T, build bool) *testSite {
	t.Helper()
	root, err := os.OpenRoot("testdata/site")
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	log := slog.New(slog.DiscardHandler)
	lib := content.NewLibrary(root.FS(), content.Options{}, log)
	require.NoError(t, lib.Load(context.Background()))
	idx, err := search.Open(filepath.Join(t.TempDir(), "index"), search.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, idx.Close()) })
	if build {
		require.NoError(t, idx.Sync(context.Background(), lib.Snapshot()))
	}
	theme, err := themes.Open("")
	require.NoError(t, err)
	srv, err := New(Deps{Library: lib, Theme: theme, Search: idx, Logger: log, Version: "test"})
	require.NoError(t, err)
	site := &testSite{lib: lib, srv: srv}
	site.ts = newHTTPTestServer(t, srv)
	return site
}

func apiError(t *testing.T, r response) string {
	t.Helper()
	var body struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.body), &body), r.body)
	return body.Error
}

func TestSearchAPI(t *testing.T) {
	s := newSearchSite(t, true)
	r := s.get(t, "/api/v1/search?q=etcd+leader")
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.header.Get("Content-Type"), "application/json")
	var res apiSearchResults
	require.NoError(t, json.Unmarshal([]byte(r.body), &res))
	require.NotEmpty(t, res.Hits)
	assert.Equal(t, "etcd-no-leader", res.Hits[0].ID)
	assert.Equal(t, "/runbooks/etcd/no-leader", res.Hits[0].URL)
	assert.NotEmpty(t, res.Facets.Type)

	r = s.get(t, "/api/v1/search?q=etcd&type=article")
	require.Equal(t, http.StatusOK, r.status)
	require.NoError(t, json.Unmarshal([]byte(r.body), &res))
	for _, h := range res.Hits {
		assert.Equal(t, "article", h.Type, "the type filter applies")
	}

	r = s.get(t, "/api/v1/search?q=etcdnoleader")
	require.Equal(t, http.StatusOK, r.status)
	require.NoError(t, json.Unmarshal([]byte(r.body), &res))
	require.NotEmpty(t, res.Hits)
	assert.Equal(t, "etcd-no-leader", res.Hits[0].ID, "an alert name in any case")
}

func TestSearchAPIBadInput(t *testing.T) {
	s := newSearchSite(t, true)
	thousand := strings.TrimSuffix(strings.Repeat("word OR ", 1000), " OR ")
	tests := []struct {
		name, query string
		status      int
		want        string // in the error message
	}{
		{name: "empty", query: "q=", status: 400, want: "q"},
		{name: "missing", query: "", status: 400, want: "q"},
		{name: "spaces", query: "q=+++", status: 400, want: "q is required"},
		{name: "not UTF-8", query: "q=%FF%FE", status: 400, want: "no words"},
		{name: "over 1 KB", query: "q=" + strings.Repeat("a", 1100), status: 400},
		{name: "negative limit", query: "q=etcd&limit=-1", status: 400, want: "limit"},
		{name: "text limit", query: "q=etcd&limit=ten", status: 400, want: "limit"},
		{name: "huge limit", query: "q=etcd&limit=10000000", status: 200},
		{name: "huge offset", query: "q=etcd&offset=1000000", status: 400, want: "offset"},
		{name: "negative offset", query: "q=etcd&offset=-5", status: 400, want: "offset"},
		{name: "fuzzy syntax", query: "q=" + url.QueryEscape("term~3"), status: 200},
		{name: "star", query: "q=*", status: 400, want: "no words"},
		{name: "prefix star", query: "q=a*", status: 200},
		{name: "regexp", query: "q=" + url.QueryEscape("/.*/"), status: 400, want: "no words"},
		{name: "unbalanced quote", query: "q=" + url.QueryEscape(`"etcd leader`), status: 200},
		{name: "a thousand ORs", query: "q=" + url.QueryEscape(thousand[:1000]), status: 200},
		{name: "html", query: "q=" + url.QueryEscape("<script>alert(1)</script>"), status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.get(t, "/api/v1/search?"+tt.query)
			assert.Equal(t, tt.status, r.status, r.body)
			assert.Contains(t, r.header.Get("Content-Type"), "application/json")
			if tt.status >= 400 {
				assert.Contains(t, apiError(t, r), tt.want)
			} else {
				assert.NotContains(t, r.body, "<script>", "the query is never reflected unescaped")
				var res apiSearchResults
				require.NoError(t, json.Unmarshal([]byte(r.body), &res))
				assert.LessOrEqual(t, len(res.Hits), search.MaxLimit)
			}
		})
	}
}

func TestSearchNotReady(t *testing.T) {
	s := newSearchSite(t, false)
	r := s.get(t, "/api/v1/search?q=etcd")
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.NotEmpty(t, r.header.Get("Retry-After"))
	assert.Contains(t, apiError(t, r), "being built")

	page := s.get(t, "/search?q=etcd+leader")
	assert.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, page.body, "match page titles only", "the fallback is clearly marked")
	assert.Contains(t, page.body, "etcd has no leader")

	ready := s.get(t, "/readyz")
	assert.Contains(t, ready.body, `"search":{"ready":false`)
}

func TestSearchPage(t *testing.T) {
	s := newSearchSite(t, true)
	tips := s.get(t, "/search")
	assert.Equal(t, http.StatusOK, tips.status)
	assert.Contains(t, tips.body, "How to search")

	r := s.get(t, "/search?q=etcd+leader")
	require.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, `href="/runbooks/etcd/no-leader?hl=etcd&#43;leader#h-meaning"`, "a hit opens at its best section with the words to mark")
	assert.Contains(t, r.body, "§ Meaning", "a hit names its best section")
	assert.Contains(t, r.body, `href="/search?path=runbooks%2Fetcd&amp;q=etcd&#43;leader"`, "the breadcrumb narrows the search to a folder")
	assert.Contains(t, r.body, "<mark>", "matched words are highlighted")
	assertNoExecutable(t, r.body)

	xss := s.get(t, "/search?q="+url.QueryEscape(`"><script>alert(1)</script>`))
	assert.Equal(t, http.StatusOK, xss.status)
	assertNoExecutable(t, xss.body)

	zero := s.get(t, "/search?q=zzqxjv")
	assert.Equal(t, http.StatusOK, zero.status)
	assert.Contains(t, zero.body, "No results")

	bad := s.get(t, "/search?q="+strings.Repeat("a", 1100))
	assert.Equal(t, http.StatusBadRequest, bad.status)
	assert.Contains(t, bad.body, "cannot be searched")

	filtered := s.get(t, "/search?q=etcd&service=etcd")
	assert.Contains(t, filtered.body, `name="service" value="etcd"`, "the form keeps active filters")
}

func TestSuggestAndOpenSearch(t *testing.T) {
	s := newSearchSite(t, true)
	r := s.get(t, "/api/v1/suggest?q=etcd")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "application/x-suggestions+json", r.header.Get("Content-Type"))
	var sug []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(r.body), &sug))
	require.Len(t, sug, 4, "[query, titles, descriptions, urls]")
	var titles, urls []string
	require.NoError(t, json.Unmarshal(sug[1], &titles))
	require.NoError(t, json.Unmarshal(sug[3], &urls))
	assert.NotEmpty(t, titles)
	assert.Len(t, urls, len(titles))
	assert.True(t, strings.HasPrefix(urls[0], "http"), "suggestion URLs are absolute")

	empty := s.get(t, "/api/v1/suggest?q=")
	assert.Equal(t, http.StatusOK, empty.status)
	assert.Equal(t, `["",[],[],[]]`, strings.TrimSpace(empty.body))

	desc := s.get(t, "/opensearch.xml")
	assert.Equal(t, http.StatusOK, desc.status)
	assert.Equal(t, "application/opensearchdescription+xml", desc.header.Get("Content-Type"))
	assert.Contains(t, desc.body, `/search?q={searchTerms}`)
	assert.Contains(t, desc.body, `/api/v1/suggest?q={searchTerms}`)
}

func TestSearchMetrics(t *testing.T) {
	s := newSearchSite(t, true)
	s.get(t, "/api/v1/search?q=etcd")
	s.get(t, "/api/v1/search?q=zzqxjv")
	m := s.get(t, "/metrics") // searches are counted before their answers are sent
	assert.Contains(t, m.body, `kb_search_queries_total{outcome="zero"} 1`)
	assert.Contains(t, m.body, `kb_search_queries_total{outcome="ok"} 1`)
	assert.Contains(t, m.body, "kb_search_index_ready 1")
}

func newHTTPTestServer(t testing.TB, srv *Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// TestHighlightParamKeepsThePageCached opens a result's link: the words to
// mark ride along for app.js, and the page is the cached one, not a copy
// filled in with alert labels.
func TestHighlightParamKeepsThePageCached(t *testing.T) {
	s := newSearchSite(t, true)
	plain := s.get(t, "/runbooks/etcd/no-leader")
	r := s.get(t, "/runbooks/etcd/no-leader?hl=etcd+leader")
	require.Equal(t, http.StatusOK, r.status)
	assert.NotContains(t, r.body, "Filled in from the alert", "hl is no alert label")
	assert.Equal(t, plain.body, r.body, "the page is the same for every query")
}
