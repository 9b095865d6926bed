package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
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
