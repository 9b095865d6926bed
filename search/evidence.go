package search

import (
	"strings"

	"kb/content"
)

// Evidence is what kb knows about an article from outside its file, indexed
// as fields of its own beside the article's text: the tickets it solved
// (ranking rule 16) and the alert rules it is the runbook for (rule 17).
type Evidence struct {
	// Tickets are the tickets the article solved, newest first; the index
	// keeps the first maxTickets.
	Tickets []Ticket
	// Alerts are the summary and description annotations of the alerting
	// rules that name the article as their runbook.
	Alerts []string
}

// Ticket is a solved ticket as search sees it.
type Ticket struct {
	Key     string // the ticket tool's key, shown on a result that matched it: OPS-123
	Title   string
	Summary string // where the ticket tool sends one
}

// Limits of the evidence indexed with one article: the tickets field stays
// small beside the article's own text, so that tickets help find an article
// without burying what the article says.
const (
	maxTickets      = 20      // most recent tickets indexed per article
	maxTicketBytes  = 300     // of one ticket's title and summary
	maxAlertsBytes  = 8 << 10 // of all alert annotations of one article
	ticketWeight    = 2       // field weight of the tickets field: a solved ticket titles its symptom as a heading does
	rulesWeight     = 0.8     // field weight of the alert annotations
	maxTicketKeyLen = 64
)

// EvidenceFunc returns the evidence about article a; it must be fast (it is
// called for every article indexed) and safe for concurrent use.
type EvidenceFunc func(a *content.Article) Evidence

// ticketTexts returns the texts indexed for ev's tickets and the keys and
// titles stored beside them, in the same order.
func (ev Evidence) ticketTexts() (texts []string, keys string) {
	var kb strings.Builder
	for i, t := range ev.Tickets {
		if i == maxTickets {
			break
		}
		text := truncateUTF8(strings.TrimSpace(t.Title+"\n"+t.Summary), maxTicketBytes)
		texts = append(texts, text)
		kb.WriteString(truncateUTF8(t.Key, maxTicketKeyLen))
		kb.WriteByte('\x1f')
		kb.WriteString(truncateUTF8(t.Title, 120))
		kb.WriteByte('\x1e')
	}
	return texts, kb.String()
}

// alertText returns the alert annotations indexed, bounded.
func (ev Evidence) alertText() []string {
	var out []string
	n := 0
	for _, s := range ev.Alerts {
		if n+len(s) > maxAlertsBytes {
			break
		}
		n += len(s)
		out = append(out, s)
	}
	return out
}

// ticketOf returns the key and title of the i-th ticket in keys, as
// ticketTexts stored them.
func ticketOf(keys string, i int) (key, title string, ok bool) {
	for j, rec := range strings.Split(keys, "\x1e") {
		if j == i {
			key, title, ok = strings.Cut(rec, "\x1f")
			return key, title, ok && key != ""
		}
	}
	return "", "", false
}
