package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/alertrules"
	"kb/content"
	"kb/render"
	"kb/themes"
)

// modeIncident is the value of ?mode= for the compact incident view of an
// article: no sidebar, large type, readable without JavaScript.
const modeIncident = "incident"

// FeedbackStore keeps what readers say about articles; *feedback.Store
// implements it over bbolt.
type FeedbackStore interface {
	// Helpful adds one to the helpful count of article id and returns the
	// new count; a nil error means on disk.
	Helpful(ctx context.Context, id string) (int, error)
	// HelpfulCounts returns the count of every article that has one.
	HelpfulCounts(ctx context.Context) (map[string]int, error)
}

// runbookView adds the review state, the "this helped" form and the link to
// the incident view to the page of a. The review state is computed when the
// page is rendered, which happens again with each new snapshot.
func (s *Server) runbookView(snap *content.Snapshot, a *content.Article, p *articlePage) {
	p.Review = a.Review(snap.Site, s.now())
	if s.feedback != nil {
		p.HelpfulURL = helpfulURL(a)
	}
	p.IncidentURL = p.Path + "?mode=" + modeIncident
}

func helpfulURL(a *content.Article) string {
	return "/api/v1/articles/" + url.PathEscape(a.ID) + "/helpful"
}

// incidentKey is the page-cache key of an article's incident view.
type incidentKey struct{ a *content.Article }

// incidentPageFor returns the cached incident view of a, like articlePageFor.
func (s *Server) incidentPageFor(ctx context.Context, snap *content.Snapshot, a *content.Article) (*blob, error) {
	ps, b := s.cached(snap, incidentKey{a})
	version := s.linkVer.get(a.ID)
	if b != nil && b.linkVersion == version {
		return b, nil
	}
	return s.renderOnce(ctx, ps, flightKey{key: incidentKey{a}, version: version}, func() (*blob, error) {
		view := s.articleView(snap, a)
		view.Mode = modeIncident
		view.IncidentURL = view.Path
		view.Tickets = s.articleTickets(ctx, a.ID)
		b, err := s.renderBlob(themes.PageArticle, view)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", a.Path, err)
		}
		b.linkVersion = version
		ps.pages.Store(incidentKey{a}, b)
		return b, nil
	})
}

// articleQuery serves an article page with a query string: ?mode=incident
// picks the (cached) incident view; alert labels fill the placeholders of
// its code ({{pod}}) in a copy of the cached page, made for this request.
func (s *Server) articleQuery(c *echo.Context, snap *content.Snapshot, a *content.Article) error {
	req := c.Request()
	q := req.URL.Query()
	incident := q.Get("mode") == modeIncident
	var b *blob
	var err error
	if incident {
		b, err = s.incidentPageFor(req.Context(), snap, a)
	} else {
		b, err = s.articlePageFor(req.Context(), snap, a)
	}
	if err != nil {
		return err
	}
	labels := alertLabels(q)
	helped := q.Get("helped") == "1"
	if len(labels) == 0 && !helped {
		return s.serveBlob(c, b)
	}
	body, filled := render.FillPlaceholders(b.body, alertrules.Values(labels))
	note := &labelsNote{Helped: helped, Labels: labels, Filled: filled, Back: href(a.URL)}
	if incident {
		note.Back += "?mode=" + modeIncident
	}
	body, err = s.fillLabelsSlot(body, note)
	if err != nil {
		return fmt.Errorf("labels note of %s: %w", a.Path, err)
	}
	return s.serveBlob(c, newBlob(body, s.hdr.html, s.hdr.noStore, &s.gz))
}

// fillLabelsSlot returns page with the theme's empty slot for the labels
// note replaced by note, both rendered by the theme's part.
func (s *Server) fillLabelsSlot(page []byte, note *labelsNote) ([]byte, error) {
	var slot, filled bytes.Buffer
	if err := s.theme.RenderPart(&slot, themes.PageArticle, themes.PartLabels, nil); err != nil {
		return nil, err
	}
	if err := s.theme.RenderPart(&filled, themes.PageArticle, themes.PartLabels, note); err != nil {
		return nil, err
	}
	return bytes.Replace(page, slot.Bytes(), filled.Bytes(), 1), nil
}

// errFeedbackOff is returned by the helpful route when kb stores no feedback.
var errFeedbackOff = errors.New("no feedback store")

// helpful serves POST /api/v1/articles/{id}/helpful: one more "this
// helped" for the article, anonymous. Cross-site requests are refused
// (Sec-Fetch-Site, else Origin against Host: net/http's
// CrossOriginProtection), so another site cannot make a reader's browser
// count. A form post (the button without JavaScript) is answered with a 303
// back to the article; other requests get {"id", "helpful"}.
func (s *Server) helpful(c *echo.Context) error {
	req := c.Request()
	if err := s.xorigin.Check(req); err != nil {
		return echo.NewHTTPError(http.StatusForbidden, "Cross-site requests cannot record feedback; use the button on the article's page.").Wrap(err)
	}
	if s.feedback == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "Feedback is not stored on this kb.").Wrap(errFeedbackOff)
	}
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	a, ok := snap.ByID(c.Param("id"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "There is no article with id "+strconv.Quote(clip(c.Param("id")))+".")
	}
	n, err := s.feedback.Helpful(req.Context(), a.ID)
	if err != nil {
		return s.storeError(err)
	}
	s.wrote()
	if strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") ||
		strings.HasPrefix(req.Header.Get("Content-Type"), "multipart/form-data") {
		loc, ok := articleLocation(a)
		if !ok {
			return content.ErrNotFound
		}
		loc += "?helped=1"
		if req.FormValue("mode") == modeIncident {
			loc += "&mode=" + modeIncident
		}
		c.Response().Header()["Cache-Control"] = s.hdr.noStore
		return c.Redirect(http.StatusSeeOther, loc+"#helpful")
	}
	return c.JSON(http.StatusOK, map[string]any{"id": a.ID, "helpful": n})
}
