package server

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/reports"
	"kb/themes"
)

// ticketsPage is the data of templates/report.html.
type ticketsPage struct {
	layout
	*reports.TicketsReport
	NeverLinked []item // the articles of TicketsReport.NeverLinked, as lists show them
}

// reportTickets serves GET /reports/tickets: HTML, or JSON for ?format=json
// or a request that accepts JSON rather than HTML.
func (s *Server) reportTickets(c *echo.Context) error {
	asJSON, err := wantsJSON(c)
	if err != nil {
		return err
	}
	store, err := s.linksAvailable()
	if err != nil {
		return err
	}
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	r, err := reports.Tickets(c.Request().Context(), visibleLinks{Links: store, s: s, view: snap}, snap, articleURLs{snap}, s.now())
	if err != nil {
		return s.storeError(err)
	}
	h := c.Response().Header()
	h["Cache-Control"] = s.hdr.noStore
	h.Add("Vary", "Accept")
	if asJSON {
		return s.sendJSON(c, http.StatusOK, r)
	}
	p := ticketsPage{layout: s.layout(snap, "Tickets report", "/reports/tickets"), TicketsReport: r, NeverLinked: toItems(r.NeverLinkedArticles)}
	p.Description = "Which articles solve tickets, which never do, and where knowledge is missing."
	return s.renderPage(c, http.StatusOK, themes.PageReport, p)
}

// wantsJSON reads ?format= (html or json) of a report; without it, an
// Accept header asking for JSON rather than HTML picks JSON.
func wantsJSON(c *echo.Context) (bool, error) {
	switch f := c.QueryParam("format"); f {
	case "json":
		return true, nil
	case "", "html":
		accept := c.Request().Header.Get("Accept")
		return f == "" && strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html"), nil
	}
	return false, echo.NewHTTPError(http.StatusBadRequest, "format: html or json.")
}

// articleURLs gives the reports the addresses at which this server serves
// the articles of snap.
type articleURLs struct{ snap *content.Snapshot }

func (u articleURLs) Article(a *content.Article) string { return toItem(a).URL }

func (u articleURLs) Absolute(p string) string { return absolute(u.snap, p) }

func (u articleURLs) Edit(a *content.Article) string { return u.snap.Site.EditLink(a.Path) }

// reportsPage is the data of templates/reports.html.
type reportsPage struct {
	layout
	Reports []reportEntry
}

// reportEntry is one report in the list of reports.
type reportEntry struct{ Title, URL, Summary string }

// reportsIndex serves GET /reports: every report, what it answers.
func (s *Server) reportsIndex(c *echo.Context) error {
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	p := reportsPage{layout: s.layout(snap, "Reports", "/reports"), Reports: []reportEntry{
		{"Tickets", "/reports/tickets", "Which articles solve the most tickets, which never do, and the knowledge gaps: resolved tickets that named no article."},
		{"Review", "/reports/review", "Articles past their review date, the most used first."},
		{"Coverage", "/reports/coverage", "Alerting rules against the runbooks: alerts without a runbook, runbooks for alerts that are gone."},
		{"Searches", "/reports/search", "What people searched for and did not find: top queries, queries without results, results nobody opened."},
	}}
	if s.isAdmin(c) {
		p.Reports = append(p.Reports, reportEntry{"Audit trail", "/reports/audit", "Writes and administrative acts: links, tokens, webhook secret failures, sign-ins, refused reads."})
	}
	p.Description = "Reports on the health of the knowledge base."
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return s.renderPage(c, http.StatusOK, themes.PageReports, p)
}
