package server

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v5"

	"kb/reports"
	"kb/themes"
)

// coveragePage is the data of templates/coverage.html.
type coveragePage struct {
	layout
	*reports.CoverageReport
	MissingURL map[string]string // alert → its /alerts/ page (closest runbooks, a file to create)
}

// reportCoverage serves GET /reports/coverage (reports.Coverage): the
// alerting rules of the rule files kb.yaml lists under rules: against the
// runbooks. Without rules: a page saying how to configure it. HTML, or JSON
// like reportTickets.
func (s *Server) reportCoverage(c *echo.Context) error {
	asJSON, err := wantsJSON(c)
	if err != nil {
		return err
	}
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	r := reports.Coverage(snap)
	h := c.Response().Header()
	h["Cache-Control"] = s.hdr.noStore
	h.Add("Vary", "Accept")
	if asJSON {
		return s.sendJSON(c, http.StatusOK, r)
	}
	p := coveragePage{layout: s.layout(snap, "Alert coverage", "/reports/coverage"), CoverageReport: r, MissingURL: map[string]string{}}
	p.Description = "Alerts without runbooks, runbooks for alerts that no longer exist, and runbook links that do not resolve."
	if r.Report != nil {
		for _, m := range r.Report.Missing {
			p.MissingURL[m.Alert] = "/alerts/" + url.PathEscape(m.Alert)
		}
	}
	return s.renderPage(c, http.StatusOK, themes.PageCoverage, p)
}
