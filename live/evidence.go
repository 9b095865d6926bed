package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"kb/alertrules"
	"kb/content"
	"kb/search"
	"kb/tickets"
)

// TicketLinks lists the ticket links the search evidence is taken from;
// *tickets.Store implements it.
type TicketLinks interface {
	Each(ctx context.Context, fn func(tickets.Link) error) error
	ByArticle(ctx context.Context, article string, offset, limit int) ([]tickets.Link, int, error)
}

// evidenceTickets is how many of an article's newest solved tickets are
// read for the index, which keeps fewer (search caps them).
const evidenceTickets = 50

// Evidence keeps what search indexes about articles from outside their
// files (search.Evidence): the titles and notes of the tickets each article
// solved, and the summary and description annotations of the alerting
// rules (kb.yaml rules:) that name it as their runbook. Its Of is
// search.Options.Evidence; LinksChanged tells it a link was written or
// removed, and Content.Run brings the index up to date within a second.
type Evidence struct {
	links   TicketLinks
	log     *slog.Logger
	tickets atomic.Pointer[map[string][]search.Ticket]
	alerts  atomic.Pointer[map[string][]string]

	mu      sync.Mutex
	pending map[string]bool // articles whose links changed; nil key set means all
	all     bool
	changed chan struct{}
}

// NewEvidence returns evidence from links (nil: no tickets); nothing is
// read before Content.Run.
func NewEvidence(links TicketLinks, log *slog.Logger) *Evidence {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Evidence{links: links, log: log, pending: map[string]bool{}, changed: make(chan struct{}, 1)}
}

// Of returns the evidence about article a, as last read.
func (e *Evidence) Of(a *content.Article) search.Evidence {
	var ev search.Evidence
	if m := e.tickets.Load(); m != nil {
		ev.Tickets = (*m)[strings.ToLower(a.ID)]
	}
	if m := e.alerts.Load(); m != nil {
		ev.Alerts = (*m)[strings.ToLower(a.ID)]
	}
	return ev
}

// LinksChanged records that the links of the given articles were written
// or removed (none given: any article's, as after an import). It never
// blocks; Content.Run re-reads them and updates the index.
func (e *Evidence) LinksChanged(articles ...string) {
	e.mu.Lock()
	if len(articles) == 0 {
		e.all = true
	}
	for _, a := range articles {
		e.pending[strings.ToLower(a)] = true
	}
	e.mu.Unlock()
	select {
	case e.changed <- struct{}{}:
	default: // a refresh is due already
	}
}

// take returns the articles whose links changed since the last take.
func (e *Evidence) take() (ids []string, all bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ids = slices.Sorted(maps.Keys(e.pending))
	all = e.all
	e.pending, e.all = map[string]bool{}, false
	return ids, all
}

// ticketOf is what search indexes of one link: the ticket's key and title,
// with the link's note as its summary.
func ticketOf(l tickets.Link) search.Ticket {
	return search.Ticket{Key: l.Ticket.Key, Title: l.Ticket.Title, Summary: l.Note}
}

// loadTickets reads the solved tickets of every article, newest first.
func (e *Evidence) loadTickets(ctx context.Context) error {
	if e.links == nil {
		return nil
	}
	by := map[string][]tickets.Link{}
	err := e.links.Each(ctx, func(l tickets.Link) error {
		if l.Solves() && strings.TrimSpace(l.Ticket.Title+l.Note) != "" {
			by[l.ArticleID] = append(by[l.ArticleID], l)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read ticket links for search: %w", err)
	}
	m := make(map[string][]search.Ticket, len(by))
	for id, ls := range by {
		slices.SortStableFunc(ls, func(a, b tickets.Link) int { return b.CountsFrom().Compare(a.CountsFrom()) })
		for _, l := range ls[:min(len(ls), evidenceTickets)] {
			m[id] = append(m[id], ticketOf(l))
		}
	}
	e.tickets.Store(&m)
	return nil
}

// reloadTickets reads the solved tickets of the given articles again.
func (e *Evidence) reloadTickets(ctx context.Context, ids []string) error {
	if e.links == nil {
		return nil
	}
	old := map[string][]search.Ticket{}
	if m := e.tickets.Load(); m != nil {
		old = *m
	}
	m := maps.Clone(old)
	for _, id := range ids {
		ls, _, err := e.links.ByArticle(ctx, id, 0, evidenceTickets)
		if err != nil {
			return fmt.Errorf("read ticket links of %s for search: %w", id, err)
		}
		var ts []search.Ticket
		for _, l := range ls {
			if l.Solves() && strings.TrimSpace(l.Ticket.Title+l.Note) != "" {
				ts = append(ts, ticketOf(l))
			}
		}
		if len(ts) == 0 {
			delete(m, id)
		} else {
			m[id] = ts
		}
	}
	e.tickets.Store(&m)
	return nil
}

// loadAlerts reads the rule files kb.yaml names in snap and keeps the
// summary and description of each alert for its runbook. It reports
// whether anything changed. Unreadable files are skipped (/reports/coverage
// names them).
func (e *Evidence) loadAlerts(snap *content.Snapshot) bool {
	m := map[string][]string{}
	if len(snap.Site.Rules) > 0 {
		for _, f := range alertrules.ReadFiles(ruleFiles(snap.Files()), snap.Site.Rules) {
			for _, r := range f.Rules {
				a, ok := snap.ByAlert(r.Alert)
				if !ok {
					continue
				}
				for _, k := range []string{"summary", "description", "message"} {
					if v := strings.TrimSpace(r.Annotations[k]); v != "" && !slices.Contains(m[strings.ToLower(a.ID)], v) {
						m[strings.ToLower(a.ID)] = append(m[strings.ToLower(a.ID)], v)
					}
				}
			}
		}
	}
	old := e.alerts.Load()
	if old != nil && maps.EqualFunc(*old, m, slices.Equal) {
		return false
	}
	e.alerts.Store(&m)
	return old != nil || len(m) > 0
}

// ruleFiles opens kb.yaml's rule files inside the content folder.
func ruleFiles(files fs.FS) alertrules.Opener {
	return func(p string) (io.ReadCloser, error) {
		clean := path.Clean(strings.TrimPrefix(p, "./"))
		if files == nil || !fs.ValidPath(clean) || clean == "." {
			return nil, fmt.Errorf("%s: not a path inside the content folder", p)
		}
		f, err := files.Open(clean)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file in the content folder", p)
		}
		return f, err
	}
}
