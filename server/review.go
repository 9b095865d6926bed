package server

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/themes"
	"kb/tickets"
)

// reviewRow is an article past its review date in /reports/review.
type reviewRow struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Type        string    `json:"type"`
	Path        string    `json:"path"` // root-relative source file
	URL         string    `json:"url"`
	Owners      []string  `json:"owners"`
	Reviewed    string    `json:"reviewed,omitempty"` // YYYY-MM-DD; "" when never reviewed
	Due         string    `json:"due,omitempty"`      // YYYY-MM-DD; "" when never reviewed
	DaysOverdue int       `json:"days_overdue"`       // 0 when never reviewed
	Tickets30   int       `json:"tickets_30d"`        // ticket links in the last 30 days
	Helpful     int       `json:"helpful"`            // "this helped", all time
	Line        string    `json:"line"`               // the front-matter line to write
	EditURL     string    `json:"edit_url,omitempty"` // the file in the git host's editor
	Item        item      `json:"-"`
	ReviewedAt  time.Time `json:"-"`
}

// reviewReport is the data of templates/review.html and the JSON of ?format=json.
type reviewReport struct {
	layout      `json:"-"`
	Generated   time.Time   `json:"generated"`
	Today       string      `json:"today"`
	Owner       string      `json:"owner,omitempty"` // the ?owner= filter
	Due         int         `json:"due"`             // articles past their review, before the owner filter
	Articles    []reviewRow `json:"articles"`        // most used first
	Owners      []term      `json:"-"`               // owners with due articles, for the filter
	TicketsOff  bool        `json:"tickets_unavailable,omitempty"`
	HelpfulOff  bool        `json:"helpful_unavailable,omitempty"`
	Helpful     []reviewRow `json:"-"` // the most helpful articles, due or not
	DefaultText string      `json:"-"` // kb.yaml review_every, "" when unset
}

// reportReview serves GET /reports/review: the articles past their review
// date (reviewed + review_every; never reviewed counts as due), ranked by
// use so owners fix first what people read: ticket links of the last 30
// days, then "this helped" counts, then how long overdue. ?owner= keeps one
// owner's. Each row has the front-matter line to change and, with
// kb.yaml edit_url, a link to the editor: reviewing is a commit like any other.
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
	r := s.buildReview(c.Request().Context(), snap, owner, s.now())
	h := c.Response().Header()
	h["Cache-Control"] = s.hdr.noStore
	h.Add("Vary", "Accept")
	if asJSON {
		return c.JSON(http.StatusOK, r)
	}
	r.layout = s.layout(snap, "Review report", "/reports/review")
	r.Description = "Articles past their review date, the most used first."
	return s.renderPage(c, http.StatusOK, themes.PageReview, r)
}

// wantsJSON reads ?format= (html or json); without it, an Accept header
// asking for JSON rather than HTML picks JSON.
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

func (s *Server) buildReview(ctx context.Context, snap *content.Snapshot, owner string, now time.Time) *reviewReport {
	r := &reviewReport{Generated: now.UTC(), Today: now.Format(time.DateOnly), Owner: owner, Articles: []reviewRow{}}
	if snap.Site.ReviewEvery > 0 {
		r.DefaultText = durationText(time.Duration(snap.Site.ReviewEvery))
	}
	tickets30, err := s.recentTickets(ctx, now.AddDate(0, 0, -30))
	if err != nil {
		r.TicketsOff = true
	}
	var helpful map[string]int
	if s.feedback == nil {
		r.HelpfulOff = true
	} else if helpful, err = s.feedback.HelpfulCounts(ctx); err != nil {
		s.log.Warn("cannot read helpful counts; the review report goes without", "err", err)
		r.HelpfulOff = true
	}
	owners := map[string]int{}
	var all []reviewRow
	for _, a := range snap.Articles {
		if a.IsIndex() {
			continue
		}
		row := reviewRow{ID: a.ID, Helpful: helpful[a.ID], Item: toItem(a), Title: a.Title, Type: string(a.Type), Path: a.Path}
		row.URL = absolute(snap, row.Item.URL)
		if n := helpful[a.ID]; n > 0 {
			all = append(all, row)
		}
		st := reviewOf(snap.Site, a, now)
		if !st.Overdue && !a.Reviewed.IsZero() {
			continue
		}
		r.Due++
		for _, o := range a.Owners {
			owners[o]++
		}
		if owner != "" && !slices.ContainsFunc(a.Owners, func(o string) bool { return strings.EqualFold(o, owner) }) {
			continue
		}
		row.Owners = a.Owners
		if row.Owners == nil {
			row.Owners = []string{}
		}
		row.ReviewedAt = a.Reviewed
		if !a.Reviewed.IsZero() {
			row.Reviewed = a.Reviewed.Format(time.DateOnly)
			if !st.Due.IsZero() {
				row.Due = st.Due.Format(time.DateOnly)
				row.DaysOverdue = int(now.Sub(st.Due) / (24 * time.Hour))
			}
		}
		row.Tickets30 = tickets30[a.ID]
		row.Line = "reviewed: " + r.Today
		row.EditURL = snap.Site.EditLink(a.Path)
		r.Articles = append(r.Articles, row)
	}
	slices.SortStableFunc(r.Articles, func(x, y reviewRow) int {
		return cmp.Or(
			cmp.Compare(y.Tickets30, x.Tickets30),
			cmp.Compare(y.Helpful, x.Helpful),
			cmp.Compare(typeRank(x.Type), typeRank(y.Type)),
			cmp.Compare(y.DaysOverdue, x.DaysOverdue),
			strings.Compare(strings.ToLower(x.Title), strings.ToLower(y.Title)),
		)
	})
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for o := range owners {
			if !yield(o) {
				return
			}
		}
	}) {
		r.Owners = append(r.Owners, term{Name: name, URL: "/reports/review?" + url.Values{"owner": {name}}.Encode(), Count: owners[name]})
	}
	slices.SortStableFunc(all, func(x, y reviewRow) int { return cmp.Compare(y.Helpful, x.Helpful) })
	r.Helpful = all[:min(len(all), 10)]
	return r
}

// recentTickets counts the ticket links of each article resolved (else
// linked) since the given time; an error when the links store is unavailable.
func (s *Server) recentTickets(ctx context.Context, since time.Time) (map[string]int, error) {
	store, err := s.linksAvailable()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	err = store.Each(ctx, func(l tickets.Link) error {
		at := l.LinkedAt
		if l.Ticket.ResolvedAt != nil {
			at = *l.Ticket.ResolvedAt
		}
		if !at.Before(since) {
			out[l.ArticleID]++
		}
		return nil
	})
	if err != nil {
		s.log.Warn("cannot read ticket links; the review report goes without", "err", err)
		return nil, err
	}
	return out, nil
}
