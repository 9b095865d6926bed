package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/themes"
	"kb/tickets"
	"kb/tickets/ticketstest"
)

// TestAuditReport: /reports/audit shows the trail to the admin group only,
// filters by who and action, pages boundedly, and answers everyone else
// the 404 of a page that does not exist.
func TestAuditReport(t *testing.T) {
	s := newAccessSiteWith(t, func(d *Deps) { d.AdminGroup = "sre" })
	s.srv.auditLog = s.store // the access site's store holds the trail
	ctx := context.Background()
	for i := range 60 {
		require.NoError(t, s.store.Append(ctx, tickets.Event{Who: "token:jira", Action: tickets.ActLinkWrite, Target: fmt.Sprintf("OPS-%d", i), From: "10.0.0.1"}))
	}
	require.NoError(t, s.store.Append(ctx, tickets.Event{Who: "ann", Action: tickets.ActSignIn, From: "10.0.0.2"}))

	tok, err := s.store.CreateToken(ctx, "tool", tickets.ScopeRead)
	require.NoError(t, err)
	for _, h := range [][]string{nil, asEmployee, {"Authorization", "Bearer " + tok}} {
		r := s.get(t, "/reports/audit", h...)
		assert.Equal(t, http.StatusNotFound, r.status, h)
		assert.NotContains(t, r.body, "OPS-1")
		assert.NotContains(t, r.body, "Audit trail")
	}
	missing := s.get(t, "/reports/no-such-report", asEmployee...)
	r := s.get(t, "/reports/audit", asEmployee...)
	assert.Equal(t, missing.status, r.status, "the same answer as a page that does not exist")

	assert.NotContains(t, s.get(t, "/reports", asEmployee...).body, "/reports/audit")
	assert.Contains(t, s.get(t, "/reports", asSRE...).body, `href="/reports/audit"`)
	r = s.get(t, "/reports/audit", asSRE...)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, "Audit trail")
	assert.Contains(t, r.body, "OPS-59", "newest first")
	assert.NotContains(t, r.body, "OPS-5<", "the 51st entry is on the next page")
	assert.Contains(t, r.body, `href="/reports/audit?offset=50" rel="next"`)
	assert.Contains(t, r.body, `<label for="audit-who">`, "the filters are labelled")
	assert.Equal(t, 50+1, strings.Count(r.body, "<tr>"), "a page holds 50 entries and the head row")

	r = s.get(t, "/reports/audit?offset=50", asSRE...)
	assert.Contains(t, r.body, "OPS-0<")
	assert.Contains(t, r.body, `rel="prev"`)
	assert.NotContains(t, r.body, `rel="next"`)

	r = s.get(t, "/reports/audit?who=ann", asSRE...)
	assert.Contains(t, r.body, tickets.ActSignIn)
	assert.NotContains(t, r.body, "OPS-")
	r = s.get(t, "/reports/audit?action="+tickets.ActLinkWrite+"&who=token:jira", asSRE...)
	assert.Contains(t, r.body, "OPS-59")
	assert.Contains(t, r.body, `value="`+tickets.ActLinkWrite+`" selected`)
	assert.NotContains(t, r.body, "10.0.0.2")

	for _, bad := range []string{"?offset=-50", "?offset=7", "?offset=20000", "?offset=x", "?action=drop"} {
		r = s.get(t, "/reports/audit"+bad, asSRE...)
		assert.Equal(t, http.StatusBadRequest, r.status, bad)
	}
}

// TestAuditGitPushBadSignature: a git push webhook with a bad signature or
// a wrong secret is in the audit trail, with the client's address; a good
// one is not.
func TestAuditGitPushBadSignature(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.md"), []byte("# A\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kb.yaml"), []byte("webhook_secrets: {git: s3cret}\n"), 0o644))
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	lib := content.NewLibrary(root.FS(), content.Options{}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	theme, err := themes.Open("")
	require.NoError(t, err)
	store := ticketstest.OpenClock(t, steppingClock(testClock()))
	var pushes pushCounter
	srv, err := New(Deps{Library: lib, Theme: theme, Logger: slog.New(slog.DiscardHandler), Live: true, Puller: &pushes, Audit: store})
	require.NoError(t, err)
	s := &testSite{lib: lib, srv: srv, ts: newHTTPTestServer(t, srv)}

	body := `{"ref":"refs/heads/main"}`
	r := s.do(t, http.MethodPost, "/api/v1/hooks/git", strings.NewReader(body), "X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
	assert.Equal(t, http.StatusUnauthorized, r.status)
	r = s.do(t, http.MethodPost, "/api/v1/hooks/git", strings.NewReader(body), "X-Gitlab-Token", "nope")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	r = s.do(t, http.MethodPost, "/api/v1/hooks/git", strings.NewReader(body), "X-KB-Secret", "s3cret")
	assert.Equal(t, http.StatusAccepted, r.status, r.body)

	events := trail(t, store)
	assert.Equal(t, []string{"webhook.bad_signature anonymous git", "webhook.bad_signature anonymous git"}, actions(events), "the good push is no administrative act")
	for _, e := range events {
		assert.Contains(t, e.From, "127.0.0.1", "from the client's address")
	}
	assert.Equal(t, int32(1), pushes.Load(), "only the verified push fetches")
}
