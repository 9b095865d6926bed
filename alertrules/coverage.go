package alertrules

import (
	"cmp"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"kb/content"
	"kb/render"
)

// Report is how well the runbooks of a snapshot cover the alerts of a set of
// rule files.
type Report struct {
	Rules    int `json:"rules"`    // alerting rules read
	Alerts   int `json:"alerts"`   // distinct alert names
	Covered  int `json:"covered"`  // alert names with a runbook
	Runbooks int `json:"runbooks"` // runbooks in the snapshot, folder index files not counted

	Missing    []Missing    `json:"missing"`     // alerts without a runbook, by name
	Orphaned   []Orphan     `json:"orphaned"`    // runbooks naming alerts no rule defines, by path
	BrokenURLs []BrokenURL  `json:"broken_urls"` // runbook_url annotations that land on no article, by file and line
	Unchecked  []Unchecked  `json:"unchecked"`   // runbook_url annotations not checked, grouped
	Found      []RunbookFor `json:"found"`       // alerts with their runbook, by name
}

// Missing is an alert that no runbook answers: /alerts/{name} shows the
// "no runbook yet" page.
type Missing struct {
	Alert    string `json:"alert"`
	Severity string `json:"severity,omitempty"`
	File     string `json:"file"` // the first rule defining the alert
	Line     int    `json:"line"`
	Rules    int    `json:"rules"`                 // rules defining the alert (one per severity, often)
	URL      string `json:"runbook_url,omitempty"` // its runbook_url, if any
}

// Orphan is a runbook whose front matter lists alerts that no rule file
// defines any more.
type Orphan struct {
	Path   string   `json:"path"`
	Alerts []string `json:"alerts"`
}

// BrokenURL is a runbook_url on kb's own host (or a bare path) that does not
// resolve to an article.
type BrokenURL struct {
	Alert   string `json:"alert"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	URL     string `json:"runbook_url"`
	Problem string `json:"problem"`
}

// Unchecked counts runbook_url annotations kb cannot check: on another host,
// or templated in their path.
type Unchecked struct {
	Reason  string `json:"reason"`
	Count   int    `json:"count"`
	Example string `json:"example"` // one of the URLs
}

// RunbookFor is an alert and the runbook that /alerts/{name} redirects to.
type RunbookFor struct {
	Alert string `json:"alert"`
	Path  string `json:"path"`
	URL   string `json:"url"`
}

// Coverage compares the alerts of rules with the runbooks of snap. A
// runbook_url is checked when it is a path, or an http(s) URL on the host of
// kb.yaml's base_url (with its path prefix); URLs on other hosts are counted
// as unchecked.
func Coverage(snap *content.Snapshot, rules []Rule) Report {
	r := Report{Rules: len(rules)}
	for _, a := range snap.Articles {
		if a.Type == content.TypeRunbook && !content.IsIndexFile(a.Path) {
			r.Runbooks++
		}
	}
	byKey := map[string]*Missing{}
	defined := map[string]bool{}
	found := map[string]bool{}
	for _, rule := range rules {
		k := content.AlertKey(rule.Alert)
		if m, ok := byKey[k]; ok {
			m.Rules++
		} else if !defined[k] {
			r.Alerts++
			if a, ok := snap.ByAlert(rule.Alert); ok {
				r.Covered++
				found[k] = true
				r.Found = append(r.Found, RunbookFor{Alert: rule.Alert, Path: a.Path, URL: a.URL})
			} else {
				byKey[k] = &Missing{Alert: rule.Alert, Severity: rule.Severity(), File: rule.File, Line: rule.Line, Rules: 1, URL: rule.RunbookURL()}
			}
		}
		defined[k] = true
	}
	for _, m := range byKey {
		r.Missing = append(r.Missing, *m)
	}
	slices.SortFunc(r.Missing, func(a, b Missing) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Alert), strings.ToLower(b.Alert)), strings.Compare(a.Alert, b.Alert))
	})
	slices.SortFunc(r.Found, func(a, b RunbookFor) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Alert), strings.ToLower(b.Alert)), strings.Compare(a.Alert, b.Alert))
	})
	if len(rules) > 0 {
		for _, a := range snap.Articles {
			var gone []string
			for _, name := range a.Alerts {
				if k := content.AlertKey(name); k != "" && !defined[k] {
					gone = append(gone, name)
				}
			}
			if len(gone) > 0 {
				r.Orphaned = append(r.Orphaned, Orphan{Path: a.Path, Alerts: gone})
			}
		}
	}
	base := baseOf(snap.Site.BaseURL)
	unchecked := map[string]*Unchecked{}
	for _, rule := range rules {
		u := rule.RunbookURL()
		if u == "" {
			continue
		}
		problem, reason := checkURL(snap, base, u)
		switch {
		case reason != "":
			if x, ok := unchecked[reason]; ok {
				x.Count++
			} else {
				unchecked[reason] = &Unchecked{Reason: reason, Count: 1, Example: u}
			}
		case problem != "":
			r.BrokenURLs = append(r.BrokenURLs, BrokenURL{Alert: rule.Alert, File: rule.File, Line: rule.Line, URL: u, Problem: problem})
		}
	}
	slices.SortFunc(r.BrokenURLs, func(a, b BrokenURL) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	for _, u := range unchecked {
		r.Unchecked = append(r.Unchecked, *u)
	}
	slices.SortFunc(r.Unchecked, func(a, b Unchecked) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Reason, b.Reason))
	})
	return r
}

// base is kb's public URL as kb.yaml's base_url gives it.
type base struct {
	host   string // lower-case host[:port], "" when unknown
	prefix string // path kb is served under, without a trailing slash
}

func baseOf(s string) base {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return base{}
	}
	return base{host: strings.ToLower(u.Host), prefix: strings.TrimSuffix(u.Path, "/")}
}

// alertnameRE matches the template that rule sets use to put the alert's own
// name into its runbook_url.
var alertnameRE = regexp.MustCompile(`\{\{-?\s*(\$labels\.alertname|\.Labels\.alertname)\s*-?\}\}`)

// templateRE matches one Go template action, as in {{ $labels.namespace }}.
var templateRE = regexp.MustCompile(`\{\{.*?\}\}`)

// EmptyAlertname is the problem of a runbook_url built from the alert's
// own name: Prometheus expands annotations before it adds the alertname
// label, so the link arrives as /alerts/?... with no name.
const EmptyAlertname = "built from {{ $labels.alertname }}, which Prometheus leaves empty in annotations (they are expanded before alertname is added): spell the alert name out (/alerts/NAME), or let the rule generator fill it in (runbookURLPattern: '.../alerts/%s')"

// checkURL reports what is wrong with runbook URL raw of alert, or why it
// was not checked. Templates in the query string (labels for the runbook's
// placeholders) do not change where the link lands, so they are ignored.
func checkURL(snap *content.Snapshot, b base, raw string) (problem, unchecked string) {
	if alertnameRE.MatchString(raw) {
		return EmptyAlertname, ""
	}
	s := raw
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i] + templateRE.ReplaceAllLiteralString(s[i:], "x")
	}
	if strings.Contains(s, "{{") {
		return "", "templated: kb cannot tell where it lands"
	}
	u, err := url.Parse(s)
	if err != nil {
		return "not a valid URL", ""
	}
	switch {
	case u.Scheme == "" && u.Host == "":
	case u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "" && u.Host != "":
		host := strings.ToLower(u.Host)
		if b.host == "" {
			return "", "on " + host + ": kb.yaml has no base_url, so kb does not know its own host"
		}
		if host != b.host || !strings.HasPrefix(u.Path+"/", b.prefix+"/") {
			return "", "on " + host + ": another host than kb.yaml's base_url"
		}
		u.Path = strings.TrimPrefix(u.Path, b.prefix)
	default:
		return "not an http(s) URL", ""
	}
	p := u.Path
	if p == "" {
		p = "/"
	}
	if strings.HasPrefix(strings.ToLower(p), "/alerts/") {
		return "", "" // kb's alert route: lands on the runbook, or on the "no runbook yet" page (reported as missing)
	}
	a, _, ok := snap.Resolve(p)
	if !ok {
		return "no article at " + p, ""
	}
	if frag := u.Fragment; frag != "" && !hasHeading(a, frag) {
		return "no heading #" + frag + " in " + a.Path, ""
	}
	return "", ""
}

// hasHeading reports whether a has a heading whose id is frag, with or
// without kb's heading-id prefix.
func hasHeading(a *content.Article, frag string) bool {
	if strings.EqualFold(frag, "top") {
		return true
	}
	for _, h := range a.Doc.Headings {
		if h.ID == frag || h.ID == render.DefaultIDPrefix+frag {
			return true
		}
	}
	return false
}
