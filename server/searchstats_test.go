package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/search"
	"kb/searchlog"
	"kb/searchlog/searchlogtest"
	"kb/themes"
)

// newStatsSite serves testdata/site with a real index and a real bbolt
// search log.
func newStatsSite(t *testing.T) (*testSite, *searchlog.Bolt) {
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
	require.NoError(t, idx.Sync(context.Background(), lib.Snapshot()))
	theme, err := themes.Open("")
	require.NoError(t, err)
	store := searchlogtest.OpenBolt(t, searchlog.DefaultLimits)
	srv, err := New(Deps{Library: lib, Theme: theme, Search: idx, Logger: log, SearchLog: store, Now: testClock})
	require.NoError(t, err)
	return &testSite{lib: lib, srv: srv, ts: newHTTPTestServer(t, srv)}, store
}

func TestSearchStatistics(t *testing.T) {
	s, store := newStatsSite(t)
	ctx := context.Background()

	require.Equal(t, http.StatusOK, s.get(t, "/search?q=etcd+leader").status)
	require.Equal(t, http.StatusOK, s.get(t, "/search?q=Etcd++Leader").status)
	none := s.get(t, "/search?q=vault+unseal+o'clock")
	require.Equal(t, http.StatusOK, none.status)
	assert.Contains(t, none.body, "Write this runbook")
	assert.Contains(t, none.body, `<code class="new-cmd">kb new runbook &#39;vault unseal o&#39;\&#39;&#39;clock&#39;</code>`, "the query as the title, quoted for the shell")
	require.Equal(t, http.StatusOK, s.get(t, "/search?q=postgres").status)
	s.get(t, "/api/v1/search?q=etcd")    // typing: not a search of its own
	s.get(t, "/search?q=etcd&offset=20") // a next page: not a search again

	form := url.Values{"q": {"etcd leader"}, "url": {"/runbooks/etcd/no-leader#h-mitigation"}}.Encode()
	r := s.do(t, http.MethodPost, "/api/v1/search/opened", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded")
	assert.Equal(t, http.StatusNoContent, r.status, r.body)

	for _, bad := range []string{url.Values{"q": {" "}, "url": {"/x"}}.Encode(), url.Values{"q": {"x"}, "url": {"https://evil.example.com/"}}.Encode(), "%zz"} {
		r := s.do(t, http.MethodPost, "/api/v1/search/opened", strings.NewReader(bad), "Content-Type", "application/x-www-form-urlencoded")
		assert.Equal(t, http.StatusBadRequest, r.status, bad)
		assert.NotEmpty(t, apiError(t, r), bad)
	}
	cross := s.do(t, http.MethodPost, "/api/v1/search/opened", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site")
	assert.Equal(t, http.StatusForbidden, cross.status, "another site cannot write statistics")

	stats, err := store.Stats(ctx)
	require.NoError(t, err)
	byQuery := map[string]searchlog.Stat{}
	for _, st := range stats {
		byQuery[st.Query] = st
	}
	require.Len(t, byQuery, 3, "%v", stats)
	assert.Equal(t, 2, byQuery["etcd leader"].Searches)
	assert.Equal(t, 1, byQuery["etcd leader"].Opened)
	assert.Equal(t, map[string]int{"/runbooks/etcd/no-leader": 1}, byQuery["etcd leader"].Opens)
	assert.Equal(t, 1, byQuery["vault unseal o'clock"].Zero)
	assert.Positive(t, byQuery["postgres"].LastResults)
	assert.True(t, byQuery["postgres"].Last.Equal(testClock()), "dates come from the server's clock")

	page := s.get(t, "/reports/search")
	require.Equal(t, http.StatusOK, page.status)
	assert.Regexp(t, `<link rel="stylesheet" href="/static/tickets\.[0-9a-f]+\.css">`, page.body, "styled as the other reports")
	zero := section(t, page.body, "zero-h")
	assert.Contains(t, zero, "vault unseal o&#39;clock")
	assert.NotContains(t, zero, "etcd leader")
	unopened := section(t, page.body, "unopened-h")
	assert.Contains(t, unopened, `href="/search?q=postgres"`)
	assert.NotContains(t, unopened, "etcd leader", "a result was opened")
	top := section(t, page.body, "top-h")
	assert.Less(t, strings.Index(top, "etcd leader"), strings.Index(top, "postgres"), "most searched first")
	assert.Contains(t, top, "kb new runbook &#39;etcd leader&#39;")

	js := s.get(t, "/reports/search?format=json")
	require.Equal(t, http.StatusOK, js.status)
	assert.Contains(t, js.body, `"zero_results":[{"query":"vault unseal o'clock"`)

	reports := s.get(t, "/reports")
	assert.Contains(t, reports.body, `href="/reports/search"`)
}

// section returns the part of page from the heading with id to the next section.
func section(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	require.GreaterOrEqual(t, i, 0, id)
	rest := page[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

func TestSearchStatisticsOff(t *testing.T) {
	s := newSearchSite(t, true)
	r := s.do(t, http.MethodPost, "/api/v1/search/opened", strings.NewReader("q=a&url=/b"), "Content-Type", "application/x-www-form-urlencoded")
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.NotEmpty(t, apiError(t, r))
	page := s.get(t, "/reports/search")
	assert.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, page.body, "not recorded")
}
