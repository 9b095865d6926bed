package webhook

import (
	"errors"
	"fmt"
	"strings"

	"kb/tickets"
)

// genericPayload is kb's own webhook shape, for scripts and tools without an
// adapter:
//
//	{
//	  "id": "optional delivery id, kept across retries",
//	  "ticket": {"system": "github", "key": "ops#42", "url": "https://...",
//	             "title": "...", "status": "closed", "resolved_at": "2026-09-01T10:15:00Z"},
//	  "resolved": true,
//	  "text": "free text to look for kb links in",
//	  "texts": ["more free texts"],
//	  "refs": ["etcd-no-leader", "/runbooks/etcd/no-leader", "https://kb.example.com/a/x#step-2"]
//	}
//
// Unknown fields are an error, so a typo does not silently drop data.
type genericPayload struct {
	ID     string `json:"id"`
	Ticket *struct {
		System     string `json:"system"`
		Key        string `json:"key"`
		URL        string `json:"url"`
		Title      string `json:"title"`
		Status     string `json:"status"`
		ResolvedAt string `json:"resolved_at"`
	} `json:"ticket"`
	Resolved *bool    `json:"resolved"`
	Text     string   `json:"text"`
	Texts    []string `json:"texts"`
	Refs     []string `json:"refs"`
}

// parseGeneric reads kb's generic shape. The ticket must pass tickets' own
// checks (system defaults to "generic"); a bad field is a *PayloadError, not
// cleaned. refs name articles explicitly: an id ("etcd-no-leader"), a path,
// or a kb URL (any host when kb.yaml has no base_url). The delivery id is
// "id", else the hash of the body.
func parseGeneric(_ func(string) string, body []byte, base refBase) (Delivery, error) {
	var p genericPayload
	if err := decode(body, &p, true); err != nil {
		return Delivery{}, err
	}
	if p.Ticket == nil {
		return Delivery{}, &PayloadError{Field: "ticket", Msg: `required: {"system": "...", "key": "..."}`}
	}
	if p.Resolved == nil {
		return Delivery{}, &PayloadError{Field: "resolved", Msg: "required: true when the ticket is resolved, else false"}
	}
	if len(p.Refs) > MaxRefs {
		return Delivery{}, &PayloadError{Field: "refs", Msg: fmt.Sprintf("at most %d", MaxRefs)}
	}
	if len(p.Texts) >= maxTexts {
		return Delivery{}, &PayloadError{Field: "texts", Msg: fmt.Sprintf("at most %d", maxTexts-1)}
	}
	pt := p.Ticket
	t := tickets.Ticket{System: pt.System, Key: pt.Key, URL: pt.URL, Title: pt.Title, Status: pt.Status}
	if strings.TrimSpace(t.System) == "" {
		t.System = Generic
	}
	if pt.ResolvedAt != "" {
		if t.ResolvedAt = parseTime(pt.ResolvedAt); t.ResolvedAt == nil {
			return Delivery{}, &PayloadError{Field: "ticket.resolved_at", Msg: "an RFC 3339 time, e.g. 2026-09-01T10:15:00Z"}
		}
	}
	l := tickets.Link{Ticket: t, ArticleID: "-"}
	if err := l.Normalise(); err != nil {
		var ve *tickets.ValidationError
		if errors.As(err, &ve) {
			return Delivery{}, &PayloadError{Field: ve.Field, Msg: ve.Msg, Err: err}
		}
		return Delivery{}, &PayloadError{Field: "ticket", Msg: err.Error(), Err: err}
	}
	r := Resolution{Ticket: l.Ticket, Resolved: *p.Resolved}
	for i, s := range p.Refs {
		ref, ok := explicitRef(s, base)
		if !ok {
			return Delivery{}, &PayloadError{Field: fmt.Sprintf("refs[%d]", i), Msg: "an article id, a path such as /runbooks/x, or a URL on kb's base_url"}
		}
		r.addRef(ref)
	}
	r.addTexts(base, append([]string{p.Text}, p.Texts...)...)
	return Delivery{ID: deliveryID(p.ID, body), Tickets: []Resolution{r}}, nil
}

// explicitRef reads a reference the sender says is a kb article.
func explicitRef(s string, base refBase) (Ref, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Ref{}, false
	}
	switch {
	case strings.Contains(s, "://") || strings.HasPrefix(s, "/"): // a URL or a path
	case strings.Contains(s, ":"):
		return Ref{}, false // javascript:, mailto: and the like
	case strings.Contains(s, "/"):
		s = "/" + s // a content path without its leading slash
	default:
		s = "/a/" + s // an article id
	}
	return base.ref(s, true)
}
