package server

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/search"
	"kb/searchlog"
	"kb/themes"
)

// Searcher answers queries for the search page and the API; *search.Index
// implements it. It is the seam where another engine may replace bleve.
type Searcher interface {
	Search(ctx context.Context, q search.Query) (search.Results, error)
	Status() search.Status
	Stats() search.Stats
}

// errSearchOff is returned by search routes when kb runs without an index.
var errSearchOff = errors.New("search is not available on this server")

// searchQuery reads a query from the URL: q as typed (with inline filters),
// the filters type, service, tag and path, and limit and offset for paging.
func searchQuery(c *echo.Context) (search.Query, error) {
	v := c.Request().URL.Query()
	return search.ParseQuery(v.Get("q"), search.Params{
		Type: v.Get("type"), Service: v.Get("service"), Tag: v.Get("tag"), Path: v.Get("path"),
		Limit: v.Get("limit"), Offset: v.Get("offset"),
	})
}

// searchError maps search errors to responses; Retry-After tells clients
// when to come back.
func (s *Server) searchError(c *echo.Context, err error) error {
	h := c.Response().Header()
	var qe *search.QueryError
	switch {
	case errors.As(err, &qe):
		return echo.NewHTTPError(http.StatusBadRequest, qe.Msg)
	case errors.Is(err, search.ErrNotReady):
		h.Set("Retry-After", "5")
		return echo.NewHTTPError(http.StatusServiceUnavailable, "The search index is being built; try again in a few seconds.")
	case errors.Is(err, search.ErrBusy):
		h.Set("Retry-After", "1")
		return echo.NewHTTPError(http.StatusTooManyRequests, "Too many searches are running; try again in a moment.")
	case errors.Is(err, search.ErrTimeout):
		return echo.NewHTTPError(http.StatusServiceUnavailable, "The search took too long; use fewer or more specific words.")
	case errors.Is(err, errSearchOff):
		return echo.NewHTTPError(http.StatusServiceUnavailable, "Search is not available on this server.")
	case errors.Is(err, context.Canceled):
		return echo.NewHTTPError(499, "request canceled")
	}
	return err
}

// apiSearchResults is the body of GET /api/v1/search.
type apiSearchResults struct {
	Query        string          `json:"query"`
	Total        int             `json:"total"`
	Offset       int             `json:"offset"`
	Limit        int             `json:"limit"`
	TookMS       float64         `json:"took_ms"`
	IgnoredWords int             `json:"ignored_words,omitempty"`
	Hits         []apiHit        `json:"hits"`
	Facets       apiFacets       `json:"facets"`
	Suggestions  *apiSuggestions `json:"suggestions,omitempty"`
}

type apiHit struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	URL     string      `json:"url"`
	Type    string      `json:"type"`
	Service string      `json:"service,omitempty"`
	Summary string      `json:"summary,omitempty"`
	Snippet string      `json:"snippet"` // HTML: escaped text with <mark> around matched words
	Score   float64     `json:"score"`
	Path    string      `json:"path"`              // the file, relative to the content root
	Folder  string      `json:"folder"`            // its folder, "" at the root (the breadcrumb)
	Section *apiSection `json:"section,omitempty"` // the best-matching section
	// HitURL opens the article at its best section with the query's words
	// marked: url?hl=words#section.
	HitURL string     `json:"hit_url"`
	Ticket *apiTicket `json:"matched_ticket,omitempty"` // the solved ticket the query matched
}

type apiSection struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type apiTicket struct {
	Key   string `json:"key"`
	Title string `json:"title"`
}

type apiFacet struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

type apiFacets struct {
	Type    []apiFacet `json:"type"`
	Service []apiFacet `json:"service"`
	Tag     []apiFacet `json:"tag"`
	Folder  []apiFacet `json:"folder"`
}

type apiSuggestions struct {
	Queries  []string `json:"queries"`
	Runbooks []apiHit `json:"runbooks"`
}

func toAPIHits(hs []search.Hit, hl []string) []apiHit {
	out := make([]apiHit, 0, len(hs))
	for _, h := range hs {
		a := apiHit{
			ID: h.ID, Title: h.Title, URL: hitURL(h), Type: h.Type, Service: h.Service,
			Summary: h.Summary, Snippet: string(h.Snippet), Score: h.Score,
			Path: h.Path, Folder: h.Folder, HitURL: hitLink(h, hl),
		}
		if h.Section != nil {
			a.Section = &apiSection{ID: h.Section.ID, Title: h.Section.Title}
		}
		if h.Ticket != nil {
			a.Ticket = &apiTicket{Key: h.Ticket.Key, Title: h.Ticket.Title}
		}
		out = append(out, a)
	}
	return out
}

// highlightParam carries the words of a search to the article a result
// opens; it is no alert label, and the page served is the cached one.
const highlightParam = "hl"

// hitLink is where a result opens: the article at its best section, with
// the query's words to mark in the page (hl, read by app.js, so the cached
// page stays the same for every query).
func hitLink(h search.Hit, hl []string) string {
	u := hitURL(h)
	if len(hl) > 0 {
		u += "?" + highlightParam + "=" + url.QueryEscape(strings.Join(hl, " "))
	}
	if h.Section != nil && h.Section.ID != "" {
		u += "#" + url.PathEscape(h.Section.ID)
	}
	return u
}

// hitURL is where a hit links: its article URL, or its permalink when one of
// kb's routes owns the URL.
func hitURL(h search.Hit) string {
	if content.IsReserved(h.URL) {
		return "/a/" + url.PathEscape(h.ID)
	}
	return href(h.URL)
}

func toAPIFacets(fs []search.FacetCount) []apiFacet {
	out := make([]apiFacet, 0, len(fs))
	for _, f := range fs {
		out = append(out, apiFacet{Value: f.Value, Count: f.Count})
	}
	return out
}

// runSearch runs q with the request's context as its deadline's parent.
func (s *Server) runSearch(c *echo.Context, q search.Query) (search.Results, error) {
	if s.search == nil {
		return search.Results{}, errSearchOff
	}
	background(c)
	res, err := s.search.Search(c.Request().Context(), s.restrict(c, q))
	if err == nil && s.restricted(c) {
		if view, verr := s.view(c); verr == nil {
			res.Hits = restrictHits(view, res.Hits)
			if res.Suggestions != nil {
				res.Suggestions.Runbooks = restrictHits(view, res.Suggestions.Runbooks)
			}
		}
	}
	return res, err
}

// apiSearch serves GET /api/v1/search?q=&type=&service=&tag=&limit=&offset=.
func (s *Server) apiSearch(c *echo.Context) error {
	q, err := searchQuery(c)
	if err != nil {
		return s.searchError(c, err)
	}
	if q.Empty() {
		if strings.TrimSpace(c.Request().URL.Query().Get("q")) != "" {
			// Given but without a word (punctuation, bytes that are not text): say so rather than that q is missing.
			return echo.NewHTTPError(http.StatusBadRequest, "q holds no words to search for (punctuation and bytes that are not UTF-8 text are not searched), e.g. ?q=etcd+no+leader")
		}
		return echo.NewHTTPError(http.StatusBadRequest, "q is required: the words to search for, e.g. ?q=etcd+no+leader")
	}
	res, err := s.runSearch(c, q)
	if err != nil {
		return s.searchError(c, err)
	}
	body := apiSearchResults{
		Query: c.Request().URL.Query().Get("q"), Total: res.Total, Offset: q.Offset, Limit: q.PerPage(),
		TookMS: float64(res.Took.Microseconds()) / 1000, IgnoredWords: res.IgnoredWords, Hits: toAPIHits(res.Hits, res.Highlight),
		Facets: apiFacets{Type: toAPIFacets(res.Facets.Type), Service: toAPIFacets(res.Facets.Service), Tag: toAPIFacets(res.Facets.Tag), Folder: toAPIFacets(res.Facets.Folder)},
	}
	if sg := res.Suggestions; sg != nil {
		body.Suggestions = &apiSuggestions{Queries: sg.Queries, Runbooks: toAPIHits(sg.Runbooks, nil)}
		if body.Suggestions.Queries == nil {
			body.Suggestions.Queries = []string{}
		}
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return c.JSON(http.StatusOK, body)
}

// suggestLimit is how many completions the browser's address bar gets.
const suggestLimit = 8

// apiSuggest serves GET /api/v1/suggest?q= in the OpenSearch suggestions
// format: [query, [titles], [summaries], [URLs]]. A query that cannot be
// answered gets no suggestions rather than an error, as browsers expect.
func (s *Server) apiSuggest(c *echo.Context) error {
	text := c.Request().URL.Query().Get("q")
	titles, descs, urls := []string{}, []string{}, []string{}
	if q, err := search.ParseQuery(text, search.Params{}); err == nil && strings.TrimSpace(text) != "" && s.search != nil {
		q.Limit = suggestLimit
		if res, err := s.runSearch(c, q); err == nil {
			base := s.baseURL(c)
			for _, h := range res.Hits {
				titles = append(titles, h.Title)
				descs = append(descs, h.Summary)
				urls = append(urls, base+hitURL(h))
			}
		}
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	c.Response().Header().Set("Content-Type", "application/x-suggestions+json")
	return c.JSON(http.StatusOK, []any{text, titles, descs, urls})
}

// baseURL is kb's public URL: base_url from kb.yaml, else the scheme and host
// the request came to.
func (s *Server) baseURL(c *echo.Context) string {
	if snap := s.lib.Snapshot(); snap != nil && snap.Site.BaseURL != "" {
		return snap.Site.BaseURL
	}
	req := c.Request()
	scheme := "http"
	if req.TLS != nil || req.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	host := req.Host
	if host == "" || strings.ContainsAny(host, " /\\\"'<>") {
		host = "localhost"
	}
	return scheme + "://" + host
}

// openSearchDescription is GET /opensearch.xml, which lets a browser search
// kb from its address bar.
type openSearchDescription struct {
	XMLName       xml.Name `xml:"http://a9.com/-/spec/opensearch/1.1/ OpenSearchDescription"`
	ShortName     string   `xml:"ShortName"`
	Description   string   `xml:"Description"`
	InputEncoding string   `xml:"InputEncoding"`
	Image         struct {
		Width  int    `xml:"width,attr"`
		Height int    `xml:"height,attr"`
		Type   string `xml:"type,attr"`
		URL    string `xml:",chardata"`
	} `xml:"Image"`
	URLs []openSearchURL `xml:"Url"`
}

type openSearchURL struct {
	Type     string `xml:"type,attr"`
	Method   string `xml:"method,attr,omitempty"`
	Template string `xml:"template,attr"`
}

func (s *Server) openSearch(c *echo.Context) error {
	title := "kb"
	if snap := s.lib.Snapshot(); snap != nil {
		title = snap.Site.Title
	}
	base := s.baseURL(c)
	d := openSearchDescription{ShortName: clipRunes(title, 16), Description: "Search " + title, InputEncoding: "UTF-8"}
	d.Image.Width, d.Image.Height, d.Image.Type = 16, 16, "image/svg+xml"
	if u, ok := s.theme.URL("favicon.svg"); ok {
		d.Image.URL = base + u
	}
	d.URLs = []openSearchURL{
		{Type: "text/html", Method: "get", Template: base + "/search?q={searchTerms}"},
		{Type: "application/x-suggestions+json", Template: base + "/api/v1/suggest?q={searchTerms}"},
	}
	out, err := xml.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "application/opensearchdescription+xml", append([]byte(xml.Header), out...))
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// searchPage is the data of templates/search.html.
type searchPage struct {
	layout
	Q          string     // the query as typed
	Filters    []facetRef // active filters, each with a link that removes it
	Total      int
	Hits       []searchHit
	Facets     []facetGroup
	Prev, Next string // URLs of the neighbouring pages; "" at the ends
	From, To   int    // 1-based numbers of the hits on this page
	TookMS     float64
	Notice     string // why the results are partial (index building, title-only fallback)
	Error      string // why the query was refused
	DidYouMean []link
	Runbooks   []searchHit // runbooks with similar alert names, after a search that found nothing
	Tips       bool        // show how to search (empty query)
	NewCmd     string      // no results: the kb new command that starts a runbook with the query as title
}

type searchHit struct {
	Item    item
	Snippet template.HTML // escaped text with <mark> around matched words
	Link    string        // the article at its best section, with the words to mark
	Folder  []crumb       // the folders above the article, for telling equal titles apart
	Section string        // the title of the best-matching section
	Ticket  string        // "OPS-123 title" of the solved ticket the query matched
}

// crumb is one folder of a result's breadcrumb, linking to the search
// narrowed to it.
type crumb struct {
	Name, URL string
}

type facetGroup struct {
	Name   string // "Type", "Service", "Tag"
	Values []facetRef
}

type facetRef struct {
	Label        string
	Param, Value string // the URL parameter of an active filter
	Count        int
	URL          string
	Active       bool
}

// searchPageSize is the number of hits on one page of /search.
const searchPageSize = 20

// searchHTML serves GET /search?q=: results that also work without
// JavaScript, with facets and paging. While the index is being built it
// answers from titles only, and says so.
func (s *Server) searchHTML(c *echo.Context) error {
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	v := c.Request().URL.Query()
	p := searchPage{layout: s.layout(snap, "Search", "/search"), Q: v.Get("q")}
	p.Query = p.Q
	p.Canonical = ""
	q, err := searchQuery(c)
	status := http.StatusOK
	switch {
	case err != nil:
		status, p.Error = http.StatusBadRequest, queryErrorText(err)
	case q.Empty():
		p.Tips = true
	default:
		q.Limit = searchPageSize
		p.Title = "Search: " + clip(p.Q)
		res, err := s.runSearch(c, q)
		switch {
		case errors.Is(err, search.ErrNotReady) || errors.Is(err, errSearchOff):
			p.Notice = "The search index is being built. Until it is ready, these results match page titles only."
			for _, a := range search.Titles(snap, q, searchPageSize) {
				p.Hits = append(p.Hits, searchHit{Item: toItem(a)})
			}
			p.Total = len(p.Hits)
			p.From, p.To = min(1, p.Total), p.Total
		case err != nil:
			var herr *echo.HTTPError
			if !errors.As(s.searchError(c, err), &herr) {
				return err
			}
			status, p.Error = herr.Code, herr.Message
		default:
			s.fillResults(&p, v, q, res)
			if q.Offset == 0 { // the next pages of one search are not searches again
				s.recordSearch(c.Request().Context(), p.Q, res.Total)
			}
			if res.Total == 0 {
				p.NewCmd = kbNewCommand(searchlog.Normalize(p.Q))
			}
		}
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return s.renderPage(c, status, themes.PageSearch, p)
}

func queryErrorText(err error) string {
	var qe *search.QueryError
	if errors.As(err, &qe) {
		return qe.Msg
	}
	return "This query cannot be searched."
}

func (s *Server) fillResults(p *searchPage, v url.Values, q search.Query, res search.Results) {
	p.Total, p.TookMS = res.Total, float64(res.Took.Microseconds())/1000
	for _, h := range res.Hits {
		p.Hits = append(p.Hits, toSearchHit(h, v, res.Highlight))
	}
	if len(res.Hits) > 0 {
		p.From, p.To = q.Offset+1, q.Offset+len(res.Hits)
	}
	if q.Offset > 0 {
		p.Prev = pageURL(v, max(0, q.Offset-searchPageSize))
	}
	if q.Offset+len(res.Hits) < res.Total && q.Offset+searchPageSize <= search.MaxOffset {
		p.Next = pageURL(v, q.Offset+searchPageSize)
	}
	active := map[string]string{"type": q.Type, "service": q.Service, "tag": q.Tag, "path": q.Path}
	for _, f := range []struct {
		name, param string
		values      []search.FacetCount
	}{{"Type", "type", res.Facets.Type}, {"Service", "service", res.Facets.Service}, {"Tag", "tag", res.Facets.Tag}, {"Folder", "path", res.Facets.Folder}} {
		g := facetGroup{Name: f.name}
		for _, fc := range f.values {
			g.Values = append(g.Values, facetRef{Label: fc.Value, Count: fc.Count, URL: filterURL(v, f.param, fc.Value), Active: active[f.param] == fc.Value})
		}
		if len(g.Values) > 0 {
			p.Facets = append(p.Facets, g)
		}
	}
	for _, param := range []string{"type", "service", "tag", "path"} {
		if active[param] != "" {
			p.Filters = append(p.Filters, facetRef{Label: param + ": " + active[param], Param: param, Value: active[param], URL: filterURL(v, param, "")})
		}
	}
	if sg := res.Suggestions; sg != nil {
		for _, alt := range sg.Queries {
			p.DidYouMean = append(p.DidYouMean, link{Text: alt, URL: "/search?q=" + url.QueryEscape(alt)})
		}
		for _, h := range sg.Runbooks {
			p.Runbooks = append(p.Runbooks, toSearchHit(h, v, nil))
		}
	}
}

func toSearchHit(h search.Hit, v url.Values, hl []string) searchHit {
	it := item{Title: h.Title, URL: hitURL(h), Summary: h.Summary, Type: h.Type, Service: h.Service}
	if h.Service != "" {
		it.ServiceURL = serviceURL(h.Service)
	}
	sh := searchHit{Item: it, Snippet: h.Snippet, Link: hitLink(h, hl)}
	if h.Folder != "" {
		parts := strings.Split(h.Folder, "/")
		for i := range parts {
			sh.Folder = append(sh.Folder, crumb{Name: parts[i], URL: filterURL(v, "path", strings.Join(parts[:i+1], "/"))})
		}
	}
	if h.Section != nil {
		sh.Section = h.Section.Title
	}
	if h.Ticket != nil {
		sh.Ticket = strings.TrimSpace(h.Ticket.Key + " " + h.Ticket.Title)
	}
	return sh
}

// pageURL is the search URL v with another offset.
func pageURL(v url.Values, offset int) string {
	w := url.Values{}
	for k, vs := range v {
		w[k] = vs
	}
	w.Del("offset")
	if offset > 0 {
		w.Set("offset", strconv.Itoa(offset))
	}
	return "/search?" + w.Encode()
}

// filterURL is the search URL v with filter param set to value ("" removes
// it), back on the first page.
func filterURL(v url.Values, param, value string) string {
	w := url.Values{}
	for k, vs := range v {
		w[k] = vs
	}
	w.Del("offset")
	w.Del(param)
	if value != "" {
		w.Set(param, value)
	}
	return "/search?" + w.Encode()
}

// renderPage renders a page that is not cached (its content depends on the
// request) with status.
func (s *Server) renderPage(c *echo.Context, status int, page string, data any) error {
	var buf bytes.Buffer
	if err := s.theme.Render(&buf, page, data); err != nil {
		return err
	}
	return s.send(c, status, "text/html; charset=utf-8", buf.Bytes())
}

// searchStatus is the part of /readyz about the index.
type searchStatus struct {
	Ready    bool   `json:"ready"`
	Building bool   `json:"building,omitempty"`
	Docs     int    `json:"docs"`
	Error    string `json:"error,omitempty"`
}

func (s *Server) searchReadiness() *searchStatus {
	if s.search == nil {
		return nil
	}
	st := s.search.Status()
	r := &searchStatus{Ready: st.Ready, Building: st.Building, Docs: st.Docs}
	if st.Err != nil {
		r.Error = st.Err.Error()
	}
	return r
}
