package server

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"kb/content"
)

// The web's conventions: a sitemap for crawlers, robots.txt keeping them out
// of pages that only repeat others (search, history, the API, reports), and
// Atom feeds of recent changes for readers and chat integrations.

// maxSitemapURLs is the sitemaps.org limit of URLs in one sitemap file;
// larger sites get a sitemap index.
const maxSitemapURLs = 50_000

// feedEntries is how many recent changes a feed lists.
const feedEntries = 50

// noindexPrefixes are the paths search engines should not index: they
// repeat or reshuffle what article pages show. robots.txt lists them and
// their responses carry X-Robots-Tag: noindex.
func noindexPrefixes() []string {
	return []string{"/search", "/api/", "/reports", "/alerts/", "/embed/", "/oembed"}
}

// noindex reports whether a page at urlPath is kept out of search engines.
func noindex(urlPath string) bool {
	for _, p := range noindexPrefixes() {
		if strings.HasPrefix(urlPath, p) {
			return true
		}
	}
	return strings.Contains(urlPath, "/history")
}

// robots serves GET /robots.txt.
func (s *Server) robots(c *echo.Context) error {
	var b strings.Builder
	b.WriteString("User-agent: *\n")
	for _, p := range noindexPrefixes() {
		fmt.Fprintf(&b, "Disallow: %s\n", p)
	}
	b.WriteString("Disallow: /*/history\n")
	fmt.Fprintf(&b, "\nSitemap: %s/sitemap.xml\n", strings.TrimSuffix(s.baseURL(c), "/"))
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "text/plain; charset=utf-8", []byte(b.String()))
}

type sitemapURLSet struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []sitemapURL `xml:"sitemap"`
}

// sitemap serves GET /sitemap.xml: every article with its last change, or,
// past maxSitemapURLs articles, a sitemap index of /sitemap.xml?page=N.
func (s *Server) sitemap(c *echo.Context) error {
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(s.baseURL(c), "/")
	pages := (len(snap.Articles) + maxSitemapURLs - 1) / maxSitemapURLs
	var doc any
	switch p := c.QueryParam("page"); {
	case p == "" && pages > 1:
		idx := sitemapIndex{}
		for i := 1; i <= pages; i++ {
			idx.Sitemaps = append(idx.Sitemaps, sitemapURL{Loc: base + "/sitemap.xml?page=" + strconv.Itoa(i)})
		}
		doc = idx
	default:
		n := 1
		if p != "" {
			if n, err = strconv.Atoi(p); err != nil || n < 1 || n > max(pages, 1) {
				return echo.NewHTTPError(http.StatusNotFound, "There is no sitemap page "+clip(p)+".")
			}
		}
		set := sitemapURLSet{URLs: []sitemapURL{}}
		for _, a := range snap.Articles[(n-1)*maxSitemapURLs : min(n*maxSitemapURLs, len(snap.Articles))] {
			u := sitemapURL{Loc: base + href(a.URL)}
			if !a.Updated.IsZero() {
				u.LastMod = a.Updated.UTC().Format(time.DateOnly)
			}
			set.URLs = append(set.URLs, u)
		}
		doc = set
	}
	return s.writeXML(c, "application/xml; charset=utf-8", doc)
}

// writeXML writes doc as an XML document.
func (s *Server) writeXML(c *echo.Context, contentType string, doc any) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(doc); err != nil {
		return fmt.Errorf("encode %T: %w", doc, err)
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noCache
	return s.send(c, http.StatusOK, contentType, buf.Bytes())
}

// atomFeed is an Atom feed (RFC 4287).
type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Author   atomPerson  `xml:"author"`
	Links    []atomLink  `xml:"link"`
	Entries  []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  *atomPerson `xml:"author,omitempty"`
	Link    atomLink    `xml:"link"`
	Summary string      `xml:"summary,omitempty"`
}

// feed serves GET /feed.xml: the articles changed last, newest first; with
// ?folder=runbooks/etcd only those below a folder, with ?service=etcd only a
// service's.
func (s *Server) feed(c *echo.Context) error {
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	folder := strings.Trim(c.QueryParam("folder"), "/")
	service := strings.ToLower(strings.TrimSpace(c.QueryParam("service")))
	title := snap.Site.Title
	as := slices.Clone(snap.Articles)
	switch {
	case folder != "":
		if _, ok := snap.Folder(folder); !ok {
			return echo.NewHTTPError(http.StatusNotFound, "There is no folder "+clip(folder)+".")
		}
		as = slices.DeleteFunc(as, func(a *content.Article) bool { return !strings.HasPrefix(a.Path, folder+"/") })
		title += ": " + folder
	case service != "":
		as = snap.InService(service)
		if len(as) == 0 {
			return echo.NewHTTPError(http.StatusNotFound, "There is no service "+clip(service)+".")
		}
		title += ": service " + service
	}
	slices.SortStableFunc(as, func(a, b *content.Article) int { return b.Updated.Compare(a.Updated) })
	as = as[:min(feedEntries, len(as))]

	base := strings.TrimSuffix(s.baseURL(c), "/")
	self := base + "/feed.xml"
	if q := c.Request().URL.RawQuery; q != "" {
		self += "?" + q
	}
	f := atomFeed{
		ID: self, Title: title, Subtitle: "Recently changed articles",
		Author:  atomPerson{Name: snap.Site.Title},
		Links:   []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: base + "/"}},
		Updated: s.pagesFor(snap).seenAt.UTC().Format(time.RFC3339), // when no article has a date
	}
	if len(as) > 0 && !as[0].Updated.IsZero() {
		f.Updated = as[0].Updated.UTC().Format(time.RFC3339)
	}
	for _, a := range as {
		e := atomEntry{
			ID: base + permalinkURL(a), Title: a.Title, Link: atomLink{Rel: "alternate", Type: "text/html", Href: base + href(a.URL)},
			Updated: a.Updated.UTC().Format(time.RFC3339), Summary: a.Summary,
		}
		if a.Updated.IsZero() {
			e.Updated = f.Updated
		}
		if a.UpdatedBy != "" {
			e.Author = &atomPerson{Name: a.UpdatedBy}
		}
		if e.Summary == "" && a.UpdateSubject != "" {
			e.Summary = a.UpdateSubject
		}
		f.Entries = append(f.Entries, e)
	}
	return s.writeXML(c, "application/atom+xml; charset=utf-8", f)
}
