package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/reports"
	"kb/themes"
)

// reviewPage is the data of templates/review.html.
type reviewPage struct {
	layout
	*reports.ReviewReport
	Articles []reviewRow // ReviewReport.Articles with their list items
	Owners   []term      // the owners with due articles, each with its filter URL
	Helpful  []reviewRow // ReviewReport.Helpful with their list items
}

// reviewRow is a row of the review report with the article as lists show it.
type reviewRow struct {
	reports.ReviewRow
	Item item
}

// reportReview serves GET /reports/review (reports.Review): the articles
// past their review date, the most used first; ?owner= keeps one owner's.
// HTML, or JSON like reportTickets.
func (s *Server) reportReview(c *echo.Context) error {
	asJSON, err := wantsJSON(c)
	if err != nil {
		return err
	}
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	owner := strings.TrimSpace(c.QueryParam("owner"))
	if len(owner) > 200 {
		return echo.NewHTTPError(http.StatusBadRequest, "owner: at most 200 bytes.")
	}
	in := reports.ReviewInput{Helpful: s.feedback, Owner: owner, URLs: articleURLs{snap}}
	if store, err := s.linksAvailable(); err == nil {
		in.Links = store
	}
	r := reports.Review(c.Request().Context(), snap, in, s.now())
	if r.TicketsErr != nil {
		s.log.Warn("cannot read ticket links; the review report goes without", "err", r.TicketsErr)
	}
	if r.HelpfulErr != nil {
		s.log.Warn("cannot read helpful counts; the review report goes without", "err", r.HelpfulErr)
	}
	h := c.Response().Header()
	h["Cache-Control"] = s.hdr.noStore
	h.Add("Vary", "Accept")
	if asJSON {
		return s.sendJSON(c, http.StatusOK, r)
	}
	p := reviewPage{layout: s.layout(snap, "Review report", "/reports/review"), ReviewReport: r,
		Articles: reviewRows(r.Articles), Helpful: reviewRows(r.Helpful)}
	p.Description = "Articles past their review date, the most used first."
	for _, o := range r.Owners {
		p.Owners = append(p.Owners, term{Name: o.Name, URL: "/reports/review?" + url.Values{"owner": {o.Name}}.Encode(), Count: o.Count})
	}
	return s.renderPage(c, http.StatusOK, themes.PageReview, p)
}

func reviewRows(rows []reports.ReviewRow) []reviewRow {
	out := make([]reviewRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, reviewRow{ReviewRow: r, Item: toItem(r.Article)})
	}
	return out
}
