package server

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/tickets"
	"kb/webhook"
)

// hookResult is the body of a webhook answer: what kb did with each ticket.
type hookResult struct {
	Source    string       `json:"source"`
	Delivery  string       `json:"delivery"`  // the delivery id retries are recognised by
	Duplicate bool         `json:"duplicate"` // true: delivered before, nothing was done again
	Tickets   []hookTicket `json:"tickets"`
}

// hookTicket is one ticket of a delivery.
type hookTicket struct {
	System     string   `json:"system"`
	Key        string   `json:"key"`
	Resolved   bool     `json:"resolved"`
	Linked     []string `json:"linked"`               // ids of the articles linked
	Unresolved []string `json:"unresolved,omitempty"` // references that name no article
	Gap        bool     `json:"gap"`                  // resolved without any article: a knowledge gap
}

// webhookSecret returns the secret of source: the environment's
// (KB_WEBHOOK_SECRET_<SOURCE>, passed in Deps) wins over kb.yaml's.
func (s *Server) webhookSecret(snap *content.Snapshot, source string) []byte {
	if v := s.webhookSecrets[source]; v != "" {
		return []byte(v)
	}
	return []byte(snap.Site.Secrets[source])
}

// webhook serves POST /api/v1/hooks/{source}: a delivery of a ticket tool.
// Its signature or shared secret is checked on the raw body first (401 and
// nothing stored when wrong); then every resolved ticket gets a link to each
// article its texts refer to, or becomes a knowledge gap when none resolves.
// References on a ticket that is not resolved yet (a PagerDuty note) are
// remembered and count when it is. A delivery is recorded once: a retry
// answers 200 with duplicate true.
func (s *Server) webhook(c *echo.Context) error {
	store, err := s.linksAvailable()
	if err != nil {
		return err
	}
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	source := c.Param("source")
	body, err := readBody(c)
	if err != nil {
		return err
	}
	header := c.Request().Header.Get
	if err := webhook.Verify(source, s.webhookSecret(snap, source), header, body); err != nil {
		return hookError(err, source)
	}
	d, err := webhook.Parse(source, header, body, webhook.Base{URL: snap.Site.BaseURL})
	if err != nil {
		return hookError(err, source)
	}
	rec := tickets.Delivery{Source: source, ID: d.ID}
	out := hookResult{Source: source, Delivery: d.ID, Tickets: []hookTicket{}}
	ctx := c.Request().Context()
	for _, r := range d.Tickets {
		t := hookTicket{System: r.Ticket.System, Key: r.Ticket.Key, Resolved: r.Resolved, Linked: []string{}}
		refs := make([]string, 0, len(r.Refs))
		for _, ref := range r.Refs {
			refs = append(refs, ref.String())
		}
		if !r.Resolved { // links come with the resolution; until then kb remembers what the ticket named
			if len(refs) > 0 {
				rec.Mentions = append(rec.Mentions, tickets.Mention{Ticket: r.Ticket, Refs: refs})
			}
			out.Tickets = append(out.Tickets, t)
			continue
		}
		earlier, err := store.Mentions(ctx, r.Ticket.System, r.Ticket.Key)
		if err != nil {
			return storeError(err)
		}
		for _, ref := range earlier {
			if !slices.Contains(refs, ref) {
				refs = append(refs, ref)
			}
		}
		for _, ref := range refs {
			a, anchor, ok := snap.Resolve(ref)
			if !ok {
				t.Unresolved = append(t.Unresolved, ref)
				continue
			}
			if slices.Contains(t.Linked, a.ID) {
				continue
			}
			l := tickets.Link{Ticket: r.Ticket, ArticleID: a.ID, Anchor: anchor, LinkedBy: "webhook:" + source}
			if l.Normalise() != nil { // a fragment that is no heading id: link the article
				l.Anchor = ""
			}
			t.Linked = append(t.Linked, a.ID)
			rec.Links = append(rec.Links, l)
		}
		t.Gap = len(t.Linked) == 0
		rec.Resolved = append(rec.Resolved, tickets.Resolved{Ticket: r.Ticket, Source: source, Articles: t.Linked, Unresolved: t.Unresolved})
		out.Tickets = append(out.Tickets, t)
	}
	_, dup, err := store.Record(ctx, rec)
	if err != nil {
		return storeError(err)
	}
	out.Duplicate = dup
	if !dup {
		for _, l := range rec.Links {
			s.linkVer.bump(l.ArticleID)
		}
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return c.JSON(http.StatusOK, out)
}

// hookError turns an error of package webhook into a response error.
func hookError(err error, source string) error {
	var pe *webhook.PayloadError
	switch {
	case errors.Is(err, webhook.ErrUnknownSource):
		return echo.NewHTTPError(http.StatusNotFound, "Unknown webhook source "+clip(source)+"; kb accepts jira, servicenow, zendesk, pagerduty, alertmanager and generic.").Wrap(err)
	case errors.Is(err, webhook.ErrNoSecret):
		return echo.NewHTTPError(http.StatusNotFound, "The "+source+" webhook is off: set webhook_secrets."+source+
			" in kb.yaml or KB_WEBHOOK_SECRET_"+strings.ToUpper(source)+" in kb's environment.").Wrap(err)
	case errors.Is(err, webhook.ErrBadSignature):
		return echo.NewHTTPError(http.StatusUnauthorized, err.Error()+".").Wrap(err)
	case errors.As(err, &pe):
		return echo.NewHTTPError(http.StatusBadRequest, pe.Error()+".").Wrap(err)
	}
	return err
}
