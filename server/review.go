package server

import (
	"net/http"
	"net/url"
	"strconv"
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
	Pager    pager       // the page of Articles shown
}

// reportPageSize is how many rows a page of a long report shows: the
// PowerShell docs' review report was 1.65 MB of HTML on one page.
const reportPageSize = 100

// pager is where a page of a long list is: rows From to To of Total, with
// the links to the pages before and after.
type pager struct {
	From, To, Total int
	Prev, Next      string
}

// pageOf returns the bounds of page n (1-based) of total rows and the pager
// with links built by pageURL; a page past the end is the last one.
func pageOf(n, total int, pageURL func(int) string) (lo, hi int, p pager) {
	pages := max(1, (total+reportPageSize-1)/reportPageSize)
	n = min(max(n, 1), pages)
	lo, hi = (n-1)*reportPageSize, min(n*reportPageSize, total)
	p = pager{From: lo + 1, To: hi, Total: total}
	if n > 1 {
		p.Prev = pageURL(n - 1)
	}
	if n < pages {
		p.Next = pageURL(n + 1)
	}
	return lo, hi, p
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
	snap, err := s.view(c)
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
	page, err := pageParam(c)
	if err != nil {
		return err
	}
	lo, hi, pg := pageOf(page, len(r.Articles), func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}}
		if owner != "" {
			v.Set("owner", owner)
		}
		return "/reports/review?" + v.Encode()
	})
	p := reviewPage{layout: s.layout(snap, "Review report", "/reports/review"), ReviewReport: r,
		Articles: reviewRows(r.Articles[lo:hi]), Helpful: reviewRows(r.Helpful), Pager: pg}
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

// pageParam reads ?page=, 1 when absent.
func pageParam(c *echo.Context) (int, error) {
	v := c.QueryParam("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, echo.NewHTTPError(http.StatusBadRequest, "page: a whole number from 1.")
	}
	return n, nil
}
