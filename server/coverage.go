package server

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/labstack/echo/v5"

	"kb/alertrules"
	"kb/content"
	"kb/themes"
)

// maxRuleFile bounds a rule file read for /reports/coverage.
const maxRuleFile = 8 << 20

// coverageReport is the data of templates/coverage.html and the JSON of
// /reports/coverage?format=json.
type coverageReport struct {
	layout     `json:"-"`
	Configured bool               `json:"configured"` // kb.yaml lists rule files
	Files      []string           `json:"files"`
	Errors     []string           `json:"errors"` // files that could not be read, with file and line
	Report     *alertrules.Report `json:"report"` // over the files that could be read; nil when none
	MissingURL map[string]string  `json:"-"`      // alert → its /alerts/ page (closest runbooks, a file to create)
}

// reportCoverage serves GET /reports/coverage: the alerting rules of the
// rule files kb.yaml lists under rules: (paths inside the content folder,
// read from the same snapshot as the runbooks) against the runbooks: alerts
// without one, runbooks for alerts no rule defines, runbook_url annotations
// that land nowhere. Without rules: a page saying how to configure it.
func (s *Server) reportCoverage(c *echo.Context) error {
	asJSON, err := wantsJSON(c)
	if err != nil {
		return err
	}
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	r := buildCoverage(snap)
	h := c.Response().Header()
	h["Cache-Control"] = s.hdr.noStore
	h.Add("Vary", "Accept")
	if asJSON {
		return c.JSON(http.StatusOK, r)
	}
	r.layout = s.layout(snap, "Alert coverage", "/reports/coverage")
	r.Description = "Alerts without runbooks, runbooks for alerts that no longer exist, and runbook links that do not resolve."
	return s.renderPage(c, http.StatusOK, themes.PageCoverage, r)
}

func buildCoverage(snap *content.Snapshot) *coverageReport {
	r := &coverageReport{Files: []string{}, Errors: []string{}, MissingURL: map[string]string{}}
	var rules []alertrules.Rule
	read := 0
	for _, f := range snap.Site.Rules {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		r.Files = append(r.Files, f)
		src, err := readRuleFile(snap.Files(), f)
		if err != nil {
			r.Errors = append(r.Errors, err.Error())
			continue
		}
		rs, err := alertrules.Parse(f, src)
		if err != nil {
			var pe *alertrules.Error
			for _, e := range flatten(err) {
				if errors.As(e, &pe) {
					r.Errors = append(r.Errors, pe.Error())
				} else {
					r.Errors = append(r.Errors, f+": "+e.Error())
				}
			}
		}
		read++
		rules = append(rules, rs...)
	}
	r.Configured = len(r.Files) > 0
	if read > 0 {
		rep := alertrules.Coverage(snap, rules)
		// JSON clients get [] rather than null for an empty list.
		rep.Missing = nonNil(rep.Missing)
		rep.Orphaned = nonNil(rep.Orphaned)
		rep.BrokenURLs = nonNil(rep.BrokenURLs)
		rep.Unchecked = nonNil(rep.Unchecked)
		rep.Found = nonNil(rep.Found)
		r.Report = &rep
		for _, m := range rep.Missing {
			r.MissingURL[m.Alert] = "/alerts/" + url.PathEscape(m.Alert)
		}
	}
	return r
}

// flatten returns the errors joined in err (errors.Join), or err alone.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// readRuleFile reads the rule file at root-relative path p of the content,
// refusing paths that leave the root and files over maxRuleFile.
func readRuleFile(files fs.FS, p string) ([]byte, error) {
	clean := path.Clean(strings.TrimPrefix(p, "./"))
	if !fs.ValidPath(clean) || clean == "." {
		return nil, fmt.Errorf("%s: kb.yaml rules: lists paths inside the content folder, such as rules/alerts.yaml", p)
	}
	f, err := files.Open(clean)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file in the content folder (kb.yaml rules:)", p)
		}
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxRuleFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if len(src) > maxRuleFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", p, maxRuleFile)
	}
	return src, nil
}

// nonNil returns s, or an empty slice for nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
