package server

import (
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

// The size of the card in an oEmbed iframe, before the consumer's maxwidth
// and maxheight.
const (
	embedWidth  = 480
	embedHeight = 180
)

// embedCard is the data of templates/embed.html: a card small enough for a
// ticket tool's side panel.
type embedCard struct {
	SiteTitle   string
	Title       string
	Type        string
	Service     string
	Severity    string
	Summary     string
	Solved      int
	SolvedKnown bool   // false while the links store is unavailable
	OpenURL     string // the article, opened in a new tab
}

// embed serves GET /embed/{id}: the card of an article, the only page of kb
// that other sites may frame, and only those kb.yaml lists in embed_origins.
func (s *Server) embed(c *echo.Context) error {
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	a, ok := snap.ByID(c.Param("id"))
	if !ok {
		return content.ErrNotFound
	}
	card := embedCard{
		SiteTitle: snap.Site.Title, Title: a.Title, Type: string(a.Type), Service: a.Service,
		Severity: a.Severity, Summary: a.Summary, OpenURL: absolute(snap, toItem(a).URL),
	}
	if store, err := s.linksAvailable(); err == nil {
		if _, total, err := store.ByArticle(c.Request().Context(), a.ID, 0, 1); err == nil {
			card.Solved, card.SolvedKnown = total, true
		}
	}
	b, err := s.renderBlob(themes.PageEmbed, card)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	delete(h, "X-Frame-Options") // frame-ancestors decides, and X-Frame-Options cannot list origins
	h.Set("Content-Security-Policy", embedCSP(snap.Site.EmbedOrigins))
	return s.serveBlob(c, b)
}

// embedCSP is the policy of the card: styles from kb only, framed by kb
// itself and by the valid origins of kb.yaml embed_origins.
func embedCSP(origins []string) string {
	var b strings.Builder
	b.WriteString("default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
	for _, o := range origins {
		if o, ok := cspOrigin(o); ok {
			b.WriteString(" " + o)
		}
	}
	return b.String()
}

// cspOrigin returns origin as a CSP source ("https://tool.example.com",
// "https://*.example.com:8443"), or false when it is none: anything else
// could change the meaning of the policy.
func cspOrigin(origin string) (string, bool) {
	o := strings.TrimSuffix(strings.TrimSpace(origin), "/")
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", false
	}
	host := strings.TrimPrefix(u.Hostname(), "*.")
	for _, r := range host {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (r < '0' || r > '9') && r != '.' && r != '-' {
			return "", false
		}
	}
	if port := u.Port(); port != "" {
		if _, err := strconv.Atoi(port); err != nil {
			return "", false
		}
	}
	return u.Scheme + "://" + u.Host, host != ""
}

// oembedResponse is an oEmbed 1.0 answer of type rich.
type oembedResponse struct {
	Version      string `json:"version"`
	Type         string `json:"type"`
	Title        string `json:"title"`
	ProviderName string `json:"provider_name"`
	ProviderURL  string `json:"provider_url,omitempty"`
	HTML         string `json:"html"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	CacheAge     int    `json:"cache_age"`
}

// oembed serves GET /oembed?url=...&format=json, the oEmbed provider: the
// html is an iframe of the article's card. An unknown URL is a 404, a format
// other than json a 501, as the oEmbed specification asks.
func (s *Server) oembed(c *echo.Context) error {
	switch c.QueryParam("format") {
	case "", "json":
	default:
		return echo.NewHTTPError(http.StatusNotImplemented, "Only format=json is supported.")
	}
	raw := c.QueryParam("url")
	if raw == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "url: required, the URL of an article.")
	}
	width, err := maxDimension(c, "maxwidth", embedWidth)
	if err != nil {
		return err
	}
	height, err := maxDimension(c, "maxheight", embedHeight)
	if err != nil {
		return err
	}
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	a, ok := s.oembedArticle(snap, raw)
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "No article of this kb has the URL "+clip(raw)+".")
	}
	src := s.baseURL(c) + "/embed/" + url.PathEscape(a.ID)
	res := oembedResponse{
		Version: "1.0", Type: "rich", Title: a.Title, ProviderName: snap.Site.Title, ProviderURL: snap.Site.BaseURL,
		Width: width, Height: height, CacheAge: 3600,
		HTML: fmt.Sprintf(`<iframe src="%s" width="%d" height="%d" title="%s" loading="lazy" style="border:0" `+
			`sandbox="allow-popups allow-popups-to-escape-sandbox"></iframe>`,
			html.EscapeString(src), width, height, html.EscapeString(a.Title)),
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noCache
	return c.JSON(http.StatusOK, res)
}

// oembedArticle finds the article of an oEmbed url: an absolute URL on kb's
// base_url (any host when none is set) or a path, naming an article page, a
// permalink, an alias or a card.
func (s *Server) oembedArticle(snap *content.Snapshot, raw string) (*content.Article, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return nil, false
	}
	if u.Scheme != "" && snap.Site.BaseURL != "" {
		base, err := url.Parse(snap.Site.BaseURL)
		if err != nil || !strings.EqualFold(base.Host, u.Host) {
			return nil, false
		}
		u.Path = strings.TrimPrefix(u.Path, strings.TrimSuffix(base.Path, "/"))
	}
	if !strings.HasPrefix(u.Path, "/") {
		return nil, false
	}
	p := u.Path
	if id, ok := strings.CutPrefix(p, "/embed/"); ok {
		p = "/a/" + id
	}
	a, _, ok := snap.Resolve(p)
	return a, ok
}

// maxDimension returns the smaller of def and the query parameter name.
func maxDimension(c *echo.Context, name string, def int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, echo.NewHTTPError(http.StatusBadRequest, name+": a positive number of pixels.")
	}
	return min(n, def), nil
}

// oembedLink is the oEmbed URL of a, for the discovery link of its page.
func oembedLink(snap *content.Snapshot, a *content.Article) string {
	return snap.Site.BaseURL + "/oembed?format=json&url=" + url.QueryEscape(snap.Site.BaseURL+permalinkURL(a))
}
