package tickets

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Relation says how an article relates to a ticket.
type Relation string

// The relations a link can have; ResolvedBy is the default.
const (
	ResolvedBy Relation = "resolved_by"
	Workaround Relation = "workaround"
	Referenced Relation = "referenced"
	Outdated   Relation = "outdated"
)

var relations = []Relation{ResolvedBy, Workaround, Referenced, Outdated}

// Ticket is a ticket of an outside tool, as the tool describes it.
type Ticket struct {
	System     string     `json:"system"` // jira, servicenow, zendesk, pagerduty, alertmanager, github, manual, or any lowercase name
	Key        string     `json:"key"`    // the tool's ticket key, e.g. OPS-1234
	URL        string     `json:"url,omitempty"`
	Title      string     `json:"title,omitempty"`
	Status     string     `json:"status,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// Link records that an article resolved (or helped with) a ticket.
type Link struct {
	Ticket    Ticket    `json:"ticket"`
	ArticleID string    `json:"article"`
	Anchor    string    `json:"anchor,omitempty"` // section of the article, without "#"
	Relation  Relation  `json:"relation"`
	Note      string    `json:"note,omitempty"` // plain text
	LinkedBy  string    `json:"linked_by"`      // name of the token that wrote the link
	LinkedAt  time.Time `json:"linked_at"`      // first time the link was recorded
	UpdatedAt time.Time `json:"updated_at"`     // last time it was written
}

// CountsFrom returns the time from which l counts in "recent tickets"
// figures: when its ticket was resolved, else (no resolution time known)
// when the link was first recorded.
func (l Link) CountsFrom() time.Time {
	if r := l.Ticket.ResolvedAt; r != nil && !r.IsZero() {
		return *r
	}
	return l.LinkedAt
}

// CountsSince reports whether l counts as recent for a window that starts
// at since: CountsFrom is at or after it.
func (l Link) CountsSince(since time.Time) bool { return !l.CountsFrom().Before(since) }

// Solves reports whether l counts as the article solving the ticket: it
// resolved it or worked around it. A reference, or an article found
// outdated, did not solve anything.
func (l Link) Solves() bool { return l.Relation == ResolvedBy || l.Relation == Workaround }

// SystemLabel names a ticket system for people ("jira" → "Jira"); systems
// kb does not know show as written.
func SystemLabel(system string) string {
	switch system {
	case "jira":
		return "Jira"
	case "servicenow":
		return "ServiceNow"
	case "zendesk":
		return "Zendesk"
	case "pagerduty":
		return "PagerDuty"
	case "alertmanager":
		return "Alertmanager"
	case "github":
		return "GitHub"
	case "gitlab":
		return "GitLab"
	case "manual":
		return "Manual"
	case "generic":
		return "Other"
	}
	return system
}

// Limits on the fields of a link.
const (
	MaxKey    = 128
	MaxTitle  = 512
	MaxURL    = 2048
	MaxNote   = 4096
	MaxSystem = 32
	MaxStatus = 64
	MaxAnchor = 128
)

// ValidationError is a link that cannot be stored; Field names what to fix.
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Msg }

var systemRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// Normalise checks l, fills defaults and trims spaces. It returns a
// *ValidationError naming the first field to fix.
func (l *Link) Normalise() error {
	t := &l.Ticket
	t.System = strings.TrimSpace(t.System)
	t.Key = strings.TrimSpace(t.Key)
	t.Title = strings.TrimSpace(t.Title)
	t.Status = strings.TrimSpace(t.Status)
	t.URL = strings.TrimSpace(t.URL)
	l.ArticleID = strings.ToLower(strings.TrimSpace(l.ArticleID))
	l.Anchor = strings.TrimPrefix(strings.TrimSpace(l.Anchor), "#")
	if l.Relation == "" {
		l.Relation = ResolvedBy
	}
	switch {
	case t.System == "":
		return &ValidationError{"ticket.system", "required, e.g. jira"}
	case len(t.System) > MaxSystem || !systemRE.MatchString(t.System):
		return &ValidationError{"ticket.system", "lowercase letters, digits, '-' and '_', starting with a letter, at most 32"}
	case t.Key == "":
		return &ValidationError{"ticket.key", "required, e.g. OPS-1234"}
	case len(t.Key) > MaxKey:
		return &ValidationError{"ticket.key", fmt.Sprintf("at most %d bytes", MaxKey)}
	case !printable(t.Key) || strings.ContainsAny(t.Key, "/\\"):
		return &ValidationError{"ticket.key", "no control characters, newlines or slashes"}
	case len(t.Title) > MaxTitle || !printable(t.Title):
		return &ValidationError{"ticket.title", fmt.Sprintf("at most %d bytes of text without control characters", MaxTitle)}
	case len(t.Status) > MaxStatus || !printable(t.Status):
		return &ValidationError{"ticket.status", fmt.Sprintf("at most %d bytes of text without control characters", MaxStatus)}
	case l.ArticleID == "":
		return &ValidationError{"article", "required: an article id, path, URL or alias"}
	case len(l.Anchor) > MaxAnchor || !printable(l.Anchor) || strings.ContainsAny(l.Anchor, " \"'<>"):
		return &ValidationError{"anchor", "a heading id, without spaces or quotes"}
	case !slices.Contains(relations, l.Relation):
		return &ValidationError{"relation", "one of resolved_by, workaround, referenced, outdated"}
	case len(l.Note) > MaxNote || !utf8.ValidString(l.Note) || strings.ContainsFunc(l.Note, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		return &ValidationError{"note", fmt.Sprintf("plain text, at most %d bytes", MaxNote)}
	}
	if t.URL != "" {
		if err := checkURL(t.URL); err != nil {
			return &ValidationError{"ticket.url", err.Error()}
		}
	}
	return nil
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

func checkURL(s string) error {
	if len(s) > MaxURL {
		return fmt.Errorf("at most %d bytes", MaxURL)
	}
	if !printable(s) {
		return errors.New("no control characters")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("an absolute http or https URL")
	}
	return nil
}
