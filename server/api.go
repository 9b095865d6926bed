package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/tickets"
)

// The JSON API of ticket links: /api/v1/links, /api/v1/articles,
// /api/v1/tickets. Reads are open unless a read token is required; writes
// need a token with the links:write scope (see auth.go).

// maxJSONDepth bounds the nesting of a request body: a link is two levels deep.
const maxJSONDepth = 8

// Paging of lists.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// decodeJSON reads the request body into v strictly: one JSON value, no
// unknown fields, no field given twice, names in their exact case, nested at
// most maxJSONDepth, at most maxBody bytes, not compressed. Every handler
// that takes a JSON body decodes it here, so every such body is held to the
// same rules and its errors read alike. (Webhook deliveries are ticket
// tools' formats: package webhook reads those.)
func decodeJSON(c *echo.Context, v any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "The body is empty: send a JSON object.")
	}
	if err := checkDepth(body, maxJSONDepth); err != nil {
		return err
	}
	if err := checkKeys(body, reflect.TypeOf(v)); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error()).Wrap(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, jsonErrorText(err)).Wrap(err)
	}
	if dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, "The body holds more than one JSON value: send one object.")
	}
	return nil
}

// readBody reads the whole request body; the BodyLimit middleware stops it
// past maxBody with a 413 that says so.
func readBody(c *echo.Context) ([]byte, error) {
	if enc := c.Request().Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return nil, echo.NewHTTPError(http.StatusUnsupportedMediaType, "Content-Encoding "+strconv.Quote(clip(enc))+" is not accepted: send the body uncompressed.")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		if echo.StatusCode(err) == http.StatusRequestEntityTooLarge {
			return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("The body is larger than %d bytes (1 MiB).", maxBody)).Wrap(err)
		}
		return nil, echo.NewHTTPError(http.StatusBadRequest, "The body could not be read.").Wrap(err)
	}
	return body, nil
}

// checkDepth rejects JSON nested deeper than limit before encoding/json sees it.
func checkDepth(b []byte, limit int) error {
	depth, inString, escaped := 0, false, false
	for _, ch := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case ch == '\\':
				escaped = true
			case ch == '"':
				inString = false
			}
			continue
		}
		switch ch {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > limit {
				return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("The JSON is nested deeper than %d levels.", limit))
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// jsonErrorText says what is wrong with a body in terms of its JSON.
func jsonErrorText(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tim *time.ParseError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("Malformed JSON at byte %d: %s.", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		return fmt.Sprintf("%s: got a JSON %s, want %s.", cmpOr(typ.Field, "body"), typ.Value, jsonType(typ.Type.String()))
	case errors.As(err, &tim):
		return fmt.Sprintf("A time is not in RFC 3339 form, such as 2026-09-01T10:15:00Z: %q.", tim.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "Unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + ": see /api/v1/openapi.json for the fields."
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "Malformed JSON: the body ends in the middle of a value."
	}
	return "Malformed JSON: " + err.Error() + "."
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func jsonType(goType string) string {
	switch {
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	}
	return "an object"
}

// paging reads ?limit= and ?offset=.
func paging(c *echo.Context) (offset, limit int, err error) {
	limit = defaultLimit
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxLimit {
			return 0, 0, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("limit: a number from 1 to %d.", maxLimit))
		}
	}
	if v := c.QueryParam("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, echo.NewHTTPError(http.StatusBadRequest, "offset: a number of 0 or more.")
		}
	}
	return offset, limit, nil
}

// pathParam returns a path parameter. The router has decoded it exactly
// once (a ticket key "acme#412" is sent as "acme%23412", a key "PCT%41" as
// "PCT%2541"); decoding it again would make two keys one.
func pathParam(c *echo.Context, name string) (string, error) {
	v := c.Param(name)
	if !utf8.ValidString(v) {
		return "", echo.NewHTTPError(http.StatusBadRequest, name+": not UTF-8 after percent-decoding.")
	}
	return v, nil
}

// linkRequest is the body of POST /api/v1/links.
type linkRequest struct {
	Ticket   *tickets.Ticket `json:"ticket"`
	Article  string          `json:"article"` // an id, path, kb URL, alias or /alerts/NAME
	Anchor   string          `json:"anchor"`
	Relation string          `json:"relation"`
	Note     string          `json:"note"`
}

// apiLink is a link as the API shows it: the stored link and where its
// article is now.
type apiLink struct {
	tickets.Link
	ArticleTitle string `json:"article_title,omitempty"`
	ArticleURL   string `json:"article_url,omitempty"` // absolute when kb.yaml sets base_url
	Missing      bool   `json:"article_missing,omitempty"`
}

func toAPILink(snap *content.Snapshot, l tickets.Link) apiLink {
	out := apiLink{Link: l}
	if a, ok := snap.ByID(l.ArticleID); ok {
		out.ArticleTitle, out.ArticleURL = a.Title, absolute(snap, articleURL(a, l.Anchor))
	} else {
		out.Missing = true
	}
	return out
}

// articleURL is the page of a, with a section anchor.
func articleURL(a *content.Article, anchor string) string {
	u := toItem(a).URL
	if anchor != "" {
		u += "#" + url.PathEscape(anchor)
	}
	return u
}

// absolute prefixes a root-relative URL with kb.yaml's base_url, if set.
func absolute(snap *content.Snapshot, u string) string {
	return snap.Site.BaseURL + u
}

// createLink serves POST /api/v1/links.
func (s *Server) createLink(c *echo.Context) error {
	store, err := s.linksAvailable()
	if err != nil {
		return err
	}
	var req linkRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Ticket == nil {
		return echo.NewHTTPError(http.StatusBadRequest, `ticket: required, e.g. {"system": "jira", "key": "OPS-1234", "url": "https://..."}.`)
	}
	if strings.TrimSpace(req.Article) == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "article: required: an article id, path, kb URL, alias or /alerts/NAME.")
	}
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	a, anchor, ok := snap.Resolve(req.Article)
	if !ok {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, fmt.Sprintf("article: no article matches %q (tried id, path, URL, alias and alert name).", clip(req.Article)))
	}
	l := tickets.Link{
		Ticket: *req.Ticket, ArticleID: a.ID, Anchor: cmpOr(req.Anchor, anchor),
		Relation: tickets.Relation(req.Relation), Note: req.Note, LinkedBy: tokenName(c),
	}
	stored, created, err := store.Add(c.Request().Context(), l)
	if err != nil {
		return s.storeError(err)
	}
	s.wrote()
	s.linkVer.bump(a.ID)
	s.audit(c, tickets.ActLinkWrite, stored.Ticket.System+"/"+stored.Ticket.Key+"/"+stored.ArticleID, "")
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return c.JSON(status, toAPILink(snap, stored))
}

// deleteLink serves DELETE /api/v1/links/{system}/{key}/{id}.
func (s *Server) deleteLink(c *echo.Context) error {
	store, err := s.linksAvailable()
	if err != nil {
		return err
	}
	system, key, id, err := linkParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	err = store.Delete(ctx, system, key, id)
	if errors.Is(err, tickets.ErrNotFound) {
		// The id may be an old one of the article, or an alias.
		if snap, serr := s.snapshot(); serr == nil {
			if a, _, ok := snap.Resolve(id); ok && a.ID != id {
				id = a.ID
				err = store.Delete(ctx, system, key, id)
			}
		}
	}
	if errors.Is(err, tickets.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("No link between ticket %s %s and article %q.", system, clip(key), clip(id))).Wrap(err)
	}
	if err != nil {
		return s.storeError(err)
	}
	s.wrote()
	s.linkVer.bump(id)
	s.audit(c, tickets.ActLinkDelete, system+"/"+key+"/"+id, "")
	return c.NoContent(http.StatusNoContent)
}

func linkParams(c *echo.Context) (system, key, id string, err error) {
	if system, err = pathParam(c, "system"); err != nil {
		return
	}
	if key, err = pathParam(c, "key"); err != nil {
		return
	}
	if id, err = pathParam(c, "id"); err != nil {
		return
	}
	return system, key, strings.ToLower(id), nil
}

// apiArticle is an article as the API shows it.
type apiArticle struct {
	ID            string     `json:"id"`
	Title         string     `json:"title"`
	Type          string     `json:"type"`
	URL           string     `json:"url"`       // its page; absolute when kb.yaml sets base_url
	Permalink     string     `json:"permalink"` // /a/{id}, stable across renames
	Path          string     `json:"path"`      // of the Markdown file in the content folder
	Summary       string     `json:"summary,omitempty"`
	Service       string     `json:"service,omitempty"`
	Severity      string     `json:"severity,omitempty"`
	Tags          []string   `json:"tags,omitempty"`
	Alerts        []string   `json:"alerts,omitempty"`
	Owners        []string   `json:"owners,omitempty"`
	Updated       *time.Time `json:"updated,omitempty"`
	Reviewed      *time.Time `json:"reviewed,omitempty"`
	TicketsSolved int        `json:"tickets_solved"` // links of every relation
}

func toAPIArticle(snap *content.Snapshot, a *content.Article, solved int) apiArticle {
	out := apiArticle{
		ID: a.ID, Title: a.Title, Type: string(a.Type), URL: absolute(snap, toItem(a).URL),
		Permalink: absolute(snap, permalinkURL(a)), Path: a.Path, Summary: a.Summary, Service: a.Service,
		Severity: a.Severity, Tags: a.Tags, Alerts: a.Alerts, Owners: a.Owners, TicketsSolved: solved,
	}
	if !a.Updated.IsZero() {
		out.Updated = &a.Updated
	}
	if !a.Reviewed.IsZero() {
		out.Reviewed = &a.Reviewed
	}
	return out
}

// articleList is the body of GET /api/v1/articles.
type articleList struct {
	Total    int          `json:"total"`
	Offset   int          `json:"offset"`
	Limit    int          `json:"limit"`
	Articles []apiArticle `json:"articles"`
}

// listArticles serves GET /api/v1/articles: every article by path, paged,
// optionally of one ?type= or ?service=, with its tickets_solved. It answers
// 503 while the links store is unavailable: a wrong count of 0 is worse than
// an error.
func (s *Server) listArticles(c *echo.Context) error {
	store, err := s.linksAvailable()
	if err != nil {
		return err
	}
	offset, limit, err := paging(c)
	if err != nil {
		return err
	}
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	typ, service := c.QueryParam("type"), strings.ToLower(c.QueryParam("service"))
	if typ != "" && typ != string(content.TypeRunbook) && typ != string(content.TypeArticle) {
		return echo.NewHTTPError(http.StatusBadRequest, "type: runbook or article.")
	}
	counts, err := store.Counts(c.Request().Context())
	if err != nil {
		return s.storeError(err)
	}
	var all []*content.Article
	for _, a := range snap.Articles {
		if (typ == "" || string(a.Type) == typ) && (service == "" || strings.ToLower(a.Service) == service) {
			all = append(all, a)
		}
	}
	out := articleList{Total: len(all), Offset: offset, Limit: limit, Articles: []apiArticle{}}
	for _, a := range all[min(offset, len(all)):min(offset+limit, len(all))] {
		out.Articles = append(out.Articles, toAPIArticle(snap, a, counts[a.ID]))
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noCache
	return s.sendJSON(c, http.StatusOK, out)
}

// apiArticleByID finds the article of the {id} parameter: its id, or an id
// it had before a rename.
func (s *Server) apiArticleByID(c *echo.Context) (*content.Snapshot, *content.Article, error) {
	snap, err := s.view(c)
	if err != nil {
		return nil, nil, err
	}
	id, err := pathParam(c, "id")
	if err != nil {
		return nil, nil, err
	}
	a, ok := snap.ByID(id)
	if !ok {
		return nil, nil, echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("No article has the id %q; GET /api/v1/articles lists them.", clip(id)))
	}
	return snap, a, nil
}

// getArticle serves GET /api/v1/articles/{id}.
func (s *Server) getArticle(c *echo.Context) error {
	store, err := s.linksAvailable()
	if err != nil {
		return err
	}
	snap, a, err := s.apiArticleByID(c)
	if err != nil {
		return err
	}
	_, total, err := store.ByArticle(c.Request().Context(), a.ID, 0, 1)
	if err != nil {
		return s.storeError(err)
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noCache
	return c.JSON(http.StatusOK, toAPIArticle(snap, a, total))
}

// ticketList is the body of GET /api/v1/articles/{id}/tickets.
type ticketList struct {
	Article string    `json:"article"`
	Total   int       `json:"total"`
	Offset  int       `json:"offset"`
	Limit   int       `json:"limit"`
	Links   []apiLink `json:"links"`
}

// getArticleTickets serves GET /api/v1/articles/{id}/tickets: the article's
// links, most recently written first, paged.
func (s *Server) getArticleTickets(c *echo.Context) error {
	store, err := s.linksAvailable()
	if err != nil {
		return err
	}
	offset, limit, err := paging(c)
	if err != nil {
		return err
	}
	snap, a, err := s.apiArticleByID(c)
	if err != nil {
		return err
	}
	links, total, err := store.ByArticle(c.Request().Context(), a.ID, offset, limit)
	if err != nil {
		return s.storeError(err)
	}
	out := ticketList{Article: a.ID, Total: total, Offset: offset, Limit: limit, Links: []apiLink{}}
	for _, l := range links {
		if !s.hiddenArticle(snap, l.ArticleID) {
			out.Links = append(out.Links, toAPILink(snap, l))
		}
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noCache
	return c.JSON(http.StatusOK, out)
}

// ticketArticles is the body of GET /api/v1/tickets/{system}/{key}.
type ticketArticles struct {
	System string    `json:"system"`
	Key    string    `json:"key"`
	Links  []apiLink `json:"links"` // oldest first; empty when no article is linked
}

// getTicket serves GET /api/v1/tickets/{system}/{key}: the articles linked
// to a ticket, with their titles and URLs.
func (s *Server) getTicket(c *echo.Context) error {
	store, err := s.linksAvailable()
	if err != nil {
		return err
	}
	system, err := pathParam(c, "system")
	if err != nil {
		return err
	}
	key, err := pathParam(c, "key")
	if err != nil {
		return err
	}
	if err := (&tickets.Link{Ticket: tickets.Ticket{System: system, Key: key}, ArticleID: "-"}).Normalise(); err != nil {
		return s.storeError(err)
	}
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	links, err := store.ByTicket(c.Request().Context(), system, key)
	if err != nil {
		return s.storeError(err)
	}
	out := ticketArticles{System: system, Key: key, Links: []apiLink{}}
	for _, l := range links {
		if !s.hiddenArticle(snap, l.ArticleID) {
			out.Links = append(out.Links, toAPILink(snap, l))
		}
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noCache
	return c.JSON(http.StatusOK, out)
}

// exportLinks serves GET /api/v1/links/export: every link as JSON lines, in
// the form kb links import reads. It is a full dump of what ticket tools
// wrote, so it needs a links:write token even where reads are open.
func (s *Server) exportLinks(c *echo.Context) error {
	store, err := s.linksAvailable()
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h["Cache-Control"] = s.hdr.noStore
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("Content-Disposition", `attachment; filename="kb-links.jsonl"`)
	bw := bufio.NewWriterSize(c.Response(), 64<<10)
	enc := json.NewEncoder(bw)
	started := false
	err = store.Each(c.Request().Context(), func(l tickets.Link) error {
		if !started {
			c.Response().WriteHeader(http.StatusOK)
			started = true
		}
		return enc.Encode(l)
	})
	if err != nil {
		if !started {
			return s.storeError(err)
		}
		return fmt.Errorf("export links: %w", err) // logged: the answer is under way
	}
	if !started {
		c.Response().WriteHeader(http.StatusOK)
	}
	if err := bw.Flush(); err != nil {
		s.log.Debug("export not fully written", "err", err)
	}
	return nil
}
