package server

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/reports"
	"kb/tickets"
)

func TestTicketsReportWindows(t *testing.T) {
	site := newLinkSite(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(days int) *time.Time { t := now.AddDate(0, 0, -days); return &t }
	add := func(key, article string, resolved *time.Time) {
		_, _, err := site.store.Add(ctx, tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: key, ResolvedAt: resolved}, ArticleID: article, LinkedBy: "t"})
		require.NoError(t, err)
	}
	for i := range 3 {
		add(fmt.Sprintf("A-%d", i), "etcd-no-leader", at(5))
	}
	for i := range 5 {
		add(fmt.Sprintf("B-%d", i), "backup-permissions", at(60)) // in 90 days, not in 30
	}
	add("C-1", "gone-article", at(200))
	snap := site.lib.Snapshot()
	r, err := reports.Tickets(ctx, site.store, snap, articleURLs{snap}, now)
	require.NoError(t, err)
	assert.Equal(t, 9, r.Links)
	require.Len(t, r.Top30, 1)
	assert.Equal(t, reports.ArticleCount{ID: "etcd-no-leader", Title: "etcd has no leader", URL: "/runbooks/etcd/no-leader", Count: 3}, r.Top30[0])
	require.Len(t, r.Top90, 2)
	assert.Equal(t, "backup-permissions", r.Top90[0].ID, "most tickets first")
	assert.Equal(t, []reports.ArticleCount{{ID: "gone-article", Count: 1}}, r.Missing)
	for _, it := range r.NeverLinked {
		assert.NotContains(t, []string{"etcd-no-leader", "backup-permissions"}, it.ID)
	}
	assert.Equal(t, r.NeverLinkedTotal, len(r.NeverLinked))
	assert.Equal(t, "runbook", r.NeverLinked[0].Type, "runbooks first")

	assert.Contains(t, site.get(t, "/reports/tickets", "Accept", "application/json").header.Get("Content-Type"), "application/json")
	html := site.get(t, "/reports/tickets", "Accept", "text/html,application/xhtml+xml,application/json;q=0.9")
	assert.Contains(t, html.header.Get("Content-Type"), "text/html")
	assert.Contains(t, html.body, "Links to articles that no longer exist")
	assert.Contains(t, html.body, "<code>gone-article</code>")
	assert.Equal(t, http.StatusBadRequest, site.get(t, "/reports/tickets?format=xml").status)
}
