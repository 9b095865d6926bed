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
// nothing stored when wrong); webhook.Resolve then links resolved tickets to
// the articles they name and records knowledge gaps. A delivery is recorded
// once: a retry answers 200 with duplicate true.
func (s *Server) webhook(c *echo.Context) error {
	source := c.Param("source")
	res, err := s.deliver(c, source)
	if slices.Contains(webhook.Sources(), source) {
		outcome := webhook.Outcome(res, err)
		var ub unreadableBody
		if errors.As(err, &ub) {
			outcome = webhook.OutcomeUnparsable
		}
		s.metrics.hook(source, outcome)
	}
	var pe *webhook.PayloadError
	switch {
	case err == nil:
	case errors.Is(err, webhook.ErrUnknownSource), errors.Is(err, webhook.ErrNoSecret), errors.Is(err, webhook.ErrBadSignature), errors.As(err, &pe):
		return hookError(err, source)
	default:
		return err
	}
	s.wrote()
	if !res.Duplicate {
		for _, l := range res.Links {
			s.linkVer.bump(l.ArticleID)
		}
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return c.JSON(http.StatusOK, res)
}

// deliver checks, parses and records one delivery from source; its error
// is one of package webhook's, or a response error for everything else.
func (s *Server) deliver(c *echo.Context, source string) (webhook.Result, error) {
	store, err := s.linksAvailable()
	if err != nil {
		return webhook.Result{}, err
	}
	snap, err := s.snapshot()
	if err != nil {
		return webhook.Result{}, err
	}
	body, err := readBody(c)
	if err != nil {
		return webhook.Result{}, unreadableBody{err}
	}
	if wait := s.authFails.wait(c.Request()); wait > 0 {
		return webhook.Result{}, tooManyFailures(c, wait)
	}
	header := c.Request().Header.Get
	if err := webhook.Verify(source, s.webhookSecret(snap, source), header, body); err != nil {
		if errors.Is(err, webhook.ErrBadSignature) {
			s.authFails.failed(c.Request())
			s.audit(c, tickets.ActWebhookBadSig, source, "")
		}
		return webhook.Result{}, err
	}
	d, err := webhook.Parse(source, header, body, webhook.Base{URL: snap.Site.BaseURL})
	if err != nil {
		return webhook.Result{}, err
	}
	res, err := webhook.Resolve(c.Request().Context(), d, snapshotArticles{snap}, store)
	if err != nil {
		return webhook.Result{}, s.storeError(err)
	}
	if !res.Duplicate {
		for _, l := range res.Links {
			s.auditEvent(c.Request(), tickets.Event{Who: "webhook:" + source, Action: tickets.ActLinkWrite,
				Target: l.Ticket.System + "/" + l.Ticket.Key + "/" + l.ArticleID, Detail: "delivery " + res.Delivery})
		}
	}
	return res, nil
}

// unreadableBody is a delivery whose body cannot be read (too large,
// compressed): counted as unparsable, answered as readBody says.
type unreadableBody struct{ error }

func (u unreadableBody) Unwrap() error { return u.error }

// snapshotArticles resolves the references of webhook deliveries to the
// articles of one snapshot.
type snapshotArticles struct{ snap *content.Snapshot }

// Resolve implements webhook.Resolver.
func (r snapshotArticles) Resolve(ref string) (id, anchor string, ok bool) {
	a, anchor, ok := r.snap.Resolve(ref)
	if !ok {
		return "", "", false
	}
	return a.ID, anchor, true
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
