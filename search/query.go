package search

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"kb/access"
	"kb/content"
	"kb/word"
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

// Params are the parts of a search besides its text, as a form or a URL
// gives them; each is optional.
type Params struct {
	// Type, Service, Tag and Path are filters; one given here wins over
	// the same filter written in the text.
	Type, Service, Tag, Path string
	// Limit and Offset are whole numbers: hits per page and hits to skip;
	// "" is the default.
	Limit, Offset string
}

// Query is one search, parsed once: the words and quoted phrases of the
// text as typed, whether its last word is still being typed, the filters
// and the page wanted. ParseQuery makes one, and Index.Search runs it as it
// is.
//
// Go code may also write a Query literal with Text and the other exported
// fields (kb does, for the words of an alert name); Search parses its Text
// as ParseQuery would.
type Query struct {
	// Text is the query as typed. Search reads the words parsed from it, and
	// Text itself only in a Query that ParseQuery did not make.
	Text string
	// Type (runbook | article), Service and Tag are the filters in effect:
	// the one given to ParseQuery, else the one written inline
	// (type:runbook, service:etcd, tag:tls).
	Type    string
	Service string
	Tag     string
	// Path selects the articles below a folder (path:reference/7.5), given
	// without leading or trailing slashes.
	Path string
	// Readable, when Restricted, limits the hits to articles of these read
	// classes: the reader's. It is a filter of the query, so hidden
	// articles are neither hits nor counted in totals, facets or suggestions.
	Readable   []access.Class
	Restricted bool
	// Only, when not nil and Restricted, further limits the hits to the
	// articles of these IDs: a token whose read scopes name paths sees those
	// articles only, and they alone are counted.
	Only   []string
	Limit  int // hits per page; 0 means DefaultLimit, past MaxLimit is MaxLimit
	Offset int // hits to skip, at most MaxOffset

	words    parsed // the words and phrases of Text, inline filters taken out
	isParsed bool   // words holds Text parsed
}

// ParseQuery reads a query as typed into a search box, with the filters and
// paging of p. The text holds plain words, quoted phrases and inline
// filters; any text is readable: unbalanced quotes end at the end of the
// text, unknown syntax is text. ParseQuery refuses (*QueryError) a text
// over MaxQueryBytes, and a Limit or Offset that is not a whole number of 0
// or more. Whether the query can run (an offset past MaxOffset, an unknown
// type, no words) Search checks, and counts a refusal in its Stats.
func ParseQuery(text string, p Params) (Query, error) {
	q, err := parseText(text, p.Type, p.Service, p.Tag, p.Path)
	if err != nil {
		return Query{}, err
	}
	for _, n := range []struct {
		name, value string
		dst         *int
	}{{"limit", p.Limit, &q.Limit}, {"offset", p.Offset, &q.Offset}} {
		if n.value == "" {
			continue
		}
		i, err := strconv.Atoi(n.value)
		if err != nil || i < 0 {
			return Query{}, &QueryError{Msg: n.name + " must be a whole number, 0 or more"}
		}
		*n.dst = i
	}
	return q, nil
}

// parseText lexes text into a Query; a filter given (trimmed, lower-cased)
// wins over the same filter written inline.
func parseText(text, typ, service, tag, folder string) (Query, error) {
	if len(text) > MaxQueryBytes {
		return Query{}, &QueryError{Msg: fmt.Sprintf("the query is %d bytes long; the limit is %d", len(text), MaxQueryBytes)}
	}
	l := lex(text)
	q := Query{Text: text, Type: l.typ, Service: l.service, Tag: l.tag, Path: l.path, words: l.parsed, isParsed: true}
	for _, f := range []struct {
		given string
		dst   *string
	}{{typ, &q.Type}, {service, &q.Service}, {tag, &q.Tag}, {folder, &q.Path}} {
		if s := strings.TrimSpace(f.given); s != "" {
			*f.dst = strings.ToLower(s)
		}
	}
	return q, nil
}

// ready returns q parsed: as it is when ParseQuery made it, else its Text
// parsed with its fields kept.
func (q Query) ready() (Query, error) {
	if q.isParsed {
		return q, nil
	}
	p, err := parseText(q.Text, q.Type, q.Service, q.Tag, q.Path)
	if err != nil {
		return Query{}, err
	}
	p.Limit, p.Offset = q.Limit, q.Offset
	p.Readable, p.Restricted, p.Only = q.Readable, q.Restricted, q.Only
	return p, nil
}

// Empty reports whether q has nothing to search for: no word, no phrase and
// no filter. A text too long to parse is not empty.
func (q Query) Empty() bool {
	p, err := q.ready()
	return err == nil && len(p.words.items) == 0 && p.Type == "" && p.Service == "" && p.Tag == "" && p.Path == ""
}

// PerPage is the number of hits a page of q's results holds at most: Limit,
// DefaultLimit for 0, and never more than MaxLimit.
func (q Query) PerPage() int {
	return min(cmp.Or(q.Limit, DefaultLimit), MaxLimit)
}

// filters are a query's filters as the index holds their values.
type filters struct {
	typ, service, tag, path string
	readable                string // the classes of Query.Readable as indexed, one a line
	restricted              bool
	only                    []string // Query.Only; nil: no such limit
}

// check refuses a parsed query that Search cannot run, and returns its
// filters as the index holds them.
func (q Query) check() (filters, error) {
	switch {
	case q.Limit < 0:
		return filters{}, &QueryError{Msg: "limit must not be negative"}
	case q.Offset < 0:
		return filters{}, &QueryError{Msg: "offset must not be negative"}
	case q.Offset > MaxOffset:
		return filters{}, &QueryError{Msg: fmt.Sprintf("offset must be at most %d; narrow the search down instead", MaxOffset)}
	}
	f := filters{typ: filterValue(q.Type), service: filterValue(q.Service), tag: filterValue(q.Tag), path: pathValue(q.Path)}
	if f.typ != "" && f.typ != string(content.TypeRunbook) && f.typ != string(content.TypeArticle) {
		return filters{}, &QueryError{Msg: fmt.Sprintf("type %q is unknown; use type:runbook or type:article", truncateUTF8(f.typ, 40))}
	}
	if q.Restricted {
		terms := make([]string, len(q.Readable))
		for i, c := range q.Readable {
			terms[i] = classTerm(c)
		}
		f.readable, f.restricted, f.only = strings.Join(terms, "\n"), true, q.Only
	}
	if f.typ == "" && f.service == "" && f.tag == "" && f.path == "" && !q.words.hasWords() {
		return filters{}, &QueryError{Msg: "the query has no words to search for; type a symptom, an error message or an alert name"}
	}
	return f, nil
}

// parsed are the words and phrases of a query text.
type parsed struct {
	items  []item
	typing bool // the text ends inside the last word, which may be unfinished
	glued  bool // a quote touches a word outside it (msg="...", "x":), as in pasted text
}

// lexed is a query text read by lex: its words and its inline filters.
type lexed struct {
	parsed
	typ, service, tag, path string
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
	key    bool // a phrase right before : or =, the key of a pair ("level":"info")
}

// filterKey returns the filter an inline key names ("tags" is "tag"), or
// "": anything else with a colon is text (x509:, nf_conntrack:, 10.0.0.1:443).
func filterKey(key string) string {
	switch k := strings.ToLower(key); k {
	case "type", "service", "tag", "path":
		return k
	case "tags":
		return "tag"
	}
	return ""
}

// lex reads s. It never fails: unbalanced quotes end at the end of the
// text, unknown syntax is text.
func lex(s string) lexed {
	s = sanitize(s)
	var p lexed
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
			if before, _ := utf8.DecodeLastRuneInString(s[:i]); i > 0 && !unicode.IsSpace(before) && !isQuote(before) {
				p.glued = true
			}
			if end < 0 {
				text, i = s[j:], len(s)
			} else {
				_, qs := utf8.DecodeRuneInString(s[j+end:])
				text, i = s[j:j+end], j+end+qs
				if after, _ := utf8.DecodeRuneInString(s[i:]); i < len(s) && !unicode.IsSpace(after) && !isQuote(after) {
					p.glued = true
				}
			}
			if t := strings.Join(strings.Fields(text), " "); t != "" {
				key := strings.HasPrefix(s[i:], ":") || strings.HasPrefix(s[i:], "=")
				p.items = append(p.items, item{text: t, phrase: true, key: key})
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
				case "path":
					p.path = pathValue(val)
				}
				i = j
				continue
			}
		}
		p.items = append(p.items, item{text: chunk})
		i = j
	}
	// The last word may be unfinished when the text ends in a letter or
	// digit, of that word or of a filter after it, and so does the word.
	if n := len(p.items); n > 0 && !p.items[n-1].phrase && s != "" {
		last, _ := utf8.DecodeLastRuneInString(s)
		end, _ := utf8.DecodeLastRuneInString(p.items[n-1].text)
		p.typing = word.IsRune(last) && word.IsRune(end)
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
	v = strings.TrimFunc(v, func(r rune) bool { return !word.IsRune(r) })
	return strings.ToLower(strings.TrimSpace(v))
}

// pathValue normalises a path filter: lower case, no leading, trailing or
// doubled slashes, no ".md".
func pathValue(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	v = strings.TrimSuffix(v, ".md")
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == '/' })
	return strings.Join(parts, "/")
}

// hasPhrases reports whether p has a quoted phrase.
func (p parsed) hasPhrases() bool {
	for _, it := range p.items {
		if it.phrase {
			return true
		}
	}
	return false
}

// hasWords reports whether p has a word to search for.
func (p parsed) hasWords() bool {
	for _, it := range p.items {
		if len(word.Tokens(it.text)) > 0 {
			return true
		}
	}
	return false
}
