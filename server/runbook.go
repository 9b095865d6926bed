package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/content"
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

// labelsSlot is the empty element of templates/article.html that a page
// with alert labels replaces with the list of the labels filled in.
const labelsSlot = `<div class="filled-labels" hidden></div>`

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
	body := fillPlaceholders(b.body, labels)
	note := labelsNote(href(a.URL), labels, incident, helped)
	body = bytes.Replace(body, []byte(labelsSlot), []byte(note), 1)
	return s.serveBlob(c, newBlob(body, s.hdr.html, s.hdr.noStore))
}

// labelsNote is the HTML of the note above a page filled in with labels.
func labelsNote(pagePath string, labels []labelParam, incident, helped bool) string {
	var b strings.Builder
	b.WriteString(`<div class="filled-labels" role="note">`)
	if helped {
		b.WriteString(`<p class="thanks" role="status">Thanks: recorded that this page helped.</p>`)
	}
	if len(labels) > 0 {
		b.WriteString(`<p><strong>Filled in from the alert:</strong> `)
		for i, l := range labels {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(`<code class="label">`)
			b.WriteString(html.EscapeString(l.Name + "=" + l.Value))
			b.WriteString(`</code>`)
		}
		back := pagePath
		if incident {
			back += "?mode=" + modeIncident
		}
		b.WriteString(`</p><p class="muted">Highlighted values replace the placeholders in commands; hover to see them. <a href="`)
		b.WriteString(html.EscapeString(back))
		b.WriteString(`">Show the placeholders</a></p>`)
	}
	b.WriteString(`</div>`)
	return b.String()
}

// fillPlaceholders returns page with every placeholder {{name}} (a label
// name between double braces, nothing else: {{ $labels.pod }} stays) inside
// a <code> element replaced by the escaped value of that label, marked:
// <mark class="filled" title="{{pod}}">cart-1</mark>. Highlighted code
// splits a placeholder into several tokens; it is replaced only when the
// markup it spans is <span> tags that open and close in balance, so the
// page stays well-formed. Values are text, never markup.
func fillPlaceholders(page []byte, labels []labelParam) []byte {
	if len(labels) == 0 || !bytes.Contains(page, []byte("{{")) {
		return page
	}
	values := make(map[string]string, len(labels))
	for _, l := range labels {
		values[l.Name] = l.Value
	}
	var out bytes.Buffer
	out.Grow(len(page) + len(page)/8)
	rest := page
	for {
		i := indexCodeOpen(rest)
		if i < 0 {
			break
		}
		end := bytes.Index(rest[i:], []byte("</code>"))
		if end < 0 {
			break
		}
		end += i
		out.Write(rest[:i])
		out.Write(fillCode(rest[i:end], values))
		rest = rest[end:]
	}
	out.Write(rest)
	return out.Bytes()
}

// indexCodeOpen returns the index just past the first <code> or <code ...>
// start tag in b, or -1.
func indexCodeOpen(b []byte) int {
	off := 0
	for {
		i := bytes.Index(b[off:], []byte("<code"))
		if i < 0 {
			return -1
		}
		i += off
		rest := b[i+len("<code"):]
		if len(rest) > 0 && (rest[0] == '>' || rest[0] == ' ') {
			gt := bytes.IndexByte(rest, '>')
			if gt < 0 {
				return -1
			}
			return i + len("<code") + gt + 1
		}
		off = i + len("<code")
	}
}

// fillCode fills the placeholders of the inside of one code element.
func fillCode(code []byte, values map[string]string) []byte {
	if !bytes.Contains(code, []byte("{{")) {
		return code
	}
	// The text of the element and, for each of its bytes, its index in code.
	text := make([]byte, 0, len(code))
	at := make([]int, 0, len(code))
	for i := 0; i < len(code); i++ {
		if code[i] == '<' {
			gt := bytes.IndexByte(code[i:], '>')
			if gt < 0 {
				return code
			}
			i += gt
			continue
		}
		text = append(text, code[i])
		at = append(at, i)
	}
	var out bytes.Buffer
	last := 0 // in code
	for t := 0; t+4 < len(text); t++ {
		if text[t] != '{' || text[t+1] != '{' || (t > 0 && text[t-1] == '{') {
			continue
		}
		n := t + 2
		for n < len(text) && (text[n] == '_' || text[n] >= 'a' && text[n] <= 'z' || text[n] >= 'A' && text[n] <= 'Z' || n > t+2 && text[n] >= '0' && text[n] <= '9') {
			n++
		}
		if n == t+2 || n+1 >= len(text) || text[n] != '}' || text[n+1] != '}' || (n+2 < len(text) && text[n+2] == '}') {
			continue
		}
		name := string(text[t+2 : n])
		v, ok := values[name]
		if !ok {
			continue
		}
		start, stop := at[t], at[n+1]+1
		if !balancedSpans(code[start:stop]) {
			continue
		}
		out.Write(code[last:start])
		out.WriteString(`<mark class="filled" title="{{`)
		out.WriteString(name)
		out.WriteString(`}}">`)
		out.WriteString(html.EscapeString(v))
		out.WriteString(`</mark>`)
		last = stop
		t = n + 1
	}
	if last == 0 {
		return code
	}
	out.Write(code[last:])
	return out.Bytes()
}

// balancedSpans reports whether the tags in b are only <span ...> and
// </span>, as many of each.
func balancedSpans(b []byte) bool {
	depth := 0
	for {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			return depth == 0
		}
		b = b[i:]
		gt := bytes.IndexByte(b, '>')
		if gt < 0 {
			return false
		}
		switch tag := b[:gt+1]; {
		case bytes.Equal(tag, []byte("</span>")):
			depth--
		case bytes.HasPrefix(tag, []byte("<span ")), bytes.Equal(tag, []byte("<span>")):
			depth++
		default:
			return false
		}
		b = b[gt+1:]
	}
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
	snap, err := s.snapshot()
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
		target := a.URL
		if content.IsReserved(target) {
			target = permalinkURL(a)
		}
		loc, ok := localURL(target)
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
