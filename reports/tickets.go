package reports

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"kb/content"
	"kb/tickets"
	"kb/word"
)

// Limits of the tickets report.
const (
	reportTop         = 10  // articles in each top list
	reportNeverLinked = 500 // articles listed as never linked
	reportGapTickets  = 20  // tickets shown in one group of gaps
	reportGapWords    = 15  // groups of gaps by title word
)

// TicketsReport is the tickets report: which articles solve tickets, which
// never do, and where knowledge is missing.
type TicketsReport struct {
	Generated        time.Time      `json:"generated"`
	Links            int            `json:"links"`
	Top30            []ArticleCount `json:"top_30_days"` // by tickets resolved (else linked) in the last 30 days
	Top90            []ArticleCount `json:"top_90_days"`
	NeverLinked      []ArticleItem  `json:"never_linked"` // at most reportNeverLinked
	NeverLinkedTotal int            `json:"never_linked_total"`
	Missing          []ArticleCount `json:"links_to_missing_articles"` // ids that no article has any more
	Gaps             Gaps           `json:"gaps"`
	LinkRate         LinkRate       `json:"link_rate"`

	// NeverLinkedArticles are the articles of NeverLinked, for pages that
	// list them their own way.
	NeverLinkedArticles []*content.Article `json:"-"`
}

// ArticleCount is an article and a number of its tickets.
type ArticleCount struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url,omitempty"` // root-relative; "" when no article has the id
	Count int    `json:"count"`
}

// ArticleItem is an article of a report list.
type ArticleItem struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Type  string `json:"type"`
	URL   string `json:"url"` // absolute when kb.yaml sets base_url
}

// Gaps are the resolved tickets that no article helped with.
type Gaps struct {
	Total    int        `json:"total"`
	BySystem []GapGroup `json:"by_system"`
	ByWord   []GapGroup `json:"by_title_word"` // the words most gap titles share: topics to write about
}

// GapGroup is gaps sharing a system or a title word.
type GapGroup struct {
	Name    string      `json:"name"`
	Label   string      `json:"label"`
	Count   int         `json:"count"`
	Tickets []GapTicket `json:"tickets"` // the most recent reportGapTickets
}

// GapTicket is one knowledge gap.
type GapTicket struct {
	System      string    `json:"system"`
	SystemLabel string    `json:"-"`
	Key         string    `json:"key"`
	URL         string    `json:"url,omitempty"`
	Title       string    `json:"title,omitempty"`
	Date        time.Time `json:"date"`                 // resolved, else received
	Unresolved  []string  `json:"unresolved,omitempty"` // references in the ticket that named no article
}

// LinkRate is the share of the resolved tickets webhooks delivered that
// carried a link to an article.
type LinkRate struct {
	Resolved int          `json:"resolved"`
	Linked   int          `json:"linked"`
	Rate     float64      `json:"rate"` // Linked / Resolved; 0 when nothing was delivered
	Percent  string       `json:"-"`    // Rate as "62%", "–" when nothing was delivered
	BySystem []SystemRate `json:"by_system"`
}

// SystemRate is the link rate of one ticket system.
type SystemRate struct {
	System   string  `json:"system"`
	Label    string  `json:"-"`
	Resolved int     `json:"resolved"`
	Linked   int     `json:"linked"`
	Rate     float64 `json:"rate"`
	Percent  string  `json:"-"`
}

// Tickets computes the tickets report of snap at now, reading every link
// and resolved ticket of links once. Errors are the store's, unwrapped, so
// that the caller can tell a damaged store from a cancelled request.
func Tickets(ctx context.Context, links Links, snap *content.Snapshot, urls URLs, now time.Time) (*TicketsReport, error) {
	r := &TicketsReport{Generated: now.UTC(), Missing: []ArticleCount{}}
	since30, since90 := now.AddDate(0, 0, -30), now.AddDate(0, 0, -90)
	all, in30, in90 := map[string]int{}, map[string]int{}, map[string]int{}
	err := links.Each(ctx, func(l tickets.Link) error {
		r.Links++
		all[l.ArticleID]++
		if recentSince(l, since90) {
			in90[l.ArticleID]++
			if recentSince(l, since30) {
				in30[l.ArticleID]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.Top30, r.Top90 = topArticles(snap, urls, in30), topArticles(snap, urls, in90)
	for _, id := range sortedKeys(all) {
		if _, ok := snap.ByID(id); !ok {
			r.Missing = append(r.Missing, ArticleCount{ID: id, Count: all[id]})
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
		return cmp.Or(cmp.Compare(content.TypeRank(a.Type), content.TypeRank(b.Type)),
			cmp.Compare(content.SeverityRank(a.Severity), content.SeverityRank(b.Severity)),
			strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)))
	})
	r.NeverLinked = []ArticleItem{}
	for _, a := range never[:min(len(never), reportNeverLinked)] {
		r.NeverLinkedArticles = append(r.NeverLinkedArticles, a)
		r.NeverLinked = append(r.NeverLinked, ArticleItem{ID: a.ID, Title: a.Title, Type: string(a.Type), URL: urls.Absolute(urls.Article(a))})
	}
	if err := r.addResolved(ctx, links); err != nil {
		return nil, err
	}
	return r, nil
}

// topArticles returns the reportTop articles with the highest counts.
func topArticles(snap *content.Snapshot, urls URLs, counts map[string]int) []ArticleCount {
	out := []ArticleCount{}
	for _, id := range sortedKeys(counts) {
		if len(out) == reportTop {
			break
		}
		ac := ArticleCount{ID: id, Count: counts[id]}
		if a, ok := snap.ByID(id); ok {
			ac.Title, ac.URL = a.Title, urls.Article(a)
		}
		out = append(out, ac)
	}
	return out
}

// addResolved fills the gaps and the link rate from the resolved tickets
// webhooks delivered. A gap that got a link since (by the API) is no gap.
func (r *TicketsReport) addResolved(ctx context.Context, links Links) error {
	type sysCount struct{ resolved, linked int }
	bySystem := map[string]*sysCount{}
	var gaps []GapTicket
	err := links.EachResolved(ctx, func(res tickets.Resolved) error {
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
		g := GapTicket{System: res.Ticket.System, SystemLabel: tickets.SystemLabel(res.Ticket.System), Key: res.Ticket.Key,
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
		sr := SystemRate{System: sys, Label: tickets.SystemLabel(sys), Resolved: sc.resolved, Linked: sc.linked}
		sr.Rate, sr.Percent = rate(sc.linked, sc.resolved)
		r.LinkRate.BySystem = append(r.LinkRate.BySystem, sr)
	}
	// Drop the gaps linked since by hand.
	open := gaps[:0]
	for _, g := range gaps {
		ls, err := links.ByTicket(ctx, g.System, g.Key)
		if err != nil {
			return err
		}
		if len(ls) == 0 {
			open = append(open, g)
		}
	}
	gaps = open
	slices.SortStableFunc(gaps, func(a, b GapTicket) int { return b.Date.Compare(a.Date) })
	r.Gaps.Total = len(gaps)
	r.Gaps.BySystem = groupGaps(gaps, func(g GapTicket) []string { return []string{g.System} }, tickets.SystemLabel, 0)
	r.Gaps.ByWord = groupGaps(gaps, func(g GapTicket) []string { return titleWords(g.Title) }, func(w string) string { return w }, reportGapWords)
	return nil
}

// rate returns n of of as a fraction and as a percentage for people.
func rate(n, of int) (float64, string) {
	if of == 0 {
		return 0, "–"
	}
	f := float64(n) / float64(of)
	return f, fmt.Sprintf("%.0f%%", 100*f)
}

// groupGaps groups gaps (newest first) by the names keys gives each, largest
// group first; limit > 0 keeps that many groups.
func groupGaps(gaps []GapTicket, keys func(GapTicket) []string, label func(string) string, limit int) []GapGroup {
	groups := map[string]*GapGroup{}
	for _, g := range gaps {
		for _, k := range keys(g) {
			gg := groups[k]
			if gg == nil {
				gg = &GapGroup{Name: k, Label: label(k), Tickets: []GapTicket{}}
				groups[k] = gg
			}
			gg.Count++
			if len(gg.Tickets) < reportGapTickets {
				gg.Tickets = append(gg.Tickets, g)
			}
		}
	}
	out := make([]GapGroup, 0, len(groups))
	for _, gg := range groups {
		out = append(out, *gg)
	}
	slices.SortFunc(out, func(a, b GapGroup) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Name, b.Name)) })
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
	for _, w := range word.Fields(strings.ToLower(title)) {
		if len([]rune(w)) < 3 || stopWords[w] || strings.IndexFunc(w, unicode.IsLetter) < 0 || slices.Contains(out, w) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// sortedKeys returns the keys of m by descending value, then ascending key.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	return keys
}

// OpenGaps counts the knowledge gaps by ticket system: resolved tickets
// that webhooks delivered without any kb article and that no link (by the
// API, since) has mended, as /reports/tickets shows them.
func OpenGaps(ctx context.Context, links Links) (map[string]int, error) {
	out := map[string]int{}
	type gap struct{ system, key string }
	var gaps []gap
	err := links.EachResolved(ctx, func(res tickets.Resolved) error {
		if res.Gap() {
			gaps = append(gaps, gap{res.Ticket.System, res.Ticket.Key})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, g := range gaps {
		ls, err := links.ByTicket(ctx, g.system, g.key)
		if err != nil {
			return nil, err
		}
		if len(ls) == 0 {
			out[g.system]++
		}
	}
	return out, nil
}
