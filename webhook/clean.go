package webhook

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kb/tickets"
)

// Tools send what their users typed. These helpers make titles, keys and URLs
// fit tickets' rules (tickets.Link.Normalise) instead of rejecting a real
// resolution for a stray newline in its title.

// cleanLine makes s one line of printable text of at most max bytes: control
// and bidi characters become spaces, runs of spaces collapse, invalid UTF-8 is
// dropped.
func cleanLine(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidi(r) {
			return ' '
		}
		return r
	}, s)
	return truncate(strings.Join(strings.Fields(s), " "), max)
}

// cleanKey makes s a ticket key: one line, no slashes (mapped to '-'), at most
// tickets.MaxKey bytes. It returns "" when nothing is left.
func cleanKey(s string) string {
	s = strings.NewReplacer("/", "-", `\`, "-").Replace(s)
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	return cleanLine(s, tickets.MaxKey)
}

func isBidi(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// truncate cuts s to at most max bytes on a rune boundary and trims spaces.
func truncate(s string, max int) string {
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return strings.TrimSpace(s[:max])
}

// cleanURL returns s if it is an absolute http(s) URL that tickets accept,
// else "": a ticket without a URL is still worth recording.
func cleanURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > tickets.MaxURL || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

// parseTime parses the timestamp forms the tools send, in UTC: RFC 3339
// (PagerDuty, Alertmanager, Zendesk, generic), Jira's
// "2026-09-01T10:15:00.000+0000", ServiceNow's UTC "2026-09-01 10:15:00" and
// Zendesk's minute form "2026-09-01T10:15Z". It returns nil for an empty,
// zero ("0001-01-01T00:00:00Z" is Alertmanager's "not yet") or unreadable
// time.
func parseTime(s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	layouts := [...]string{
		time.RFC3339Nano,
		"2006-01-02T15:04:05.000-0700",
		"2006-01-02T15:04:05-0700",
		"2006-01-02 15:04:05",
		"2006-01-02T15:04Z07:00",
	}
	for _, layout := range layouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if t.Year() < 1970 || t.Year() > 9999 {
			return nil
		}
		t = t.UTC()
		return &t
	}
	return nil
}

// parseMillis turns Jira's millisecond timestamp into a time.
func parseMillis(s string) *time.Time {
	ms, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || ms <= 0 || ms > 253402300799999 { // year 9999
		return nil
	}
	t := time.UnixMilli(ms).UTC()
	return &t
}

// newTicket builds a ticket of system with cleaned fields; ok is false when
// the key is empty after cleaning.
func newTicket(system, key, link, title, status string) (tickets.Ticket, bool) {
	t := tickets.Ticket{
		System: system,
		Key:    cleanKey(key),
		URL:    cleanURL(link),
		Title:  cleanLine(title, tickets.MaxTitle),
		Status: cleanLine(status, tickets.MaxStatus),
	}
	return t, t.Key != ""
}
