package search

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a query. Past them a query is refused (QueryError) or, where a
// bounded answer is still correct, clamped.
const (
	MaxQueryBytes = 1024 // longer query text is refused
	DefaultLimit  = 10   // hits per page when Limit is 0
	MaxLimit      = 100  // a larger Limit is clamped
	MaxOffset     = 1000 // a larger Offset is refused
	MaxTerms      = 32   // words past this many are ignored (Results.IgnoredWords)
)

// Query is one search: text as people type it, plus optional filters and
// paging. Filters may also be written inline in Text (type:runbook,
// service:etcd, tag:tls); a filter set in a field wins over the same filter
// written inline.
type Query struct {
	Text    string
	Type    string // runbook | article
	Service string
	Tag     string
	Limit   int // hits per page; 0 means DefaultLimit
	Offset  int // hits to skip
}

// ParseQuery reads a query as typed into a search box: plain words, quoted
// phrases and inline filters. Any text is a valid query; only a text over
// MaxQueryBytes is refused. The filters found inline are moved into the
// Query's fields and removed from Text.
func ParseQuery(s string) (Query, error) {
	if len(s) > MaxQueryBytes {
		return Query{}, &QueryError{Msg: fmt.Sprintf("the query is %d bytes long; the limit is %d", len(s), MaxQueryBytes)}
	}
	p := parse(s)
	q := Query{Type: p.typ, Service: p.service, Tag: p.tag}
	var b strings.Builder
	for _, it := range p.items {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if it.phrase {
			b.WriteString(`"` + it.text + `"`)
		} else {
			b.WriteString(it.text)
		}
	}
	if p.typing && b.Len() > 0 {
		q.Text = b.String()
	} else if b.Len() > 0 {
		q.Text = b.String() + " "
	}
	return q, nil
}

// parsed is a lexed query text.
type parsed struct {
	items             []item
	typ, service, tag string
	typing            bool // the text ends inside a word: the last word may be unfinished
}

// withoutPhrases returns p with its phrases turned into plain words.
func (p parsed) withoutPhrases() parsed {
	out := p
	out.items = make([]item, len(p.items))
	for i, it := range p.items {
		out.items[i] = item{text: it.text}
	}
	out.typing = false
	return out
}

// item is a run of plain text or a quoted phrase.
type item struct {
	text   string
	phrase bool
}

// filterKey returns the filter an inline key names ("tags" is "tag"), or
// "": anything else with a colon is text (x509:, nf_conntrack:, 10.0.0.1:443).
func filterKey(key string) string {
	switch k := strings.ToLower(key); k {
	case "type", "service", "tag":
		return k
	case "tags":
		return "tag"
	}
	return ""
}

// parse lexes s. It never fails: unbalanced quotes end at the end of the
// text, unknown syntax is text.
func parse(s string) parsed {
	s = sanitize(s)
	var p parsed
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		if isQuote(r) {
			j := i + size
			end := strings.IndexFunc(s[j:], isQuote)
			var text string
			if end < 0 {
				text, i = s[j:], len(s)
			} else {
				_, qs := utf8.DecodeRuneInString(s[j+end:])
				text, i = s[j:j+end], j+end+qs
			}
			if t := strings.Join(strings.Fields(text), " "); t != "" {
				p.items = append(p.items, item{text: t, phrase: true})
			}
			continue
		}
		j := i + strings.IndexFunc(s[i:], unicode.IsSpace)
		if j < i {
			j = len(s)
		}
		chunk := s[i:j]
		// a filter's value may be quoted: tag:"on call"
		if key, val, ok := strings.Cut(chunk, ":"); ok && filterKey(key) != "" {
			if v, _ := utf8.DecodeRuneInString(val); isQuote(v) {
				k := i + len(key) + 1 + utf8.RuneLen(v)
				end := strings.IndexFunc(s[k:], isQuote)
				if end < 0 {
					val, j = s[k:], len(s)
				} else {
					_, qs := utf8.DecodeRuneInString(s[k+end:])
					val, j = s[k:k+end], k+end+qs
				}
			}
			if v := filterValue(val); v != "" {
				switch filterKey(key) {
				case "type":
					p.typ = v
				case "service":
					p.service = v
				case "tag":
					p.tag = v
				}
				i = j
				continue
			}
		}
		p.items = append(p.items, item{text: chunk})
		i = j
	}
	if n := len(p.items); n > 0 && !p.items[n-1].phrase && s != "" {
		last, _ := utf8.DecodeLastRuneInString(s)
		p.typing = isWordRune(last)
	}
	return p
}

// sanitize makes s valid UTF-8 and turns control characters into spaces.
func sanitize(s string) string {
	s = strings.ToValidUTF8(s, " ")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

func isQuote(r rune) bool {
	return r == '"' || r == '“' || r == '”' || r == '„'
}

// filterValue normalises an inline filter value: lower case, trimmed of
// surrounding punctuation.
func filterValue(v string) string {
	v = strings.TrimFunc(v, func(r rune) bool { return !isWordRune(r) })
	return strings.ToLower(strings.TrimSpace(v))
}

// terms splits plain text into the words a query matches: runs of letters
// and digits, joined by connectors (nf_conntrack, kube-proxy, 10.0.0.1,
// i/o). Everything else (punctuation such as : * ~ / ( ) at the edges) only
// separates words.
func terms(text string) []string {
	var out []string
	start, lastWord := -1, -1
	flush := func() {
		if start >= 0 && lastWord > start {
			out = append(out, text[start:lastWord])
		}
		start, lastWord = -1, -1
	}
	for i, r := range text {
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
			lastWord = i + utf8.RuneLen(r)
		case isConnector(r) && start >= 0:
		default:
			flush()
		}
	}
	flush()
	return out
}
