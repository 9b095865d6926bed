package search

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"kb/content"
	"kb/word"
)

// snippetSource bounds the body text stored for snippets: matches further
// down a very long article get a snippet from its summary instead.
const snippetSource = 16 << 10

// document is an article as the index sees it, with its fingerprint, so an
// unchanged article is never indexed again.
type document struct {
	id          string
	fields      map[string]any
	fingerprint string
	facets      []string // "type:runbook", "service:etcd", "tag:tls", ...
}

// fingerprint digests everything of a that its indexed form is built from,
// cheaply: an article with the same fingerprint need not be indexed again.
func fingerprint(a *content.Article) string {
	h := sha256.New()
	for _, s := range []string{a.ID, a.Path, a.URL, a.Title, a.Summary, string(a.Type), a.Service, a.Doc.Title, a.Doc.Text, a.Doc.Code} {
		hashValue(h, s)
	}
	for _, list := range [][]string{a.Tags, a.Alerts} {
		hashValue(h, strings.Join(list, "\x01"))
	}
	for _, hd := range a.Doc.Headings {
		hashValue(h, strconv.Itoa(hd.Level)+" "+hd.Text)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func hashValue(h hash.Hash, s string) {
	h.Write([]byte(s))
	h.Write([]byte{0})
}

// newDocument builds the indexed form of a.
func newDocument(a *content.Article) document {
	fields := map[string]any{}
	set := func(name string, v any) { fields[name] = v }

	alerts := alertNames(a)
	names := uniqueFold(append([]string{a.Title, a.Doc.Title}, alerts...))
	nameExp, joined := identExpansion(names, true)
	nameExp = newWords(nameExp, names)
	set(fieldName, nonEmpty(append(names, nameExp)))
	set(fieldJoined, joined)
	keys := make([]string, 0, len(alerts))
	for _, al := range alerts {
		keys = append(keys, content.AlertKey(al))
	}
	set(fieldAlert, keys)

	// The outline says what the article is about beside its name:
	// headings, summary, tags, service and folder names.
	var heads []string
	for _, hd := range a.Doc.Headings {
		if hd.Level == 1 && strings.EqualFold(hd.Text, a.Doc.Title) {
			continue
		}
		heads = append(heads, hd.Text)
	}
	headExp, _ := identExpansion(append(slices.Clone(heads), a.Summary), false)
	outline := append(append([]string{}, heads...), a.Summary, headExp)
	outline = append(outline, a.Tags...)
	outline = append(outline, a.Service, strings.ReplaceAll(a.Folder(), "/", " "))
	set(fieldOutline, nonEmpty(outline))
	set(fieldSummary, a.Summary)
	set(fieldWords, nonEmpty([]string{strings.Join(names, " "), nameExp, strings.Join(heads, " "), strings.Join(a.Tags, " "), a.Service}))
	set(fieldBody, withIdents(a.Doc.Text))
	set(fieldCode, withIdents(a.Doc.Code))

	set(fieldType, string(a.Type))
	set(fieldService, a.Service)
	set(fieldTags, a.Tags)
	facets := []string{facetType + string(a.Type)}
	if a.Service != "" {
		facets = append(facets, facetService+a.Service)
	}
	for _, t := range a.Tags {
		facets = append(facets, facetTag+t)
	}
	set(fieldTitle, a.Title)
	set(fieldURL, a.URL)
	set(fieldPath, a.Path)
	set(fieldSnippet, truncateUTF8(a.Doc.Text, snippetSource))

	return document{id: a.ID, fields: fields, fingerprint: fingerprint(a), facets: facets}
}

// newWords returns the words of exp that texts do not have already, so a
// short field is not lengthened by repeating its words.
func newWords(exp string, texts []string) string {
	have := map[string]bool{}
	for _, t := range texts {
		for _, w := range word.Tokens(t) {
			have[strings.ToLower(w)] = true
		}
	}
	var out []string
	for _, w := range strings.Fields(exp) {
		if !have[w] {
			have[w] = true
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// withIdents returns text and, as a second value of the field, the parts and
// whole forms of the identifiers in it.
func withIdents(text string) []string {
	exp, _ := identExpansion([]string{text}, false)
	return nonEmpty([]string{text, exp})
}

// nonEmpty drops empty strings.
func nonEmpty(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// alertNames returns the alert names a is the runbook for: its front matter
// alerts, else (for runbooks) its file name and H1 when either is a single
// mixed-case word such as TargetDown, etcdNoLeader or Watchdog, which is how
// runbook collections without front matter name their files and titles.
func alertNames(a *content.Article) []string {
	if len(a.Alerts) > 0 {
		return a.Alerts
	}
	if a.Type != content.TypeRunbook {
		return nil
	}
	var out []string
	base := strings.TrimSuffix(path.Base(a.Path), path.Ext(a.Path))
	for _, c := range []string{base, a.Doc.Title, a.Title} {
		if looksLikeAlertName(c) {
			out = append(out, c)
		}
	}
	return uniqueFold(out)
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

// uniqueFold drops empty strings and case-insensitive duplicates, keeping order.
func uniqueFold(in []string) []string {
	out := in[:0:0]
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		dup := false
		for _, o := range out {
			if strings.EqualFold(o, s) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

// truncateUTF8 cuts s to at most n bytes at a rune boundary.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
