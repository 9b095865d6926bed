package server

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/alertrules"
	"kb/content"
	"kb/scaffold"
	"kb/search"
	"kb/themes"
)

// alertLabels returns the alert labels of a query string; kb's own
// parameters are never labels.
func alertLabels(q url.Values) []alertrules.Label {
	return alertrules.Labels(q, "mode", "helped", highlightParam)
}

// labelQuery encodes labels (and the mode, when set) as a query string
// without the "?"; "" when there are none.
func labelQuery(labels []alertrules.Label, mode string) string {
	v := alertrules.Query(labels)
	if mode != "" {
		v.Set("mode", mode)
	}
	return v.Encode()
}

// badAlertName is the 400 of an alert link whose name content.ParseAlertName
// refuses: what is wrong, then what an alert name looks like.
func badAlertName(err error) error {
	msg := err.Error()
	msg = strings.ToUpper(msg[:1]) + msg[1:] + ". " +
		fmt.Sprintf("An alert name is up to %d letters, digits, spaces and _ - . : characters, such as /alerts/KubePodCrashLooping.", content.MaxAlertName)
	return echo.NewHTTPError(http.StatusBadRequest, msg).Wrap(err)
}

// alertPage is the data of templates/alert.html: the "no runbook yet" page.
type alertPage struct {
	layout
	Alert      string
	Labels     []alertrules.Label
	Service    string   // from the service (or job) label
	Similar    []item   // the closest runbooks and articles
	Team       []string // who probably owns the alert
	TeamSource string   // where Team comes from: "the team label", "owners of etcd runbooks", ...
	NewPath    string   // root-relative path of the runbook to create
	NewFile    string   // its content, from the runbook template
	NewFileErr string   // why there is no NewFile
	CreateURL  string   // the git host's "new file" page for NewPath; "" without edit_url
	EditHost   string   // "GitHub", "GitLab", "Gitea": which new-file URL CreateURL is
	SearchURL  string   // a search for the alert's words
	NoName     bool     // the link names no alert (/alerts/?namespace=...)
	Example    string   // kb's URL for the runbook_url examples of a NoName page
}

// alert serves GET /alerts/{name}: a 302 to the runbook for the alert, the
// alert's labels carried on in the query string, or a "no runbook yet" page
// (200) with the closest runbooks, the likely owners and a pre-filled file
// to create. Alert links in pagers must always land somewhere useful.
func (s *Server) alert(c *echo.Context) error {
	req := c.Request()
	raw := strings.TrimPrefix(strings.TrimPrefix(req.URL.Path, "/alerts"), "/")
	raw = strings.TrimSuffix(raw, "/") // /alerts/Name/ as some tools write it
	if raw == "" {
		return s.alertWithoutName(c)
	}
	if strings.Contains(raw, "/") { // "a/b", "a%2Fb" and "../x" alike
		// OpenShift's runbook_urls name alerts/<operator>/<AlertName>.md.
		if snap, _ := s.view(c); snap != nil && !slices.Contains(strings.Split(raw, "/"), "..") {
			if handled, err := s.upstreamRunbook(c, snap, req.URL.Path); handled {
				return err
			}
		}
		return echo.NewHTTPError(http.StatusBadRequest, "An alert name has no slashes; link to /alerts/NAME, such as /alerts/KubePodCrashLooping.")
	}
	name, err := content.ParseAlertName(raw)
	if err != nil {
		return badAlertName(err)
	}
	snap, err := s.view(c)
	if err != nil {
		return err
	}
	q := req.URL.Query()
	labels := alertLabels(q)
	mode := ""
	if q.Get("mode") == modeIncident {
		mode = modeIncident
	}
	if a, ok := snap.ByAlert(name); ok {
		return s.toRunbook(c, a, labels, mode)
	}
	return s.renderPage(c, http.StatusOK, themes.PageAlert, s.alertView(c, snap, name, labels))
}

// toRunbook answers an alert link with a 302 to runbook a, the labels (and
// the mode) carried on in the query string.
func (s *Server) toRunbook(c *echo.Context, a *content.Article, labels []alertrules.Label, mode string) error {
	loc, ok := articleLocation(a)
	if !ok {
		return content.ErrNotFound
	}
	if qs := labelQuery(labels, mode); qs != "" {
		loc += "?" + qs
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return c.Redirect(http.StatusFound, loc)
}

// upstreamRunbook answers a content path that is no article but whose last
// segment is the name of an alert with a runbook: the URL styles of public
// runbook collections (kube-prometheus's /runbooks/<group>/<lower-cased
// alert name>, OpenShift's alerts/<operator>/<AlertName>.md) land on the
// runbook. handled is false when the segment names no alert with a runbook.
func (s *Server) upstreamRunbook(c *echo.Context, snap *content.Snapshot, p string) (handled bool, err error) {
	last := strings.TrimSuffix(path.Base(p), path.Ext(p))
	if strings.Count(p, "/") < 2 || last == "" {
		return false, nil
	}
	name, perr := content.ParseAlertName(last)
	if perr != nil {
		return false, nil
	}
	a, ok := snap.ByAlert(name)
	if !ok {
		return false, nil
	}
	q := c.Request().URL.Query()
	mode := ""
	if q.Get("mode") == modeIncident {
		mode = modeIncident
	}
	return true, s.toRunbook(c, a, alertLabels(q), mode)
}

// alertWithoutName serves /alerts/ with no name (404): what Prometheus
// sends when a runbook_url is built from {{ $labels.alertname }}, which is
// empty while annotations are expanded. The page says why and what works,
// and shows the labels the link carried.
func (s *Server) alertWithoutName(c *echo.Context) error {
	snap, _ := s.view(c) // nil before the first load
	p := alertPage{layout: s.layout(snap, "This alert link names no alert", "/alerts/"), NoName: true, Labels: alertLabels(c.Request().URL.Query())}
	p.Canonical = ""
	p.Crumbs = []link{{Text: "Alerts", URL: "/reports/coverage"}}
	p.Example = "https://kb.example.com"
	if snap != nil && snap.Site.BaseURL != "" {
		p.Example = snap.Site.BaseURL
	}
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return s.renderPage(c, http.StatusNotFound, themes.PageAlert, p)
}

// alertView builds the "no runbook yet" page of alert name.
func (s *Server) alertView(c *echo.Context, snap *content.Snapshot, name string, labels []alertrules.Label) alertPage {
	p := alertPage{layout: s.layout(snap, "No runbook yet for "+name, "/alerts/"+name), Alert: name, Labels: labels}
	p.Crumbs = []link{{Text: "Alerts", URL: "/reports/coverage"}}
	p.Service = alertrules.Service(labels)
	words := strings.Join(content.Words(name), " ")
	p.SearchURL = "/search?" + url.Values{"q": {words}}.Encode()
	p.Similar = s.closest(c, snap, name, words, p.Service)
	p.Team, p.TeamSource = alertrules.Owners(snap, labels, p.Service)
	s.newRunbook(snap, &p)
	return p
}

// closest returns up to 5 articles close to alert name: the search index's
// best hits for the name's words (and the service), else the articles whose
// names share words with it, then the runbooks of the service.
func (s *Server) closest(c *echo.Context, snap *content.Snapshot, name, words, service string) []item {
	const n = 5
	var out []*content.Article
	add := func(a *content.Article) {
		if a != nil && len(out) < n && !slices.Contains(out, a) && !a.IsIndex() {
			out = append(out, a)
		}
	}
	if s.search != nil && s.search.Status().Ready && words != "" {
		text := words
		if service != "" {
			text += " " + service
		}
		var res search.Results
		q, err := search.ParseQuery(text, search.Params{Limit: strconv.Itoa(n)})
		if err == nil {
			res, err = s.runSearch(c, q)
		}
		if err != nil {
			s.log.Warn("search for an alert without runbook failed; using names", "err", err, "query", text)
		}
		for _, h := range res.Hits {
			if a, ok := snap.ByID(h.ID); ok {
				add(a)
			}
		}
	}
	for _, a := range snap.Similar(name+" "+service, n) {
		add(a)
	}
	for _, a := range snap.InService(service) {
		if a.Type == content.TypeRunbook {
			add(a)
		}
	}
	return toItems(out)
}

// newRunbook fills in the runbook to create for p.Alert: its path
// (runbooks/<service or general>/<slug>.md), its content from the runbook
// template (the content's .kb/templates/runbook.md, else the built-in one)
// and the git host's new-file URL.
func (s *Server) newRunbook(snap *content.Snapshot, p *alertPage) {
	tmpl, _, err := scaffold.Template(snap.Files(), content.TypeRunbook)
	if err != nil {
		p.NewFileErr = "The runbook template cannot be read: " + err.Error()
		return
	}
	dir := "runbooks/general"
	if svc := scaffold.Slug(p.Service); svc != "" {
		dir = "runbooks/" + svc
	}
	owners := p.Team
	if len(owners) == 0 {
		owners = snap.Site.Owners
	}
	f, err := scaffold.New(tmpl, scaffold.Params{
		Type: content.TypeRunbook, Title: p.Alert, Service: p.Service, Alerts: []string{p.Alert},
		Owners: owners, Reviewed: s.now(), Dir: dir,
	})
	if err != nil {
		p.NewFileErr = "No file can be made for this alert: " + err.Error()
		return
	}
	p.NewPath, p.NewFile = f.Path, string(f.Source)
	p.CreateURL, p.EditHost = snap.Site.NewFileLink(f.Path, f.Source)
}
