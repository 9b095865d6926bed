package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
)

func TestCreateLinkShowsEverywhere(t *testing.T) {
	site := newLinkSite(t)
	before := site.get(t, "/runbooks/etcd/no-leader") // cached now
	require.Equal(t, http.StatusOK, before.status)
	assert.NotContains(t, before.body, "Solved")

	// An old alias lands on the article's stable id.
	res := site.post(t, "/api/v1/links", site.write, linkBody("OPS-1", "/etcd-leader"))
	require.Equal(t, http.StatusCreated, res.status, res.body)
	var l apiLink
	require.NoError(t, json.Unmarshal([]byte(res.body), &l))
	assert.Equal(t, "etcd-no-leader", l.ArticleID)
	assert.Equal(t, "jira", l.LinkedBy, "the token's name")
	assert.Equal(t, tickets.ResolvedBy, l.Relation)
	assert.Equal(t, "https://kb.example.com/runbooks/etcd/no-leader", l.ArticleURL)
	assert.Equal(t, "etcd has no leader", l.ArticleTitle)

	res = site.post(t, "/api/v1/links", site.write, linkBody("OPS-1", "https://kb.example.com/a/etcd-no-leader"))
	assert.Equal(t, http.StatusOK, res.status, "the same link again is an update")

	page := site.get(t, "/runbooks/etcd/no-leader")
	assert.Contains(t, page.body, "Solved 1 ticket<")
	assert.Contains(t, page.body, `<a class="ticket-key" href="https://acme.atlassian.net/browse/OPS-1" rel="noopener noreferrer nofollow">OPS-1</a>`)
	assert.Contains(t, page.body, "etcd lost its leader")
	assert.Contains(t, page.body, `<time datetime="2026-11-02">2 Nov 2026</time>`)
	assert.Contains(t, page.body, ">resolved by<")
	assert.Contains(t, page.body, ">Jira<")
	assert.NotEqual(t, before.header.Get("Etag"), page.header.Get("Etag"), "a new link changes the page's ETag")
	again := site.get(t, "/runbooks/etcd/no-leader", "If-None-Match", before.header.Get("Etag"))
	assert.Equal(t, http.StatusOK, again.status, "the old ETag no longer matches")

	var ta ticketArticles
	site.getJSON(t, "/api/v1/tickets/jira/OPS-1", &ta)
	require.Len(t, ta.Links, 1)
	assert.Equal(t, "etcd has no leader", ta.Links[0].ArticleTitle)
	assert.Equal(t, "https://kb.example.com/runbooks/etcd/no-leader", ta.Links[0].ArticleURL)

	var a apiArticle
	site.getJSON(t, "/api/v1/articles/etcd-no-leader", &a)
	assert.Equal(t, 1, a.TicketsSolved)
	assert.Equal(t, "https://kb.example.com/a/etcd-no-leader", a.Permalink)

	var list articleList
	site.getJSON(t, "/api/v1/articles?type=runbook&limit=2", &list)
	assert.Len(t, list.Articles, 2)
	assert.Greater(t, list.Total, 2)
}

func TestLinkBadInput(t *testing.T) {
	site := newLinkSite(t)
	deep := strings.Repeat(`{"a":`, 20) + "1" + strings.Repeat("}", 20)
	tests := []struct {
		name, token, body string
		status            int
		want              string // in the error message
	}{
		{name: "no token", body: linkBody("OPS-1", "etcd-no-leader"), status: 401, want: "Bearer"},
		{name: "bad token", token: "kb_nope", body: linkBody("OPS-1", "etcd-no-leader"), status: 401, want: "unknown or revoked"},
		{name: "read token writing", token: "READ", body: linkBody("OPS-1", "etcd-no-leader"), status: 403, want: "links:write"},
		{name: "unknown article", body: linkBody("OPS-1", "/runbooks/nope"), status: 422, want: `"/runbooks/nope"`},
		{name: "no ticket", body: `{"article": "etcd-no-leader"}`, status: 400, want: "ticket"},
		{name: "no article", body: `{"ticket": {"system": "jira", "key": "OPS-1"}}`, status: 400, want: "article"},
		{name: "no key", body: `{"ticket": {"system": "jira"}, "article": "etcd-no-leader"}`, status: 400, want: "ticket.key"},
		{name: "upper-case system", body: `{"ticket": {"system": "JIRA", "key": "A"}, "article": "etcd-no-leader"}`, status: 400, want: "ticket.system"},
		{name: "javascript URL", body: `{"ticket": {"system": "jira", "key": "A", "url": "javascript:alert(1)"}, "article": "etcd-no-leader"}`, status: 400, want: "ticket.url"},
		{name: "data URL", body: `{"ticket": {"system": "jira", "key": "A", "url": "data:text/html,<script>x</script>"}, "article": "etcd-no-leader"}`, status: 400, want: "ticket.url"},
		{name: "newline in key", body: `{"ticket": {"system": "jira", "key": "A\nB"}, "article": "etcd-no-leader"}`, status: 400, want: "ticket.key"},
		{name: "control character in key", body: `{"ticket": {"system": "jira", "key": "A\u0007"}, "article": "etcd-no-leader"}`, status: 400, want: "ticket.key"},
		{name: "control character in title", body: `{"ticket": {"system": "jira", "key": "A", "title": "a\u0000b"}, "article": "etcd-no-leader"}`, status: 400, want: "ticket.title"},
		{name: "bad relation", body: `{"ticket": {"system": "jira", "key": "A"}, "article": "etcd-no-leader", "relation": "fixed"}`, status: 400, want: "relation"},
		{name: "long note", body: `{"ticket": {"system": "jira", "key": "A"}, "article": "etcd-no-leader", "note": "` + strings.Repeat("n", 5000) + `"}`, status: 400, want: "note"},
		{name: "unknown field", body: `{"ticket": {"system": "jira", "key": "A"}, "article": "etcd-no-leader", "evil": 1}`, status: 400, want: `"evil"`},
		{name: "unknown nested field", body: `{"ticket": {"system": "jira", "key": "A", "prio": 1}, "article": "etcd-no-leader"}`, status: 400, want: `"prio"`},
		{name: "deep nesting", body: deep, status: 400, want: "nested deeper"},
		{name: "malformed", body: `{"ticket": `, status: 400, want: "Malformed"},
		{name: "not JSON", body: `ticket=jira`, status: 400, want: "Malformed"},
		{name: "wrong type", body: `{"ticket": {"system": "jira", "key": 7}, "article": "etcd-no-leader"}`, status: 400, want: "ticket.key"},
		{name: "bad time", body: `{"ticket": {"system": "jira", "key": "A", "resolved_at": "yesterday"}, "article": "etcd-no-leader"}`, status: 400, want: "RFC 3339"},
		{name: "two values", body: linkBody("OPS-1", "etcd-no-leader") + linkBody("OPS-2", "etcd-no-leader"), status: 400, want: "more than one"},
		{name: "empty body", body: ``, status: 400, want: "empty"},
		{name: "too large", body: `{"ticket": {"system": "jira", "key": "A"}, "article": "etcd-no-leader", "note": "` + strings.Repeat("n", 1<<20) + `"}`, status: 413, want: "1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := site.write
			switch tt.token {
			case "READ":
				token = site.read
			case "":
				if tt.status != 401 {
					break
				}
				token = ""
			default:
				token = tt.token
			}
			res := site.post(t, "/api/v1/links", token, tt.body)
			assert.Equal(t, tt.status, res.status, res.body)
			assert.Contains(t, res.header.Get("Content-Type"), "application/json")
			assert.Contains(t, errorOf(t, res), tt.want)
		})
	}
	assert.Empty(t, site.export(t), "nothing invalid is stored")
	assert.NotContains(t, site.logs.String(), site.write, "tokens are never logged")
	assert.NotContains(t, site.logs.String(), site.read)
}

func TestSameLinkConcurrentlyIsOne(t *testing.T) {
	site := newLinkSite(t)
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			res := site.post(t, "/api/v1/links", site.write, linkBody("OPS-7", "etcd-no-leader"))
			mu.Lock()
			statuses[res.status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	assert.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusOK: 99}, statuses)
	assert.Equal(t, 1, strings.Count(site.export(t), "\n"), "exactly one link")
}

func TestDeleteLink(t *testing.T) {
	site := newLinkSite(t)
	require.Equal(t, 201, site.post(t, "/api/v1/links", site.write, linkBody("OPS-1", "etcd-no-leader")).status)
	require.Contains(t, site.get(t, "/runbooks/etcd/no-leader").body, "Solved 1 ticket")
	del := func(path, token string) response {
		return site.do(t, http.MethodDelete, path, nil, "Authorization", "Bearer "+token)
	}
	assert.Equal(t, 401, site.do(t, http.MethodDelete, "/api/v1/links/jira/OPS-1/etcd-no-leader", nil).status)
	assert.Equal(t, 403, del("/api/v1/links/jira/OPS-1/etcd-no-leader", site.read).status)
	res := del("/api/v1/links/jira/OPS-1/etcd-no-leader", site.write)
	assert.Equal(t, http.StatusNoContent, res.status, res.body)
	assert.Empty(t, res.body)
	res = del("/api/v1/links/jira/OPS-1/etcd-no-leader", site.write)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Contains(t, errorOf(t, res), "No link between ticket jira OPS-1")
	assert.Empty(t, site.export(t))
	assert.NotContains(t, site.get(t, "/runbooks/etcd/no-leader").body, "Solved", "the page follows at once")

	// Keys are percent-encoded in paths.
	require.Equal(t, 201, site.post(t, "/api/v1/links", site.write,
		`{"ticket": {"system": "github", "key": "acme-infra#412"}, "article": "etcd-no-leader"}`).status)
	var ta ticketArticles
	site.getJSON(t, "/api/v1/tickets/github/acme-infra%23412", &ta)
	assert.Len(t, ta.Links, 1)
	assert.Equal(t, http.StatusNoContent, del("/api/v1/links/github/acme-infra%23412/etcd-no-leader", site.write).status)
}

func TestArticleTicketsPaging(t *testing.T) {
	site := newLinkSite(t)
	for i := range 7 {
		require.Equal(t, 201, site.post(t, "/api/v1/links", site.write, linkBody(fmt.Sprintf("OPS-%d", i), "etcd-no-leader")).status)
	}
	var page ticketList
	site.getJSON(t, "/api/v1/articles/etcd-no-leader/tickets?limit=3", &page)
	assert.Equal(t, 7, page.Total)
	require.Len(t, page.Links, 3)
	assert.Equal(t, "OPS-6", page.Links[0].Ticket.Key, "newest first")
	site.getJSON(t, "/api/v1/articles/etcd-no-leader/tickets?limit=3&offset=6", &page)
	require.Len(t, page.Links, 1)
	assert.Equal(t, "OPS-0", page.Links[0].Ticket.Key)

	body := site.get(t, "/runbooks/etcd/no-leader").body
	assert.Contains(t, body, "Solved 7 tickets")
	assert.Equal(t, recentTickets, strings.Count(body, `class="solved-item"`), "the page lists the most recent ones")
	assert.Contains(t, body, `href="/api/v1/articles/etcd-no-leader/tickets"`)

	for _, tt := range []struct{ path, want string }{
		{"/api/v1/articles/etcd-no-leader/tickets?limit=0", "limit"},
		{"/api/v1/articles/etcd-no-leader/tickets?limit=x", "limit"},
		{"/api/v1/articles/etcd-no-leader/tickets?offset=-1", "offset"},
		{"/api/v1/articles?type=page", "type"},
		{"/api/v1/tickets/JIRA/OPS-1", "ticket.system"},
	} {
		res := site.get(t, tt.path)
		assert.Equal(t, http.StatusBadRequest, res.status, tt.path)
		assert.Contains(t, errorOf(t, res), tt.want)
	}
	res := site.get(t, "/api/v1/articles/nope/tickets")
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Contains(t, errorOf(t, res), `"nope"`)
	var none ticketArticles
	res = site.getJSON(t, "/api/v1/tickets/jira/NOPE-1", &none)
	assert.Equal(t, http.StatusOK, res.status)
	assert.Empty(t, none.Links)
}

func TestExportNeedsWriteToken(t *testing.T) {
	site := newLinkSite(t)
	for _, k := range []string{"OPS-1", "OPS-2"} {
		require.Equal(t, 201, site.post(t, "/api/v1/links", site.write, linkBody(k, "etcd-no-leader")).status)
	}
	assert.Equal(t, 401, site.get(t, "/api/v1/links/export").status)
	assert.Equal(t, 403, site.get(t, "/api/v1/links/export", "Authorization", "Bearer "+site.read).status)
	res := site.get(t, "/api/v1/links/export", "Authorization", "Bearer "+site.write)
	require.Equal(t, 200, res.status)
	assert.Equal(t, "application/x-ndjson", res.header.Get("Content-Type"))
	assert.Equal(t, site.export(t), res.body, "the same lines as kb links export")
	lines := strings.Split(strings.TrimSpace(res.body), "\n")
	assert.Len(t, lines, 2)
}

func TestReadToken(t *testing.T) {
	site := newLinkSite(t, func(d *Deps) { d.APIReadToken = true })
	assert.Equal(t, 401, site.get(t, "/api/v1/articles").status)
	assert.Equal(t, 401, site.get(t, "/api/v1/articles", "Authorization", "Bearer kb_wrong").status)
	assert.Equal(t, 200, site.get(t, "/api/v1/articles", "Authorization", "Bearer "+site.read).status)
	assert.Equal(t, 200, site.get(t, "/api/v1/articles", "Authorization", "Bearer "+site.write).status, "a write token reads too")
	assert.Equal(t, 200, site.get(t, "/runbooks/etcd/no-leader").status, "pages stay open")
	assert.Equal(t, 200, site.get(t, "/embed/etcd-no-leader").status, "the card stays open")
	assert.Equal(t, 404, site.get(t, "/api/v1/events").status, "the live-reload stream of open pages needs no token (and is off here)")
}

func TestCORS(t *testing.T) {
	site := newLinkSite(t)
	res := site.get(t, "/api/v1/articles", "Origin", "https://tools.example.com")
	assert.Equal(t, "https://tools.example.com", res.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, res.header.Values("Vary"), "Origin")
	res = site.get(t, "/api/v1/articles", "Origin", "https://evil.example.com")
	assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
	res = site.do(t, http.MethodOptions, "/api/v1/tickets/jira/OPS-1", nil,
		"Origin", "https://tools.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization")
	assert.Equal(t, http.StatusNoContent, res.status)
	assert.Equal(t, "https://tools.example.com", res.header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "Authorization", res.header.Get("Access-Control-Allow-Headers"))
	res = site.do(t, http.MethodOptions, "/api/v1/links", nil,
		"Origin", "https://tools.example.com", "Access-Control-Request-Method", "POST")
	assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"), "writes are not for browsers")
	res = site.get(t, "/runbooks/etcd/no-leader", "Origin", "https://tools.example.com")
	assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"), "only the API")
}

func TestDamagedStore(t *testing.T) {
	damage := fmt.Errorf("open kb-data/kb.db: %w: page 7: unreachable unfreed", tickets.ErrCorrupt)
	site := newLinkSite(t, func(d *Deps) { d.Links, d.LinksErr = nil, damage })
	for _, tt := range []struct{ method, path string }{
		{"POST", "/api/v1/links"}, {"GET", "/api/v1/tickets/jira/OPS-1"}, {"GET", "/api/v1/articles/etcd-no-leader"},
		{"GET", "/api/v1/articles"}, {"GET", "/api/v1/articles/etcd-no-leader/tickets"}, {"POST", "/api/v1/hooks/jira"},
		{"GET", "/api/v1/links/export"}, {"GET", "/reports/tickets?format=json"},
	} {
		res := site.do(t, tt.method, tt.path, strings.NewReader(linkBody("A", "etcd-no-leader")), "Authorization", "Bearer "+site.write)
		assert.Equal(t, http.StatusServiceUnavailable, res.status, tt.path)
		assert.Contains(t, errorOf(t, res), "unreachable unfreed", tt.path)
	}
	assert.Equal(t, 200, site.get(t, "/runbooks/etcd/no-leader").status, "pages are served")
	assert.Equal(t, 200, site.get(t, "/embed/etcd-no-leader").status, "the card too, without a count")
	var r readiness
	site.getJSON(t, "/readyz", &r)
	assert.Equal(t, "degraded", r.Status)
	require.NotNil(t, r.Links)
	assert.Equal(t, "damaged", r.Links.Status, "a damaged file is named as such")
	assert.Contains(t, r.Error, "unreachable unfreed")
	assert.False(t, site.logs.hasLine("level=ERROR", "request failed"), "a 503 that names the problem is no internal error")
}

func TestTicketTextIsEscaped(t *testing.T) {
	site := newLinkSite(t)
	body := `{"ticket": {"system": "zendesk", "key": "<i>1", "title": "</span><script>alert(1)</script>", "url": "https://x.example.com/?a=\"><script>"},
		"article": "etcd-no-leader", "note": "<img src=x onerror=alert(2)>\nsecond line"}`
	res := site.post(t, "/api/v1/links", site.write, body)
	require.Equal(t, 201, res.status, res.body)
	for _, path := range []string{"/runbooks/etcd/no-leader", "/reports/tickets", "/embed/etcd-no-leader"} {
		page := site.get(t, path).body
		assert.NotContains(t, page, "<script>alert", path)
		assert.NotContains(t, page, "<img src=x", path)
		assert.NotContains(t, page, "<i>1", path)
	}
	page := site.get(t, "/runbooks/etcd/no-leader").body
	assert.Contains(t, page, "&lt;/span&gt;&lt;script&gt;alert(1)&lt;/script&gt;")
	assert.Contains(t, page, "&lt;img src=x onerror=alert(2)&gt;")
}

// TestNoGETChangesAnything requests every GET route of the link API, the
// report, the card and oEmbed, and finds the store as it was.
func TestNoGETChangesAnything(t *testing.T) {
	site := newLinkSite(t)
	require.Equal(t, 201, site.post(t, "/api/v1/links", site.write, linkBody("OPS-1", "etcd-no-leader")).status)
	before := site.export(t)
	for _, p := range []string{
		"/api/v1/articles", "/api/v1/articles/etcd-no-leader", "/api/v1/articles/etcd-no-leader/tickets",
		"/api/v1/tickets/jira/OPS-1", "/api/v1/openapi.json", "/reports/tickets", "/reports/tickets?format=json",
		"/embed/etcd-no-leader", "/oembed?url=https://kb.example.com/a/etcd-no-leader", "/runbooks/etcd/no-leader",
		"/api/v1/hooks/jira", "/api/v1/links",
	} {
		site.get(t, p, "Authorization", "Bearer "+site.write)
	}
	site.get(t, "/api/v1/links/export", "Authorization", "Bearer "+site.write)
	assert.Equal(t, before, site.export(t))
}

// TestTicketKeysDecodedOnce stores links of the keys "PCT%41" and "PCTA":
// every route with a key in its path tells them apart, because the key is
// percent-decoded exactly once.
func TestTicketKeysDecodedOnce(t *testing.T) {
	site := newLinkSite(t)
	for _, body := range []string{
		`{"ticket": {"system": "sec", "key": "PCT%41"}, "article": "etcd-no-leader"}`,
		`{"ticket": {"system": "sec", "key": "PCTA"}, "article": "backup-permissions"}`,
		`{"ticket": {"system": "sec", "key": "a b#1?"}, "article": "etcd-no-leader"}`,
	} {
		res := site.post(t, "/api/v1/links", site.write, body)
		require.Equal(t, http.StatusCreated, res.status, res.body)
	}
	tests := []struct{ path, key, article string }{
		{"/api/v1/tickets/sec/PCT%2541", "PCT%41", "etcd-no-leader"},
		{"/api/v1/tickets/sec/PCTA", "PCTA", "backup-permissions"},
		{"/api/v1/tickets/sec/PCT%41", "PCTA", "backup-permissions"}, // %41 is "A", decoded once
		{"/api/v1/tickets/sec/a%20b%231%3F", "a b#1?", "etcd-no-leader"},
		{"/api/v1/tickets/sec/%61%20b%231%3F", "a b#1?", "etcd-no-leader"}, // needless escapes: the router reads the raw path
	}
	for _, tt := range tests {
		var ta ticketArticles
		res := site.getJSON(t, tt.path, &ta)
		require.Equal(t, http.StatusOK, res.status, tt.path)
		require.Len(t, ta.Links, 1, tt.path)
		assert.Equal(t, tt.key, ta.Links[0].Ticket.Key, tt.path)
		assert.Equal(t, tt.article, ta.Links[0].ArticleID, tt.path)
	}
	res := site.do(t, http.MethodDelete, "/api/v1/links/sec/PCT%2541/etcd-no-leader", nil, "Authorization", "Bearer "+site.write)
	require.Equal(t, http.StatusNoContent, res.status, res.body)
	var ta ticketArticles
	site.getJSON(t, "/api/v1/tickets/sec/PCTA", &ta)
	assert.Len(t, ta.Links, 1, "deleting PCT%41 leaves PCTA alone")
	site.getJSON(t, "/api/v1/tickets/sec/PCT%2541", &ta)
	assert.Empty(t, ta.Links)
}

// TestStrictJSONBodies: what encoding/json would let through silently is a
// 400 naming the key, and a compressed body a 415.
func TestStrictJSONBodies(t *testing.T) {
	site := newLinkSite(t)
	tests := []struct {
		name, body string
		header     []string
		status     int
		want       string
	}{
		{name: "duplicate key", body: `{"ticket": {"system": "jira", "key": "D-1"}, "article": "etcd-no-leader", "article": "backup-permissions"}`, status: 400, want: "article is given twice"},
		{name: "duplicate nested key", body: `{"ticket": {"system": "jira", "key": "D-1", "key": "D-2"}, "article": "etcd-no-leader"}`, status: 400, want: "ticket.key is given twice"},
		{name: "wrong case", body: `{"Ticket": {"system": "jira", "key": "D-1"}, "article": "etcd-no-leader"}`, status: 400, want: `did you mean "ticket"`},
		{name: "wrong case nested", body: `{"ticket": {"system": "jira", "Key": "D-1"}, "article": "etcd-no-leader"}`, status: 400, want: `did you mean "ticket.key"`},
		{name: "gzip", body: `{"ticket": {"system": "jira", "key": "D-1"}, "article": "etcd-no-leader"}`, header: []string{"Content-Encoding", "gzip"}, status: 415, want: "uncompressed"},
		{name: "fine", body: `{"ticket": {"system": "jira", "key": "D-1"}, "article": "etcd-no-leader", "note": "ok"}`, status: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := site.post(t, "/api/v1/links", site.write, tt.body, tt.header...)
			require.Equal(t, tt.status, res.status, res.body)
			if tt.want != "" {
				assert.Contains(t, errorOf(t, res), tt.want)
			}
		})
	}
	var ta ticketArticles
	site.getJSON(t, "/api/v1/tickets/jira/D-1", &ta)
	require.Len(t, ta.Links, 1, "only the good body wrote a link")
	assert.Equal(t, "ok", ta.Links[0].Note)
}
