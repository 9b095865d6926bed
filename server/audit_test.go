package server

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
	"kb/tickets/ticketstest"
)

// trail returns the audit trail of store, newest first.
func trail(t *testing.T, store tickets.Audit) []tickets.Event {
	t.Helper()
	events, err := store.List(context.Background(), tickets.AuditQuery{Limit: 1000})
	require.NoError(t, err)
	return events
}

func actions(events []tickets.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Action + " " + e.Who + " " + e.Target
	}
	return out
}

// TestAuditLinkWrites: a link written and removed through the API is in
// the trail with the token, the key, the injected time and the client's
// address; the token's first use is recorded once.
func TestAuditLinkWrites(t *testing.T) {
	site := newLinkSite(t, func(d *Deps) { d.Audit = d.Links.(tickets.Audit) })
	res := site.post(t, "/api/v1/links", site.write, linkBody("OPS-1", "etcd-no-leader"))
	require.Equal(t, http.StatusCreated, res.status, res.body)
	res = site.post(t, "/api/v1/links", site.write, linkBody("OPS-2", "etcd-no-leader"))
	require.Equal(t, http.StatusCreated, res.status, res.body)
	del := site.do(t, http.MethodDelete, "/api/v1/links/jira/OPS-1/etcd-no-leader", nil, "Authorization", "Bearer "+site.write)
	require.Equal(t, http.StatusNoContent, del.status, del.body)

	events := trail(t, site.store)
	assert.Equal(t, []string{
		"link.delete token:jira jira/OPS-1/etcd-no-leader",
		"link.write token:jira jira/OPS-2/etcd-no-leader",
		"link.write token:jira jira/OPS-1/etcd-no-leader",
		"token.first_use token:jira jira",
	}, actions(events))
	for _, e := range events {
		assert.True(t, testClock().Equal(e.Time), "time from Deps.Now: %s", e.Time)
		assert.True(t, strings.HasPrefix(e.From, "127.0.0.1:"), e.From)
	}

	// A refused write is no write: nothing more is recorded.
	res = site.post(t, "/api/v1/links", site.read, linkBody("OPS-3", "etcd-no-leader"))
	require.Equal(t, http.StatusForbidden, res.status)
	assert.Equal(t, "token.first_use token:grafana grafana", actions(trail(t, site.store))[0], "the read token's first use")
	assert.Len(t, trail(t, site.store), 5)
}

// TestAuditWebhooks: links a delivery stores are audited under the webhook's
// source, and a bad signature is audited as such.
func TestAuditWebhooks(t *testing.T) {
	site := newLinkSite(t, func(d *Deps) { d.Audit = d.Links.(tickets.Audit) })
	body := samples(t)["jira-resolved.json"]
	res := site.post(t, "/api/v1/hooks/jira", "", string(body), signed("jira", "not-the-secret", body)...)
	require.Equal(t, http.StatusUnauthorized, res.status)
	res = site.post(t, "/api/v1/hooks/jira", "", string(body), signed("jira", hookSecret, body)...)
	require.Equal(t, http.StatusOK, res.status, res.body)

	got := actions(trail(t, site.store))
	require.NotEmpty(t, got)
	assert.Equal(t, "webhook.bad_signature anonymous jira", got[len(got)-1])
	assert.True(t, strings.HasPrefix(got[0], "link.write webhook:jira jira/"), got[0])
}

// TestAuditAccessDenied: a read refused by kb.yaml's rules is in the trail
// with the user; an allowed read is not.
func TestAuditAccessDenied(t *testing.T) {
	var audit tickets.Audit
	s := newAccessSiteWith(t, func(d *Deps) { audit = d.Links.(tickets.Audit); d.Audit = audit })
	require.Equal(t, http.StatusNotFound, s.get(t, "/security/vault-unseal", asEmployee...).status)
	require.Equal(t, http.StatusOK, s.get(t, "/security/vault-unseal", asSRE...).status)
	events := trail(t, audit)
	require.Len(t, events, 1, actions(events))
	assert.Equal(t, "access.denied bob /security/vault-unseal", actions(events)[0])
	assert.Equal(t, "employees", events[0].Detail)
}

// TestAuditFailureNeverFailsTheAct: with an audit trail that cannot be
// written (its bbolt file is closed), the link write still succeeds and the
// failure is logged.
func TestAuditFailureNeverFailsTheAct(t *testing.T) {
	closed, closeDB, err := ticketstest.OpenPath(filepath.Join(t.TempDir(), "audit.db"))
	require.NoError(t, err)
	require.NoError(t, closeDB())
	site := newLinkSite(t, func(d *Deps) { d.Audit = closed })
	res := site.post(t, "/api/v1/links", site.write, linkBody("OPS-1", "etcd-no-leader"))
	require.Equal(t, http.StatusCreated, res.status, res.body)
	assert.Contains(t, site.logs.String(), "audit trail not written")
}
