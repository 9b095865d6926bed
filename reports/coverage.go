package reports

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"kb/alertrules"
	"kb/content"
)

// CoverageReport is the alert coverage of the rule files kb.yaml lists
// under rules: against the runbooks of the same snapshot.
type CoverageReport struct {
	Configured bool               `json:"configured"` // kb.yaml lists rule files
	Files      []string           `json:"files"`
	Errors     []string           `json:"errors"` // files that could not be read, with file and line
	Report     *alertrules.Report `json:"report"` // over the files that could be read; nil when none
}

// Coverage computes the alert coverage of snap: the alerting rules of the
// rule files kb.yaml lists under rules: (paths inside the content folder,
// read from the snapshot, so from the same commit as the runbooks) against
// its runbooks. A file that cannot be read is listed in Errors and the
// report covers the rest.
func Coverage(snap *content.Snapshot) *CoverageReport {
	r := &CoverageReport{Files: []string{}, Errors: []string{}}
	var rules []alertrules.Rule
	read := 0
	for _, f := range alertrules.ReadFiles(contentRuleFiles(snap.Files()), snap.Site.Rules) {
		r.Files = append(r.Files, f.Path)
		if f.ReadErr != nil {
			r.Errors = append(r.Errors, f.ReadErr.Error())
			continue
		}
		if f.ParseErr != nil {
			var pe *alertrules.Error
			for _, e := range flatten(f.ParseErr) {
				if errors.As(e, &pe) {
					r.Errors = append(r.Errors, pe.Error())
				} else {
					r.Errors = append(r.Errors, f.Path+": "+e.Error())
				}
			}
		}
		read++
		rules = append(rules, f.Rules...)
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
	}
	return r
}

// contentRuleFiles opens the rule files kb.yaml lists, by root-relative
// path in the content files, refusing paths that leave the root.
func contentRuleFiles(files fs.FS) alertrules.Opener {
	return func(p string) (io.ReadCloser, error) {
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
		return f, nil
	}
}

// flatten returns the errors joined in err (errors.Join), or err alone.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// nonNil returns s, or an empty slice for nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
