package server

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/search"
	"kb/themes"
	"kb/tickets"
	"kb/tickets/ticketstest"
)

// The words of the restricted runbook: no response to a reader outside its
// groups may hold any of them.
const (
	hiddenWord  = "zanzibarkey"
	hiddenTitle = "Vault unseal procedure"
	hiddenID    = "vault-unseal"
	hiddenTag   = "vaultsecret"
	hiddenSvc   = "vaultsvc"
	hiddenAlert = "VaultSealedHard"
)

var accessFiles = map[string]string{
	"kb.yaml": `title: Access KB
base_url: https://kb.example.com
access:
  - {path: "security/**", groups: [sre, security]}
  - {path: "public/**", groups: ["*"]}
  - {path: "**", groups: [employees]}
`,
	"security/vault-unseal.md": "---\nid: " + hiddenID + "\ntitle: " + hiddenTitle + "\nsummary: Unseal with the " + hiddenWord + " shares.\ntags: [" + hiddenTag + "]\nservice: " + hiddenSvc + "\nalerts: [" + hiddenAlert + "]\naliases: [/old-vault]\nreviewed: 2020-01-01\n---\n# " + hiddenTitle + "\n\nUse the " + hiddenWord + " quorum, then check [the etcd disk](../runbooks/etcd/disk.md).\n\n![diagram](diagram.svg)\n",
	"security/diagram.svg":     "<svg xmlns='http://www.w3.org/2000/svg'><text>" + hiddenWord + "</text></svg>",
	"runbooks/etcd/disk.md":    "---\ntitle: etcd disk full\ntags: [etcd]\nservice: etcd\nreviewed: 2020-01-01\n---\n# etcd disk full\n\nCompact etcd. See [the vault runbook](../../security/vault-unseal.md).\n",
	"public/welcome.md":        "# Welcome\n\nOpen to everyone.\n",
}

type accessSite struct {
	*testSite
	store *tickets.Store
}

// newAccessSite serves accessFiles with a search index, a links store and
// proxy sign-in trusting the given peers.
func newAccessSite(t *testing.T, trusted ...string) *accessSite {
	t.Helper()
	return newAccessSiteWith(t, nil, trusted...)
}

// newAccessSiteWith is newAccessSite with edit changing the server's Deps.
func newAccessSiteWith(t *testing.T, edit func(*Deps), trusted ...string) *accessSite {
	t.Helper()
	dir := t.TempDir()
	for p, body := range accessFiles {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	lib := content.NewLibrary(root.FS(), content.Options{}, log)
	require.NoError(t, lib.Load(context.Background()))
	idx, err := search.Open(filepath.Join(t.TempDir(), "index"), search.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, idx.Close()) })
	require.NoError(t, idx.Sync(context.Background(), lib.Snapshot()))
	if len(trusted) == 0 {
		trusted = []string{"127.0.0.0/8", "::1/128"}
	}
	proxy := &Proxy{UserHeader: "X-Forwarded-User", GroupsHeader: "X-Forwarded-Groups"}
	for _, p := range trusted {
		proxy.Trusted = append(proxy.Trusted, netip.MustParsePrefix(p))
	}
	store := ticketstest.OpenClock(t, steppingClock(testClock()))
	theme, err := themes.Open("")
	require.NoError(t, err)
	d := Deps{Library: lib, Theme: theme, Search: idx, Logger: log, Version: "test", Now: testClock, Links: store, Proxy: proxy, Live: true}
	if edit != nil {
		edit(&d)
	}
	srv, err := New(d)
	require.NoError(t, err)
	site := &testSite{lib: lib, srv: srv, dir: dir, logs: logs}
	site.ts = newHTTPTestServer(t, srv)
	ctx := context.Background()
	for _, id := range []string{hiddenID, "runbooks-etcd-disk"} {
		a, ok := lib.Snapshot().ByID(id)
		require.True(t, ok, id)
		_, _, err := store.Add(ctx, tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: "OPS-" + id, Title: "ticket about " + id}, ArticleID: a.ID})
		require.NoError(t, err)
	}
	return &accessSite{testSite: site, store: store}
}

var (
	asEmployee = []string{"X-Forwarded-User", "bob", "X-Forwarded-Groups", "employees"}
	asSRE      = []string{"X-Forwarded-User", "ann", "X-Forwarded-Groups", "employees, sre"}
)

// echoed matches where a page repeats what the client asked for (the path
// in a "no page at" message, the words of the search box), which is no leak.
var echoed = regexp.MustCompile(`value="[^"]*"|there is no (page|api endpoint) at [^<"]*|no article of this kb has the url [^<"]*|"q":"[^"]*"|"query":"[^"]*"|no article has the id \\"[^\\]*\\"|<title>search: [^<]*|no runbook yet for [^<·]*|<h1>no runbook yet[^<]*|href="/security/vault-unseal"|content="search: [^"]*"|<code class="alert-name">[^<]*|<strong>[^<]*</strong>|"key":"[^"]*"|runbooks/general/[^<]*|<code class="new-cmd">[^<]*`)

func assertNoLeak(t *testing.T, r response, where string) {
	t.Helper()
	body := strings.ToLower(r.body)
	if u, err := url.Parse(where); err == nil {
		body = strings.ReplaceAll(body, strings.ToLower(u.RequestURI()), "")
		body = strings.ReplaceAll(body, strings.ToLower(u.Path), "")
		if name, ok := strings.CutPrefix(u.Path, "/alerts/"); ok {
			body = strings.ReplaceAll(body, strings.ToLower(name), "") // the "no runbook yet" page names the alert asked for
		}
	}
	body = echoed.ReplaceAllString(body, "")
	for _, w := range []string{hiddenWord, strings.ToLower(hiddenTitle), hiddenID, hiddenTag, hiddenSvc, strings.ToLower(hiddenAlert), "old-vault", "diagram.svg"} {
		if i := strings.Index(body, w); i >= 0 {
			t.Errorf("%s (status %d) shows %q: …%s…", where, r.status, w, body[max(0, i-150):min(len(body), i+100)])
		}
	}
}

// TestAccessEverySurface: an employee sees nothing of the security runbook
// through any surface, and an SRE sees it.
func TestAccessEverySurface(t *testing.T) {
	s := newAccessSite(t)
	hiddenURL := "https://kb.example.com/security/vault-unseal"
	surfaces := []struct {
		path    string
		missing bool // the hidden thing is addressed directly: 404 as if absent
	}{
		{path: "/security/vault-unseal", missing: true},
		{path: "/security/vault-unseal.md", missing: true},
		{path: "/Security/Vault-Unseal", missing: true},
		{path: "/security/diagram.svg", missing: true},
		{path: "/security", missing: true},
		{path: "/a/" + hiddenID, missing: true},
		{path: "/old-vault", missing: true},
		{path: "/security/vault-unseal/history", missing: true},
		{path: "/embed/" + hiddenID, missing: true},
		{path: "/oembed?url=" + url.QueryEscape(hiddenURL), missing: true},
		{path: "/api/v1/articles/" + hiddenID, missing: true},
		{path: "/api/v1/articles/" + hiddenID + "/tickets", missing: true},
		{path: "/tags/" + hiddenTag, missing: true},
		{path: "/services/" + hiddenSvc, missing: true},
		{path: "/"},
		{path: "/tags"},
		{path: "/services"},
		{path: "/runbooks/etcd/disk"},
		{path: "/runbooks"},
		{path: "/search?q=" + hiddenWord},
		{path: "/search?q=vault"},
		{path: "/search?q=unseal+procedure"},
		{path: "/api/v1/search?q=" + hiddenWord},
		{path: "/api/v1/search?q=vault"},
		{path: "/api/v1/search?q=type:runbook"},
		{path: "/api/v1/suggest?q=vault"},
		{path: "/api/v1/suggest?q=unsael"},
		{path: "/api/v1/articles"},
		{path: "/api/v1/tickets/jira/OPS-" + hiddenID},
		{path: "/feed.xml"},
		{path: "/sitemap.xml"},
		{path: "/reports/review"},
		{path: "/reports/tickets"},
		{path: "/reports/search"},
		{path: "/reports"},
		{path: "/alerts/" + hiddenAlert},
		{path: "/no-such-page-vault"},
	}
	for _, sf := range surfaces {
		t.Run(sf.path, func(t *testing.T) {
			// The SRE reads first, so that any cached page of theirs is there to leak.
			s.get(t, sf.path, asSRE...)
			r := s.get(t, sf.path, asEmployee...)
			if sf.missing {
				assert.Equal(t, http.StatusNotFound, r.status)
			}
			assertNoLeak(t, r, sf.path)
			anon := s.get(t, sf.path)
			assertNoLeak(t, anon, sf.path)
		})
	}

	r := s.get(t, "/security/vault-unseal", asSRE...)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, hiddenWord)
	assert.True(t, s.logs.hasLine("access denied", "user=bob", "path=/security/vault-unseal"), "a denied read is logged")
	r = s.get(t, "/security/diagram.svg", asSRE...)
	assert.Equal(t, http.StatusOK, r.status)
	r = s.get(t, "/api/v1/search?q="+hiddenWord, asSRE...)
	assert.Contains(t, r.body, hiddenID)
	r = s.get(t, "/runbooks/etcd/disk", asSRE...)
	assert.Contains(t, r.body, hiddenTitle, "the SRE's page lists the backlink")
	r = s.get(t, "/runbooks/etcd/disk", asEmployee...)
	assert.Equal(t, http.StatusOK, r.status)
	r = s.get(t, "/public/welcome")
	assert.Equal(t, http.StatusOK, r.status, "anyone reads public/")
	assert.Equal(t, "private, no-cache", r.header.Get("Cache-Control"), "no shared cache keeps a reader's view")
	r = s.get(t, "/runbooks/etcd/disk")
	assert.Equal(t, http.StatusNotFound, r.status, "anonymous visitors are not employees")
}

// TestAccessSame404: a hidden page answers exactly what a missing one does.
func TestAccessSame404(t *testing.T) {
	s := newAccessSite(t)
	hidden := s.get(t, "/api/v1/articles/"+hiddenID, asEmployee...)
	missing := s.get(t, "/api/v1/articles/no-such-thing", asEmployee...)
	assert.Equal(t, missing.status, hidden.status)
	assert.Equal(t, strings.ReplaceAll(missing.body, "no-such-thing", hiddenID), hidden.body)
	hidden = s.get(t, "/a/"+hiddenID, asEmployee...)
	missing = s.get(t, "/a/zz-unknown", asEmployee...)
	assert.Equal(t, missing.status, hidden.status)
	assert.Equal(t, len(missing.header.Values("Set-Cookie")), len(hidden.header.Values("Set-Cookie")))
}

// TestAccessCacheKeyedByReader: alternating readers of the same cached
// page each get their own view, in either order.
func TestAccessCacheKeyedByReader(t *testing.T) {
	s := newAccessSite(t)
	for i := range 3 {
		emp := s.get(t, "/runbooks/etcd/disk", asEmployee...)
		sre := s.get(t, "/runbooks/etcd/disk", asSRE...)
		assert.NotContains(t, emp.body, hiddenTitle, "round %d", i)
		assert.Contains(t, sre.body, hiddenTitle, "round %d", i)
		assert.NotEqual(t, emp.header.Get("Etag"), sre.header.Get("Etag"))
		// a conditional request with the other reader's validator gets a full body
		r := s.get(t, "/runbooks/etcd/disk", append([]string{"If-None-Match", sre.header.Get("Etag")}, asEmployee...)...)
		assert.Equal(t, http.StatusOK, r.status)
		assert.NotContains(t, r.body, hiddenTitle)
	}
}

// TestAccessUntrustedProxyHeaders: headers from a peer outside the trusted
// list are ignored and logged.
func TestAccessUntrustedProxyHeaders(t *testing.T) {
	s := newAccessSite(t, "10.0.0.0/8")
	r := s.get(t, "/security/vault-unseal", asSRE...)
	assert.Equal(t, http.StatusNotFound, r.status)
	assertNoLeak(t, r, "untrusted proxy")
	assert.True(t, s.logs.hasLine("proxy headers from an untrusted peer ignored"), s.logs.String())
}

// TestAccessTokenReads: a token reads what anonymous visitors may not.
func TestAccessTokenReads(t *testing.T) {
	s := newAccessSite(t)
	tok, err := s.store.CreateToken(context.Background(), "tool", tickets.ScopeRead)
	require.NoError(t, err)
	r := s.get(t, "/api/v1/articles/"+hiddenID, "Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusOK, r.status, r.body)
	r = s.get(t, "/api/v1/articles/"+hiddenID, "Authorization", "Bearer nope")
	assert.Equal(t, http.StatusUnauthorized, r.status)
}

// TestAccessLiveStream: the live-reload stream sends the reader's view's
// version, which differs from a reader who sees more.
func TestAccessLiveStream(t *testing.T) {
	s := newAccessSite(t)
	first := func(header ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.ts.URL+"/api/v1/events", nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				return v
			}
		}
		t.Fatal("no version event")
		return ""
	}
	emp, sre := first(asEmployee...), first(asSRE...)
	assert.NotEmpty(t, emp)
	assert.NotEqual(t, emp, sre)
	assert.Equal(t, emp, first(asEmployee...))
}

// TestAccessTokenReadPaths: a token whose read scopes name paths reads only
// those, through the API and the pages, and search neither finds nor counts
// anything else; within its paths it reads what anonymous visitors may not.
func TestAccessTokenReadPaths(t *testing.T) {
	s := newAccessSite(t)
	ctx := context.Background()
	etcdOnly, err := s.store.CreateToken(ctx, "etcd-tool", tickets.ScopeRead, "runbooks/**")
	require.NoError(t, err)
	sec, err := s.store.CreateToken(ctx, "sec-tool", tickets.ScopeRead, "security/**")
	require.NoError(t, err)
	_, err = s.store.CreateToken(ctx, "bad", tickets.ScopeRead, "../etc/**")
	require.Error(t, err, "a read path with .. is refused")

	asEtcd := []string{"Authorization", "Bearer " + etcdOnly}
	for _, p := range []string{
		"/api/v1/articles/" + hiddenID, "/security/vault-unseal", "/a/" + hiddenID, "/security/diagram.svg",
		"/api/v1/articles/public-welcome", "/public/welcome",
	} {
		r := s.get(t, p, asEtcd...)
		assert.Equal(t, http.StatusNotFound, r.status, p)
		assertNoLeak(t, r, p)
	}
	for _, p := range []string{"/api/v1/search?q=" + hiddenWord, "/api/v1/search?q=vault", "/api/v1/suggest?q=vault", "/search?q=vault", "/api/v1/articles", "/sitemap.xml", "/"} {
		r := s.get(t, p, asEtcd...)
		assertNoLeak(t, r, p)
	}
	r := s.get(t, "/api/v1/articles/runbooks-etcd-disk", asEtcd...)
	assert.Equal(t, http.StatusOK, r.status, r.body)
	r = s.get(t, "/api/v1/search?q=etcd", asEtcd...)
	assert.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, "runbooks-etcd-disk")
	assert.NotContains(t, r.body, `"welcome"`)
	assert.Contains(t, r.body, `"value":"etcd"`, "facets count what the token may read")

	asSec := []string{"Authorization", "Bearer " + sec}
	r = s.get(t, "/api/v1/articles/"+hiddenID, asSec...)
	assert.Equal(t, http.StatusOK, r.status, r.body)
	r = s.get(t, "/security/vault-unseal", asSec...)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Contains(t, r.body, hiddenWord)
	r = s.get(t, "/api/v1/search?q="+hiddenWord, asSec...)
	assert.Contains(t, r.body, hiddenID)
	// etcd's runbook is outside the token's paths: no hit, and its service
	// and tag are not counted in the facets.
	r = s.get(t, "/api/v1/search?q=etcd", asSec...)
	assert.Equal(t, http.StatusOK, r.status, r.body)
	assert.NotContains(t, r.body, "runbooks-etcd-disk")
	assert.NotContains(t, r.body, `"value":"etcd"`)
	r = s.get(t, "/runbooks/etcd/disk", asSec...)
	assert.Equal(t, http.StatusNotFound, r.status)

	r = s.get(t, "/security/vault-unseal", "Authorization", "Bearer nope")
	assert.Equal(t, http.StatusUnauthorized, r.status, "a bad token on a page is refused, not read as anonymous")
}
