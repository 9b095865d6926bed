package reports

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"kb/content"
	"kb/tickets"
)

// reviewHelpful is how many of the most helpful articles the review report lists.
const reviewHelpful = 10

// ReviewRow is an article past its review date in the review report.
type ReviewRow struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Type        string   `json:"type"`
	Path        string   `json:"path"` // root-relative source file
	URL         string   `json:"url"`
	Owners      []string `json:"owners"`
	Reviewed    string   `json:"reviewed,omitempty"` // YYYY-MM-DD; "" when never reviewed
	Due         string   `json:"due,omitempty"`      // YYYY-MM-DD; "" when never reviewed
	DaysOverdue int      `json:"days_overdue"`       // 0 when never reviewed
	Tickets30   int      `json:"tickets_30d"`        // ticket links in the last 30 days
	Helpful     int      `json:"helpful"`            // "this helped", all time
	Line        string   `json:"line"`               // the front-matter line to write
	EditURL     string   `json:"edit_url,omitempty"` // the file in the git host's editor

	Article *content.Article `json:"-"`
}

// OwnerCount is an owner and how many of its articles are due.
type OwnerCount struct {
	Name  string
	Count int
}

// ReviewReport is the review report: the articles past their review date,
// ranked by use so that owners fix first what people read.
type ReviewReport struct {
	Generated   time.Time    `json:"generated"`
	Today       string       `json:"today"`
	Owner       string       `json:"owner,omitempty"` // the owner asked for
	Due         int          `json:"due"`             // articles past their review, before the owner filter
	Articles    []ReviewRow  `json:"articles"`        // most used first
	Owners      []OwnerCount `json:"-"`               // owners with due articles, by name
	TicketsOff  bool         `json:"tickets_unavailable,omitempty"`
	HelpfulOff  bool         `json:"helpful_unavailable,omitempty"`
	Helpful     []ReviewRow  `json:"-"` // the most helpful articles, due or not
	DefaultText string       `json:"-"` // kb.yaml review_every, "" when unset

	// TicketsErr and HelpfulErr say why ticket links or "this helped"
	// counts could not be read (TicketsOff, HelpfulOff); nil when they
	// were read or kb runs without them.
	TicketsErr error `json:"-"`
	HelpfulErr error `json:"-"`
}

// ReviewInput is what the review report reads besides the snapshot.
type ReviewInput struct {
	Links   LinkSource     // nil when kb has no ticket links at hand
	Helpful HelpfulCounter // nil when kb runs without feedback
	Owner   string         // keep the articles of this owner (any case); "" keeps all
	URLs    URLs
}

// Review computes the review report of snap at now: the articles past their
// review date (reviewed + review_every; never reviewed counts as due),
// ranked by ticket links of the last 30 days, then "this helped" counts,
// then runbooks first, then how long overdue. Each row has the
// front-matter line to change and, when kb.yaml has edit_url, a link to the
// editor: reviewing is a commit like any other. Review does not fail: a
// source it cannot read is left out, and the report says so.
func Review(ctx context.Context, snap *content.Snapshot, in ReviewInput, now time.Time) *ReviewReport {
	r := &ReviewReport{Generated: now.UTC(), Today: now.Format(time.DateOnly), Owner: in.Owner, Articles: []ReviewRow{}}
	if snap.Site.ReviewEvery > 0 {
		r.DefaultText = content.IntervalText(time.Duration(snap.Site.ReviewEvery))
	}
	var tickets30 map[string]int
	if in.Links == nil {
		r.TicketsOff = true
	} else if tickets30, r.TicketsErr = recentTickets(ctx, in.Links, now.AddDate(0, 0, -30)); r.TicketsErr != nil {
		r.TicketsOff = true
	}
	var helpful map[string]int
	if in.Helpful == nil {
		r.HelpfulOff = true
	} else if helpful, r.HelpfulErr = in.Helpful.HelpfulCounts(ctx); r.HelpfulErr != nil {
		r.HelpfulOff = true
	}
	owners := map[string]int{}
	var all []ReviewRow
	for _, a := range snap.Articles {
		if a.IsIndex() {
			continue
		}
		row := ReviewRow{ID: a.ID, Helpful: helpful[a.ID], Article: a, Title: a.Title, Type: string(a.Type), Path: a.Path}
		row.URL = in.URLs.Absolute(in.URLs.Article(a))
		if n := helpful[a.ID]; n > 0 {
			all = append(all, row)
		}
		st := a.Review(snap.Site, now)
		if !st.Overdue && !a.Reviewed.IsZero() {
			continue
		}
		r.Due++
		for _, o := range a.Owners {
			owners[o]++
		}
		if in.Owner != "" && !slices.ContainsFunc(a.Owners, func(o string) bool { return strings.EqualFold(o, in.Owner) }) {
			continue
		}
		row.Owners = a.Owners
		if row.Owners == nil {
			row.Owners = []string{}
		}
		if !a.Reviewed.IsZero() {
			row.Reviewed = a.Reviewed.Format(time.DateOnly)
			if !st.Due.IsZero() {
				row.Due = st.Due.Format(time.DateOnly)
				row.DaysOverdue = int(now.Sub(st.Due) / (24 * time.Hour))
			}
		}
		row.Tickets30 = tickets30[a.ID]
		row.Line = "reviewed: " + r.Today
		row.EditURL = in.URLs.Edit(a)
		r.Articles = append(r.Articles, row)
	}
	slices.SortStableFunc(r.Articles, func(x, y ReviewRow) int {
		return cmp.Or(
			cmp.Compare(y.Tickets30, x.Tickets30),
			cmp.Compare(y.Helpful, x.Helpful),
			cmp.Compare(content.TypeRank(content.Type(x.Type)), content.TypeRank(content.Type(y.Type))),
			cmp.Compare(y.DaysOverdue, x.DaysOverdue),
			strings.Compare(strings.ToLower(x.Title), strings.ToLower(y.Title)),
		)
	})
	for _, name := range slices.Sorted(maps.Keys(owners)) {
		r.Owners = append(r.Owners, OwnerCount{Name: name, Count: owners[name]})
	}
	slices.SortStableFunc(all, func(x, y ReviewRow) int { return cmp.Compare(y.Helpful, x.Helpful) })
	r.Helpful = all[:min(len(all), reviewHelpful)]
	return r
}

// recentTickets counts the ticket links of each article that count as
// recent since the given time.
func recentTickets(ctx context.Context, links LinkSource, since time.Time) (map[string]int, error) {
	out := map[string]int{}
	err := links.Each(ctx, func(l tickets.Link) error {
		if recentSince(l, since) {
			out[l.ArticleID]++
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count recent ticket links: %w", err)
	}
	return out, nil
}
