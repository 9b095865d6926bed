package server

import (
	"cmp"
	"html/template"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"kb/alertrules"
	"kb/content"
)

// The data the theme's templates receive. Every page's data embeds layout;
// URLs are escaped, ready for href. Themes depend on these field names.

// layout is what templates/layout.html uses on every page.
type layout struct {
	SiteTitle   string
	Title       string // page title; "" on the home page
	Description string // meta description
	Version     string // kb's version
	Path        string // escaped URL path of the page
	Canonical   string // absolute URL of the page when kb.yaml sets base_url
	Crumbs      []link // breadcrumbs between Home and the page
	Query       string // pre-filled text of the search box
	Live        bool   // the page reloads itself when its content changes
	Mode        string // "incident" for the compact incident view (a class on body); "" otherwise
	OGImage     string // absolute URL of the link-preview picture; "" without base_url
	Feed        string // the Atom feed of recent changes
}

// link is a labelled URL.
type link struct {
	Text string
	URL  string
}

// item is an article in a list.
type item struct {
	Title      string
	URL        string
	Summary    string
	Type       string // "runbook" or "article"
	Service    string
	ServiceURL string
	Severity   string
	Updated    time.Time
}

// homePage is the data of templates/home.html.
type homePage struct {
	layout
	Intro        template.HTML     // body of the root index article (index.md), if any
	Count        int               // articles in the snapshot
	Services     []group           // runbooks by service; a last group holds runbooks without one
	Folders      []group           // other articles by folder
	Sections     []folderItem      // the top-level folders with their counts
	MoreServices bool              // Services does not show every service
	Recent       []item            // most recently updated
	Tags         []term            // most used tags
	MoreTags     bool              // Tags is not every tag
	TagCount     int               // number of tags
	Warnings     []content.Warning // problems outside single articles (kb.yaml, duplicates)
}

// group is a titled list of articles; URL is "" when the group has no page.
// A group shows its first entries; Count says how many it has in all.
type group struct {
	Name     string
	URL      string
	Count    int    // articles in the group, shown or not
	Runbooks []item // for runbook groups
	Articles []item // for folder groups
	dir      string // the folder of a folder group
}

// term is a tag or service with its page and article count.
type term struct {
	Name  string
	URL   string
	Count int
}

// articlePage is the data of templates/article.html.
type articlePage struct {
	layout
	Article    item
	Body       template.HTML // rendered Markdown, safe HTML from package render
	Unrendered string        // why there is no Body; shown instead of it
	TOC        []tocEntry    // headings of levels 2 and 3
	Reviewed   time.Time
	Owners     []string
	Alerts     []string
	Tags       []link
	Backlinks  []item
	Warnings   []content.Warning // problems in this file, with path and line
	EditURL    string            // from kb.yaml edit_url; "" when unset
	UpdatedBy  string            // author of the last commit that changed the file, from git
	Subject    string            // subject of that commit
	Commit     *link             // that commit's short hash and its page; nil without git
	HistoryURL string            // the article's history page; "" without git
	SourcePath string            // root-relative path of the Markdown file
	Permalink  string            // /a/{id}
	Listing    *listing          // the folder's contents when the article is its index

	Tickets *ticketsBlock // the tickets the article solved; nil when the links store is unavailable
	OEmbed  string        // the oEmbed URL of the article, for the discovery link

	Review      content.Review // last review, when the next is due, whether it is overdue
	HelpfulURL  string         // where "this helped" posts; "" when feedback is not stored
	IncidentURL string         // the incident view of the page (or the normal view, in incident mode)

	Diagrams bool // the body has a mermaid block: the page loads the diagram script

	Nav  *navTree // the folders down to the page, its folder's pages
	Prev *link    // the page before it in its folder; nil for the first
	Next *link    // the page after it; nil for the last
}

// labelsNote is the data of the theme's "filled-labels" part
// (templates/labels.html): the note above an article page whose
// placeholders were filled in from an alert's labels, or that thanks the
// reader for "this helped".
type labelsNote struct {
	Helped bool               // the reader has just said that the page helped
	Labels []alertrules.Label // the labels of the alert; none when only Helped
	Filled int                // placeholders of the page that the labels filled
	Back   string             // the page without the labels, escaped for href
}

// tocEntry is one line of the table of contents.
type tocEntry struct {
	ID    string
	Text  string
	Level int
}

// listing is the contents of a folder.
type listing struct {
	Folders  []folderItem
	Articles []item
	Compact  bool // too many articles for summaries: titles only, in columns
}

// compactListing is the number of articles past which a folder lists titles only.
const compactListing = 60

// folderItem is a sub-folder in a listing.
type folderItem struct {
	Name  string
	URL   string
	Count int // articles in it and below

	weight    int // from the folder's index article, for the order
	hasWeight bool
}

// folderPage is the data of templates/folder.html.
type folderPage struct {
	layout
	Count   int
	Listing listing
	Nav     *navTree
}

// termsPage is the data of templates/terms.html (/tags, /services).
type termsPage struct {
	layout
	Kind  string // "tags" or "services"
	Terms []term
}

// listPage is the data of templates/list.html (/tags/{tag}, /services/{name}).
type listPage struct {
	layout
	Kind     string // "tags" or "services"
	Name     string
	Articles []item
}

// errorPage is the data of templates/error.html.
type errorPage struct {
	layout
	Status  int
	Message string
	Similar []item // pages whose names resemble the missing one
}

func (s *Server) layout(snap *content.Snapshot, title, urlPath string) layout {
	l := layout{Title: title, Version: s.version, Path: href(urlPath), SiteTitle: "kb", Live: s.live, Feed: "/feed.xml"}
	if snap != nil {
		l.SiteTitle = snap.Site.Title
		if snap.Site.BaseURL != "" {
			l.Canonical = snap.Site.BaseURL + l.Path
		}
		l.OGImage = s.ogImage(snap.Site)
	}
	return l
}

// ogImage returns the absolute URL of the link-preview picture: kb.yaml's
// og_image, else the theme's og.png; "" when neither can be made absolute
// (previews need absolute URLs, so without base_url there is none).
func (s *Server) ogImage(site content.Site) string {
	switch img := site.OGImage; {
	case strings.HasPrefix(img, "http://"), strings.HasPrefix(img, "https://"):
		return img
	case site.BaseURL == "":
		return ""
	case img != "":
		return site.BaseURL + img
	}
	if u, ok := s.theme.URL("og.png"); ok {
		return site.BaseURL + u
	}
	return ""
}

// href escapes a URL path for an href: "/runbooks/disk full?" → "/runbooks/disk%20full%3F".
func href(p string) string {
	return (&url.URL{Path: p}).EscapedPath()
}

func tagURL(t string) string      { return "/tags/" + url.PathEscape(t) }
func serviceURL(n string) string  { return "/services/" + url.PathEscape(n) }
func folderURL(dir string) string { return href("/" + dir) }

func toItem(a *content.Article) item {
	it := item{
		Title: a.Title, URL: href(a.URL), Summary: a.Summary, Type: string(a.Type),
		Service: a.Service, Severity: a.Severity, Updated: a.Updated,
	}
	if a.Service != "" {
		it.ServiceURL = serviceURL(a.Service)
	}
	if content.IsReserved(a.URL) {
		it.URL = permalinkURL(a) // one of kb's routes owns its URL
	}
	return it
}

func permalinkURL(a *content.Article) string { return "/a/" + url.PathEscape(a.ID) }

// articleLocation is where a redirect to article a goes: its URL, or its
// permalink where one of kb's routes owns that URL; false if it would leave
// the site.
func articleLocation(a *content.Article) (string, bool) {
	if content.IsReserved(a.URL) {
		return localURL(permalinkURL(a))
	}
	return localURL(a.URL)
}

func toItems(as []*content.Article) []item {
	out := make([]item, 0, len(as))
	for _, a := range as {
		out = append(out, toItem(a))
	}
	return out
}

// sortItems orders a list: runbooks before articles, the most severe first, then by title.
func sortItems(items []item) {
	slices.SortStableFunc(items, func(a, b item) int {
		return cmp.Or(
			cmp.Compare(content.TypeRank(content.Type(a.Type)), content.TypeRank(content.Type(b.Type))),
			cmp.Compare(content.SeverityRank(a.Severity), content.SeverityRank(b.Severity)),
			strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)),
		)
	})
}

// folderTitle names a folder by its index article's title, else by its name.
func folderTitle(snap *content.Snapshot, dir string) string {
	if dir == "" {
		return "Home"
	}
	if a, ok := snap.ByURL("/" + dir); ok && a.IsIndex() {
		return a.Title
	}
	return path.Base(dir)
}

// crumbs links each folder from the top down to dir.
func crumbs(snap *content.Snapshot, dir string) []link {
	if dir == "" {
		return nil
	}
	var out []link
	parts := strings.Split(dir, "/")
	for i := range parts {
		d := strings.Join(parts[:i+1], "/")
		out = append(out, link{Text: folderTitle(snap, d), URL: folderURL(d)})
	}
	return out
}

func parentDir(dir string) string {
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		return dir[:i]
	}
	return ""
}

func listFolder(snap *content.Snapshot, f *content.Folder) listing {
	var l listing
	for _, sub := range f.Folders {
		name, w, has := folderNav(snap, sub.Path)
		l.Folders = append(l.Folders, folderItem{Name: name, URL: folderURL(sub.Path), Count: sub.Count(), weight: w, hasWeight: has})
	}
	slices.SortStableFunc(l.Folders, func(a, b folderItem) int {
		return content.CompareNav(a.weight, a.hasWeight, a.Name, b.weight, b.hasWeight, b.Name)
	})
	for _, a := range f.Articles {
		if !a.IsIndex() {
			l.Articles = append(l.Articles, toItem(a))
		}
	}
	sortItems(l.Articles)
	l.Compact = len(l.Articles) > compactListing
	return l
}

func (s *Server) homeView(snap *content.Snapshot) homePage {
	p := homePage{layout: s.layout(snap, "", "/"), Count: len(snap.Articles), Warnings: snap.Warnings}
	p.Description = snap.Site.Title
	if a, ok := snap.ByURL("/"); ok && a.Unrendered == "" {
		p.Intro = template.HTML(a.HTML()) // #nosec G203 -- render's output is safe HTML by contract
		p.Description = cmp.Or(a.Summary, p.Description)
	}
	for _, t := range snap.Services() {
		g := group{Name: t.Name, URL: serviceURL(t.Name)}
		for _, a := range snap.InService(t.Name) {
			if a.Type == content.TypeRunbook && !a.IsIndex() {
				g.Runbooks = append(g.Runbooks, toItem(a))
			}
		}
		if g.Count = len(g.Runbooks); g.Count > 0 {
			sortItems(g.Runbooks)
			if len(g.Runbooks) > homeGroupSize {
				g.Runbooks = g.Runbooks[:homeGroupSize]
			}
			p.Services = append(p.Services, g)
		}
	}
	if len(p.Services) > homeGroups {
		p.Services, p.MoreServices = p.Services[:homeGroups], true // /services lists them all
	}
	var loose, articles []*content.Article
	for _, a := range snap.Articles {
		switch {
		case a.IsIndex():
		case a.Type == content.TypeRunbook:
			if a.Service == "" {
				loose = append(loose, a)
			}
		default:
			articles = append(articles, a)
		}
	}
	// Runbooks without a service are grouped by their folders, as authors
	// arranged them, rather than in one long card.
	p.Services = append(p.Services, folderGroups(snap, loose, true)...)
	p.Folders = folderGroups(snap, articles, false)
	if root, ok := snap.Folder(""); ok {
		p.Sections = listFolder(snap, root).Folders
	}
	p.Recent = toItems(snap.Recent(8))
	tags := snap.Tags()
	p.TagCount = len(tags)
	const maxTags = 30
	if len(tags) > maxTags {
		tags, p.MoreTags = tags[:maxTags], true
	}
	p.Tags = toTerms(tags, tagURL)
	return p
}

func toTerms(ts []content.Term, url func(string) string) []term {
	out := make([]term, 0, len(ts))
	for _, t := range ts {
		out = append(out, term{Name: t.Name, URL: url(t.Name), Count: t.Count})
	}
	return out
}

func (s *Server) articleView(snap *content.Snapshot, a *content.Article) articlePage {
	p := articlePage{
		layout:     s.layout(snap, a.Title, a.URL),
		Article:    toItem(a),
		Body:       template.HTML(a.HTML()), // #nosec G203 -- render's output is safe HTML by contract
		Unrendered: a.Unrendered,
		Reviewed:   a.Reviewed,
		Owners:     a.Owners,
		Alerts:     a.Alerts,
		Backlinks:  toItems(snap.Backlinks(a)),
		Warnings:   a.Warnings,
		EditURL:    snap.Site.EditLink(a.Path),
		SourcePath: a.Path,
		Permalink:  permalinkURL(a),
		UpdatedBy:  a.UpdatedBy,
		Subject:    a.UpdateSubject,
	}
	if c := a.LastCommit; c != nil {
		p.HistoryURL = href(a.URL + "/history")
		p.Commit = &link{Text: c.Short, URL: href(a.URL + "/history/" + c.Hash)}
	}
	p.Description = a.Summary
	s.runbookView(snap, a, &p)
	dir := a.Folder()
	if a.IsIndex() {
		if f, ok := snap.Folder(dir); ok {
			l := listFolder(snap, f)
			p.Listing = &l
		}
		dir = parentDir(dir)
	}
	p.Crumbs = crumbs(snap, dir)
	memo := navMemo{}
	p.Nav = navFor(snap, a.Folder(), p.Article.URL, memo)
	p.Diagrams = strings.Contains(string(p.Body), `<code class="language-mermaid">`) // the body as served: a render cache keeps it out of a.Doc
	if !a.IsIndex() {
		p.Prev, p.Next = neighbours(snap, a, memo)
	}
	for _, h := range a.Doc.Headings {
		if h.Level == 2 || h.Level == 3 {
			p.TOC = append(p.TOC, tocEntry{ID: h.ID, Text: h.Text, Level: h.Level})
		}
	}
	for _, t := range a.Tags {
		p.Tags = append(p.Tags, link{Text: t, URL: tagURL(t)})
	}
	return p
}

func (s *Server) folderView(snap *content.Snapshot, f *content.Folder) folderPage {
	p := folderPage{layout: s.layout(snap, folderTitle(snap, f.Path), "/"+f.Path), Count: f.Count(), Listing: listFolder(snap, f)}
	p.Crumbs = crumbs(snap, parentDir(f.Path))
	p.Nav = navFor(snap, f.Path, folderURL(f.Path), nil)
	return p
}

func (s *Server) termsView(snap *content.Snapshot, kind string) termsPage {
	if kind == "services" {
		return termsPage{layout: s.layout(snap, "Services", "/services"), Kind: kind, Terms: toTerms(snap.Services(), serviceURL)}
	}
	return termsPage{layout: s.layout(snap, "Tags", "/tags"), Kind: kind, Terms: toTerms(snap.Tags(), tagURL)}
}

func (s *Server) listView(snap *content.Snapshot, kind, name string, as []*content.Article) listPage {
	title, up := "Tag "+name, link{Text: "Tags", URL: "/tags"}
	urlPath := "/tags/" + name
	if kind == "services" {
		title, up = "Service "+name, link{Text: "Services", URL: "/services"}
		urlPath = "/services/" + name
	}
	p := listPage{layout: s.layout(snap, title, urlPath), Kind: kind, Name: name, Articles: toItems(as)}
	p.Crumbs = []link{up}
	sortItems(p.Articles)
	return p
}
