package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/searchlog"
	"kb/themes"
)

// errSearchLogOff is why the opened beacon is refused without a store.
var errSearchLogOff = errors.New("search statistics are not stored")

// recordSearch counts a search made on /search; the statistics are a
// convenience, so a failure is logged and the results are served anyway.
func (s *Server) recordSearch(ctx context.Context, q string, results int) {
	if s.searchLog == nil || searchlog.Normalize(q) == "" {
		return
	}
	if err := s.searchLog.Record(ctx, q, results, s.now()); err != nil {
		s.log.Warn("cannot record a search", "err", err)
	}
}

// searchOpened serves POST /api/v1/search/opened (form fields q and url):
// the theme's script sends it when a result of a search is opened.
func (s *Server) searchOpened(c *echo.Context) error {
	req := c.Request()
	if err := s.xorigin.Check(req); err != nil {
		return echo.NewHTTPError(http.StatusForbidden, "Cross-site requests cannot record searches.").Wrap(err)
	}
	if s.searchLog == nil {
		return echo.NewHTTPError(http.StatusNotFound, "Search statistics are not stored on this kb.").Wrap(errSearchLogOff)
	}
	if err := req.ParseForm(); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Send the form fields q (the query) and url (the result opened).").Wrap(err)
	}
	err := s.searchLog.Opened(req.Context(), req.PostForm.Get("q"), req.PostForm.Get("url"), s.now())
	switch {
	case errors.Is(err, searchlog.ErrBadQuery), errors.Is(err, searchlog.ErrBadURL):
		return echo.NewHTTPError(http.StatusBadRequest, err.Error()+".")
	case err != nil:
		return s.storeError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// searchesPage is the data of templates/searches.html.
type searchesPage struct {
	layout
	Off       bool // no store: nothing is recorded
	Total     int  // distinct queries kept
	Top       []searchRow
	Zero      []searchRow // the latest search found nothing
	NotOpened []searchRow // found results, none opened
}

type searchRow struct {
	searchlog.Stat
	SearchURL string
	NewCmd    string // the kb new command line that starts a runbook with the query as title
}

// searchReportRows bounds each list of /reports/search.
const searchReportRows = 50

// reportSearch serves GET /reports/search: HTML, or JSON for ?format=json.
func (s *Server) reportSearch(c *echo.Context) error {
	asJSON, err := wantsJSON(c)
	if err != nil {
		return err
	}
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	p := searchesPage{layout: s.layout(snap, "Search report", "/reports/search"), Off: s.searchLog == nil}
	p.Description = "What people searched for and did not find."
	var stats []searchlog.Stat
	if s.searchLog != nil {
		if stats, err = s.searchLog.Stats(c.Request().Context()); err != nil {
			return s.storeError(err)
		}
	}
	p.Total = len(stats)
	for _, st := range stats {
		r := searchRow{Stat: st, SearchURL: "/search?q=" + url.QueryEscape(st.Query), NewCmd: kbNewCommand(st.Query)}
		if len(p.Top) < searchReportRows {
			p.Top = append(p.Top, r)
		}
		switch {
		case st.LastResults == 0 && len(p.Zero) < searchReportRows:
			p.Zero = append(p.Zero, r)
		case st.LastResults > 0 && st.Opened == 0 && len(p.NotOpened) < searchReportRows:
			p.NotOpened = append(p.NotOpened, r)
		}
	}
	h := c.Response().Header()
	h["Cache-Control"] = s.hdr.noStore
	h.Add("Vary", "Accept")
	if asJSON {
		return s.sendJSON(c, http.StatusOK, map[string]any{"queries": p.Total, "top": rowsStats(p.Top), "zero_results": rowsStats(p.Zero), "not_opened": rowsStats(p.NotOpened)})
	}
	return s.renderPage(c, http.StatusOK, themes.PageSearches, p)
}

func rowsStats(rows []searchRow) []searchlog.Stat {
	out := make([]searchlog.Stat, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Stat)
	}
	return out
}

// kbNewCommand is the shell command that starts a runbook titled q, the
// title in single quotes so that no character of it is special.
func kbNewCommand(q string) string {
	return "kb new runbook '" + strings.ReplaceAll(q, "'", `'\''`) + "'"
}
