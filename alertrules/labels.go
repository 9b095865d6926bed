package alertrules

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"kb/content"
)

// Limits of the labels an alert link carries (content.MaxAlertName bounds
// its name).
const (
	MaxLabels     = 32  // query parameters taken as labels
	MaxLabelName  = 64  // bytes
	MaxLabelValue = 256 // bytes
)

// Label is one label of an alert, as an alert link carries it in its query
// string (/alerts/etcdNoLeader?namespace=shop) on to the runbook page.
type Label struct {
	Name, Value string
}

// Labels returns the labels of the query string of an alert link:
// parameters whose name is a Prometheus label name and whose value is valid
// UTF-8 without control characters, at most MaxLabels of them, sorted by
// name. Values are kept as written; they are only ever shown escaped.
// reserved names the parameters that are kb's own, never labels.
func Labels(q url.Values, reserved ...string) []Label {
	var out []Label
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if len(out) == MaxLabels {
			break
		}
		v := q[name]
		if slices.Contains(reserved, name) || !LabelName(name) || len(v) == 0 {
			continue
		}
		val := v[0]
		if len(val) > MaxLabelValue || !utf8.ValidString(val) || strings.IndexFunc(val, unicode.IsControl) >= 0 {
			continue
		}
		out = append(out, Label{Name: name, Value: val})
	}
	return out
}

// LabelName reports whether s is a Prometheus label name
// ([A-Za-z_][A-Za-z0-9_]*, at most MaxLabelName bytes).
func LabelName(s string) bool {
	if s == "" || len(s) > MaxLabelName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// Query returns labels as query parameters, to carry them on to another URL.
func Query(labels []Label) url.Values {
	v := make(url.Values, len(labels))
	for _, l := range labels {
		v.Set(l.Name, l.Value)
	}
	return v
}

// Values maps the names of labels to their values, as
// render.FillPlaceholders takes them.
func Values(labels []Label) map[string]string {
	values := make(map[string]string, len(labels))
	for _, l := range labels {
		values[l.Name] = l.Value
	}
	return values
}

// Value returns the value of the first of names found in labels (names
// compared without case), or "".
func Value(labels []Label, names ...string) string {
	for _, n := range names {
		for _, l := range labels {
			if strings.EqualFold(l.Name, n) && l.Value != "" {
				return l.Value
			}
		}
	}
	return ""
}

// Service is the service an alert is about: its service label, else the
// labels Prometheus setups use for it (app, job, component).
func Service(labels []Label) string {
	return Value(labels, "service", "app", "job", "component")
}

// Owners names who probably owns an alert, and where that comes from: its
// team or owner label, else the owners of the runbooks of its service in
// snap (sorted); none when neither says.
func Owners(snap *content.Snapshot, labels []Label, service string) (owners []string, source string) {
	for _, n := range []string{"team", "owner", "owners", "squad"} {
		if v := Value(labels, n); v != "" {
			return []string{v}, "the " + n + " label of the alert"
		}
	}
	if service == "" {
		return nil, ""
	}
	for _, a := range snap.InService(service) {
		for _, o := range a.Owners {
			if !slices.Contains(owners, o) {
				owners = append(owners, o)
			}
		}
	}
	if len(owners) == 0 {
		return nil, ""
	}
	slices.Sort(owners)
	return owners, "owners of the " + service + " runbooks"
}
