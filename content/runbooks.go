package content

import (
	"path"
	"strings"
	"unicode"
)

// DefaultRunbooks returns the globs of the files that are runbooks when
// kb.yaml lists none under runbooks: and the front matter sets no type:
// every file below a folder named runbooks (prometheus-operator, GitLab) or
// alerts (OpenShift's alerts/<operator>/<AlertName>.md), at any depth.
func DefaultRunbooks() []string { return []string{"**/runbooks/**", "**/alerts/**"} }

// MatchGlob reports whether the root-relative slash path p matches glob:
// segments separated by "/", each matched by path.Match ignoring letter
// case, where a "**" segment matches any number of segments (none too).
// A malformed glob matches nothing.
func MatchGlob(glob, p string) bool {
	return matchSegs(strings.Split(strings.ToLower(strings.Trim(glob, "/")), "/"), strings.Split(strings.ToLower(p), "/"), 0)
}

// maxGlobStars bounds the "**" segments of a glob: each one multiplies the
// work of a match by the depth of the path.
const maxGlobStars = 4

func matchSegs(glob, segs []string, stars int) bool {
	for len(glob) > 0 {
		if glob[0] == "**" {
			if stars++; stars > maxGlobStars {
				return false
			}
			for len(glob) > 1 && glob[1] == "**" {
				glob = glob[1:]
			}
			for i := 0; i <= len(segs); i++ {
				if matchSegs(glob[1:], segs[i:], stars) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, err := path.Match(glob[0], segs[0]); err != nil || !ok {
			return false
		}
		glob, segs = glob[1:], segs[1:]
	}
	return len(segs) == 0
}

// validGlob reports why glob cannot be a runbooks: glob, "" when it can.
func validGlob(glob string) string {
	if strings.TrimSpace(glob) == "" {
		return "an empty glob"
	}
	stars := 0
	for seg := range strings.SplitSeq(strings.Trim(glob, "/"), "/") {
		if seg == "**" {
			stars++
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return "malformed pattern " + seg
		}
	}
	if stars > maxGlobStars {
		return "more than 4 ** segments"
	}
	return ""
}

// IsRunbookPath reports whether the file at root-relative path p is a
// runbook when its front matter sets no type: it matches one of kb.yaml's
// runbooks: globs, else one of the defaults.
func (s Site) IsRunbookPath(p string) bool {
	globs := s.Runbooks
	if len(globs) == 0 {
		globs = DefaultRunbooks()
	}
	for _, g := range globs {
		if MatchGlob(g, p) {
			return true
		}
	}
	return false
}

// FileAlert returns the alert that runbook a's file name stands for (a
// single mixed-case word: TargetDown.md), or "" when it names none, the
// article is no runbook or its front matter lists alerts.
func (a *Article) FileAlert() string {
	if len(a.Alerts) > 0 || a.Type != TypeRunbook {
		return ""
	}
	if base := strings.TrimSuffix(path.Base(a.Path), path.Ext(a.Path)); looksLikeAlertName(base) {
		return base
	}
	return ""
}

// AlertNames returns the alert names runbook a answers: its front matter
// alerts, else (for a runbook) its file name and H1 when either is a single
// mixed-case word such as TargetDown, etcdNoLeader or Watchdog, which is how
// runbook collections without front matter (prometheus-operator, OpenShift)
// name their files and titles.
func (a *Article) AlertNames() []string {
	if len(a.Alerts) > 0 {
		return a.Alerts
	}
	if a.Type != TypeRunbook {
		return nil
	}
	var out []string
	base := strings.TrimSuffix(path.Base(a.Path), path.Ext(a.Path))
	for _, c := range []string{base, a.Doc.Title, a.Title} {
		c = strings.TrimSpace(c)
		if looksLikeAlertName(c) && !containsFold(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// looksLikeAlertName reports whether s is one word of letters and digits
// with both upper- and lower-case letters.
func looksLikeAlertName(s string) bool {
	if s == "" {
		return false
	}
	var upper, lower bool
	for i, r := range s {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r) && i > 0:
		default:
			return false
		}
	}
	return upper && lower
}
