package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v5"

	"kb/themes"
	"kb/tickets"
)

// auditPageSize is the entries of one page of /reports/audit; auditMaxOffset
// bounds how far back paging goes (kb audit reads further).
const (
	auditPageSize  = 50
	auditMaxOffset = 10_000
)

// auditPage is the data of templates/audit.html.
type auditPage struct {
	layout
	Events      []tickets.Event
	Who, Action string   // the filters in effect
	Actions     []string // the actions to filter on
	From        int      // 1-based number of the first entry shown
	Prev, Next  string   // URLs of the neighbouring pages; "" at the ends
}

var auditActions = []string{tickets.ActLinkWrite, tickets.ActLinkDelete, tickets.ActTokenCreate, tickets.ActTokenFirstUse, tickets.ActTokenRevoke, tickets.ActWebhookBadSig, tickets.ActSignIn, tickets.ActSignOut, tickets.ActAccessDenied}

// isAdmin reports whether the request's reader is in the admin group.
func (s *Server) isAdmin(c *echo.Context) bool {
	return s.adminGroup != "" && s.auditLog != nil && slices.Contains(reader(c).Groups, s.adminGroup)
}

// reportAudit serves GET /reports/audit?who=&action=&offset=: the audit
// trail, newest first, to the admin group only. Everyone else gets the 404
// of a page that does not exist, so the page's existence tells nothing.
func (s *Server) reportAudit(c *echo.Context) error {
	if !s.isAdmin(c) {
		return echo.ErrNotFound
	}
	v := c.Request().URL.Query()
	q := tickets.AuditQuery{Who: clip(v.Get("who")), Action: v.Get("action"), Limit: auditPageSize + 1}
	if q.Action != "" && !slices.Contains(auditActions, q.Action) {
		return echo.NewHTTPError(http.StatusBadRequest, "action: one of the actions the form lists.")
	}
	if o := v.Get("offset"); o != "" {
		n, err := strconv.Atoi(o)
		if err != nil || n < 0 || n > auditMaxOffset || n%auditPageSize != 0 {
			return echo.NewHTTPError(http.StatusBadRequest, "offset: a multiple of "+strconv.Itoa(auditPageSize)+" from 0 to "+strconv.Itoa(auditMaxOffset)+"; kb audit reads further back.")
		}
		q.Offset = n
	}
	events, err := s.auditLog.List(c.Request().Context(), q)
	if err != nil {
		return s.storeError(err)
	}
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	p := auditPage{layout: s.layout(snap, "Audit trail", "/reports/audit"), Who: q.Who, Action: q.Action, Actions: auditActions, From: q.Offset + 1}
	p.Description = "Writes and administrative acts on this kb."
	p.Canonical = ""
	pageURL := func(offset int) string {
		u := url.Values{}
		if q.Who != "" {
			u.Set("who", q.Who)
		}
		if q.Action != "" {
			u.Set("action", q.Action)
		}
		if offset > 0 {
			u.Set("offset", strconv.Itoa(offset))
		}
		if len(u) == 0 {
			return "/reports/audit"
		}
		return "/reports/audit?" + u.Encode()
	}
	if len(events) > auditPageSize {
		events = events[:auditPageSize]
		if q.Offset+auditPageSize <= auditMaxOffset {
			p.Next = pageURL(q.Offset + auditPageSize)
		}
	}
	if q.Offset > 0 {
		p.Prev = pageURL(q.Offset - auditPageSize)
	}
	p.Events = events
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return s.renderPage(c, http.StatusOK, themes.PageAudit, p)
}
