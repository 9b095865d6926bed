package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/themes"
	"kb/tickets"
	"kb/tickets/ticketstest"
)

// The secret every webhook source of the link test site is configured with.
const hookSecret = "hook-secret-for-tests"

// linkSite is a real server over a copy of testdata/site with a real links
// store in a temporary folder and two tokens.
type linkSite struct {
	*testSite
	store *tickets.Store
	write string // secret of a links:write token named "jira"
	read  string // secret of a read token named "grafana"
}

// linkSiteFiles are added to the content of testdata/site: kb.yaml with
// embed origins and webhook secrets, and the articles the webhook samples
// of package webhook name.
var linkSiteFiles = map[string]string{
	"kb.yaml": `title: Test KB
edit_url: https://git.example.com/kb/-/edit/main/{path}
base_url: https://kb.example.com/
embed_origins: [https://tools.example.com, "http://127.0.0.1:18090"]
webhook_secrets:
  jira: ` + hookSecret + `
  servicenow: ` + hookSecret + `
  zendesk: ` + hookSecret + `
  pagerduty: ` + hookSecret + `
  alertmanager: ` + hookSecret + `
  generic: ` + hookSecret + `
`,
	"runbooks/backup/permission-denied.md": "---\ntitle: Backup fails with permission denied\nid: backup-permissions\nservice: backup\n---\n\n## Fix the role\n\nGrant the role.\n",
	"runbooks/kafka/consumer-lag.md":       "---\ntitle: Kafka consumer lag\nservice: kafka\nsummary: A consumer group falls behind.\n---\n\n## Restart the stuck consumer\n\nRestart it.\n",
	"runbooks/postgres/wal-disk-full.md":   "---\ntitle: PostgreSQL WAL fills the disk\nservice: postgres\n---\n\n## Drop old slots\n\nDrop them.\n",
}

// newLinkSite starts the server; edit may change its Deps.
func newLinkSite(t *testing.T, edit ...func(*Deps)) *linkSite {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "site")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/site")))
	for name, body := range linkSiteFiles {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	lib := content.NewLibrary(os.DirFS(dir), content.Options{}, log)
	require.NoError(t, lib.Load(context.Background()))

	store := ticketstest.OpenClock(t, steppingClock(testClock()))
	write, err := store.CreateToken(context.Background(), "jira", tickets.ScopeWrite)
	require.NoError(t, err)
	read, err := store.CreateToken(context.Background(), "grafana", tickets.ScopeRead)
	require.NoError(t, err)

	theme, err := themes.Open("")
	require.NoError(t, err)
	d := Deps{Library: lib, Theme: theme, Logger: log, Version: "v9.9.9-test", Links: store, Now: testClock}
	for _, f := range edit {
		f(&d)
	}
	srv, err := New(d)
	require.NoError(t, err)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &linkSite{testSite: &testSite{dir: dir, lib: lib, srv: srv, ts: ts, logs: logs}, store: store, write: write, read: read}
}

// post sends a JSON body with an optional bearer token.
func (s *linkSite) post(t *testing.T, path, token, body string, header ...string) response {
	t.Helper()
	if token != "" {
		header = append(header, "Authorization", "Bearer "+token)
	}
	return s.do(t, http.MethodPost, path, strings.NewReader(body), append(header, "Content-Type", "application/json")...)
}

// getJSON requests path and decodes its JSON body into v.
func (s *linkSite) getJSON(t *testing.T, path string, v any, header ...string) response {
	t.Helper()
	res := s.get(t, path, header...)
	require.Contains(t, res.header.Get("Content-Type"), "json", res.body)
	require.NoError(t, json.Unmarshal([]byte(res.body), v), res.body)
	return res
}

// export returns every stored link as JSON lines.
func (s *linkSite) export(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, s.store.Export(context.Background(), &b))
	return b.String()
}

// errorOf returns the message of a JSON error body.
func errorOf(t *testing.T, res response) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	require.NoError(t, json.NewDecoder(strings.NewReader(res.body)).Decode(&e), res.body)
	require.NotEmpty(t, e.Error, res.body)
	return e.Error
}

// linkBody is a POST /api/v1/links body for ticket key and article ref.
func linkBody(key, article string) string {
	return `{"ticket": {"system": "jira", "key": "` + key + `", "url": "https://acme.atlassian.net/browse/` + key +
		`", "title": "etcd lost its leader", "status": "Done", "resolved_at": "2026-11-02T10:00:00Z"}, "article": "` + article + `"}`
}
