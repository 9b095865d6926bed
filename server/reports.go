package server

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/themes"
	"kb/tickets"
)

// Limits of the tickets report.
const (
	reportTop         = 10  // articles in each top list
	reportNeverLinked = 500 // articles listed as never linked
	reportGapTickets  = 20  // tickets shown in one group of gaps
	reportGapWords    = 15  // groups of gaps by title word
)

// ticketsReport is the data of /reports/tickets, as HTML (templates/report.html) or JSON.
type ticketsReport struct {
	layout           `json:"-"`
	Generated        time.Time      `json:"generated"`
	Links            int            `json:"links"`
	Top30            []articleCount `json:"top_30_days"` // by tickets resolved (else linked) in the last 30 days
	Top90            []articleCount `json:"top_90_days"`
	NeverLinked      []item         `json:"-"`
	NeverLinkedJSON  []reportItem   `json:"never_linked"` // at most reportNeverLinked
	NeverLinkedTotal int            `json:"never_linked_total"`
	Missing          []articleCount `json:"links_to_missing_articles"` // ids that no article has any more
	Gaps             reportGaps     `json:"gaps"`
	LinkRate         linkRate       `json:"link_rate"`
}

// articleCount is an article and a number of its tickets.
type articleCount struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"`
	Count int    `json:"count"`
}

// reportItem is an article of a report list, as JSON.
type reportItem struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Type  string `json:"type"`
	URL   string `json:"url"`
}

// reportGaps are the resolved tickets that no article helped with.
type reportGaps struct {
	Total    int        `json:"total"`
	BySystem []gapGroup `json:"by_system"`
	ByWord   []gapGroup `json:"by_title_word"` // the words most gap titles share: topics to write about
}

// gapGroup is gaps sharing a system or a title word.
type gapGroup struct {
	Name    string      `json:"name"`
	Label   string      `json:"label"`
	Count   int         `json:"count"`
	Tickets []gapTicket `json:"tickets"` // the most recent reportGapTickets
}

// gapTicket is one knowledge gap.
type gapTicket struct {
	System      string    `json:"system"`
	SystemLabel string    `json:"-"`
	Key         string    `json:"key"`
	URL         string    `json:"url,omitempty"`
	Title       string    `json:"title,omitempty"`
	Date        time.Time `json:"date"`                 // resolved, else received
	Unresolved  []string  `json:"unresolved,omitempty"` // references in the ticket that named no article
}

// linkRate is the share of the resolved tickets webhooks delivered that
// carried a link to an article.
type linkRate struct {
	Resolved int          `json:"resolved"`
	Linked   int          `json:"linked"`
	Rate     float64      `json:"rate"` // Linked / Resolved; 0 when nothing was delivered
	Percent  string       `json:"-"`
	BySystem []systemRate `json:"by_system"`
}

// systemRate is the link rate of one ticket system.
type systemRate struct {
	System   string  `json:"system"`
	Label    string  `json:"-"`
	Resolved int     `json:"resolved"`
	Linked   int     `json:"linked"`
	Rate     float64 `json:"rate"`
	Percent  string  `json:"-"`
}

// reportTickets serves GET /reports/tickets: HTML, or JSON for ?format=json
// or a request that accepts JSON rather than HTML.
func (s *Server) reportTickets(c *echo.Context) error {
	asJSON := false
	switch f := c.QueryParam("format"); f {
	case "json":
		asJSON = true
	case "", "html":
		accept := c.Request().Header.Get("Accept")
		asJSON = f == "" && strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "format: html or json.")
	}
	store, err := s.linksAvailable()
	if err != nil {
		return err
	}
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	r, err := buildTicketsReport(c.Request().Context(), store, snap, s.now())
	if err != nil {
		return storeError(err)
	}
	h := c.Response().Header()
	h["Cache-Control"] = s.hdr.noStore
	h.Add("Vary", "Accept")
	if asJSON {
		return c.JSON(http.StatusOK, r)
	}
	r.layout = s.layout(snap, "Tickets report", "/reports/tickets")
	r.Description = "Which articles solve tickets, which never do, and where knowledge is missing."
	var buf strings.Builder
	if err := s.theme.Render(&buf, themes.PageReport, r); err != nil {
		return err
	}
	return c.HTML(http.StatusOK, buf.String())
}

// buildTicketsReport reads every link and resolved ticket once.
func buildTicketsReport(ctx context.Context, store LinkStore, snap *content.Snapshot, now time.Time) (*ticketsReport, error) {
	r := &ticketsReport{Generated: now.UTC(), Missing: []articleCount{}}
	since30, since90 := now.AddDate(0, 0, -30), now.AddDate(0, 0, -90)
	all, in30, in90 := map[string]int{}, map[string]int{}, map[string]int{}
	err := store.Each(ctx, func(l tickets.Link) error {
		r.Links++
		all[l.ArticleID]++
		at := l.LinkedAt
		if l.Ticket.ResolvedAt != nil {
			at = *l.Ticket.ResolvedAt
		}
		if !at.Before(since90) {
			in90[l.ArticleID]++
			if !at.Before(since30) {
				in30[l.ArticleID]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.Top30, r.Top90 = topArticles(snap, in30), topArticles(snap, in90)
	for _, id := range sortedKeys(all) {
		if _, ok := snap.ByID(id); !ok {
			r.Missing = append(r.Missing, articleCount{ID: id, Count: all[id]})
		}
	}
	var never []*content.Article
	for _, a := range snap.Articles {
		if all[a.ID] == 0 && !a.IsIndex() {
			never = append(never, a)
		}
	}
	r.NeverLinkedTotal = len(never)
	slices.SortStableFunc(never, func(a, b *content.Article) int { // runbooks first, the most severe first, then by title
		return cmp.Or(cmp.Compare(typeRank(string(a.Type)), typeRank(string(b.Type))),
			cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)),
			strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)))
	})
	r.NeverLinkedJSON = []reportItem{}
	for _, a := range never[:min(len(never), reportNeverLinked)] {
		it := toItem(a)
		r.NeverLinked = append(r.NeverLinked, it)
		r.NeverLinkedJSON = append(r.NeverLinkedJSON, reportItem{ID: a.ID, Title: a.Title, Type: it.Type, URL: absolute(snap, it.URL)})
	}
	if err := r.addResolved(ctx, store); err != nil {
		return nil, err
	}
	return r, nil
}

// topArticles returns the reportTop articles with the highest counts.
func topArticles(snap *content.Snapshot, counts map[string]int) []articleCount {
	out := []articleCount{}
	for _, id := range sortedKeys(counts) {
		if len(out) == reportTop {
			break
		}
		ac := articleCount{ID: id, Count: counts[id]}
		if a, ok := snap.ByID(id); ok {
			ac.Title, ac.URL = a.Title, toItem(a).URL
		}
		out = append(out, ac)
	}
	return out
}

// addResolved fills the gaps and the link rate from the resolved tickets
// webhooks delivered. A gap that got a link since (by the API) is no gap.
func (r *ticketsReport) addResolved(ctx context.Context, store LinkStore) error {
	type sysCount struct{ resolved, linked int }
	bySystem := map[string]*sysCount{}
	var gaps []gapTicket
	err := store.EachResolved(ctx, func(res tickets.Resolved) error {
		sc := bySystem[res.Ticket.System]
		if sc == nil {
			sc = &sysCount{}
			bySystem[res.Ticket.System] = sc
		}
		sc.resolved++
		r.LinkRate.Resolved++
		if !res.Gap() {
			sc.linked++
			r.LinkRate.Linked++
			return nil
		}
		g := gapTicket{System: res.Ticket.System, SystemLabel: systemLabel(res.Ticket.System), Key: res.Ticket.Key,
			URL: res.Ticket.URL, Title: res.Ticket.Title, Date: res.SeenAt, Unresolved: res.Unresolved}
		if res.Ticket.ResolvedAt != nil {
			g.Date = *res.Ticket.ResolvedAt
		}
		gaps = append(gaps, g)
		return nil
	})
	if err != nil {
		return err
	}
	r.LinkRate.Rate, r.LinkRate.Percent = rate(r.LinkRate.Linked, r.LinkRate.Resolved)
	for _, sys := range slices.Sorted(maps.Keys(bySystem)) {
		sc := bySystem[sys]
		sr := systemRate{System: sys, Label: systemLabel(sys), Resolved: sc.resolved, Linked: sc.linked}
		sr.Rate, sr.Percent = rate(sc.linked, sc.resolved)
		r.LinkRate.BySystem = append(r.LinkRate.BySystem, sr)
	}
	// Drop the gaps linked since by hand.
	open := gaps[:0]
	for _, g := range gaps {
		links, err := store.ByTicket(ctx, g.System, g.Key)
		if err != nil {
			return err
		}
		if len(links) == 0 {
			open = append(open, g)
		}
	}
	gaps = open
	slices.SortStableFunc(gaps, func(a, b gapTicket) int { return b.Date.Compare(a.Date) })
	r.Gaps.Total = len(gaps)
	r.Gaps.BySystem = groupGaps(gaps, func(g gapTicket) []string { return []string{g.System} }, systemLabel, 0)
	r.Gaps.ByWord = groupGaps(gaps, func(g gapTicket) []string { return titleWords(g.Title) }, func(w string) string { return w }, reportGapWords)
	return nil
}

func rate(n, of int) (float64, string) {
	if of == 0 {
		return 0, "–"
	}
	f := float64(n) / float64(of)
	return f, fmt.Sprintf("%.0f%%", 100*f)
}

// groupGaps groups gaps (newest first) by the names keys gives each, largest
// group first; limit > 0 keeps that many groups.
func groupGaps(gaps []gapTicket, keys func(gapTicket) []string, label func(string) string, limit int) []gapGroup {
	groups := map[string]*gapGroup{}
	for _, g := range gaps {
		for _, k := range keys(g) {
			gg := groups[k]
			if gg == nil {
				gg = &gapGroup{Name: k, Label: label(k), Tickets: []gapTicket{}}
				groups[k] = gg
			}
			gg.Count++
			if len(gg.Tickets) < reportGapTickets {
				gg.Tickets = append(gg.Tickets, g)
			}
		}
	}
	out := make([]gapGroup, 0, len(groups))
	for _, gg := range groups {
		out = append(out, *gg)
	}
	slices.SortFunc(out, func(a, b gapGroup) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Name, b.Name)) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// stopWords are left out of the title words gaps are grouped by.
var stopWords = map[string]bool{
	"the": true, "and": true, "for": true, "with": true, "from": true, "not": true, "are": true, "was": true,
	"but": true, "has": true, "have": true, "after": true, "into": true, "when": true, "does": true, "doesn": true,
	"can": true, "cannot": true, "this": true, "that": true, "our": true, "all": true, "any": true, "get": true,
	"gets": true, "out": true, "too": true, "via": true, "new": true, "never": true, "some": true, "again": true,
}

// titleWords returns the distinct words of a title worth grouping by:
// lower case, three letters or more, no numbers and no stop words.
func titleWords(title string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(title), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) < 3 || stopWords[w] || strings.IndexFunc(w, unicode.IsLetter) < 0 || slices.Contains(out, w) {
			continue
		}
		out = append(out, w)
	}
	return out
}
