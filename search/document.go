package search

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"kb/access"
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
// The evidence about it counts too.
func fingerprint(a *content.Article, ev Evidence) string {
	h := sha256.New()
	for _, s := range []string{a.ID, a.Path, a.URL, a.Title, a.Summary, string(a.Type), a.Service, a.Doc.Title, a.TextDigest(), classTerm(a.Class)} {
		hashValue(h, s)
	}
	for _, list := range [][]string{a.Tags, a.Alerts, ev.Alerts} {
		hashValue(h, strings.Join(list, "\x01"))
	}
	for _, hd := range a.Doc.Headings {
		hashValue(h, strconv.Itoa(hd.Level)+" "+hd.ID+" "+hd.Text)
	}
	texts, keys := ev.ticketTexts()
	hashValue(h, strings.Join(texts, "\x01")+keys)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// hashValue writes s and a separator to h. It hands h the bytes of s
// itself (an io.Writer never modifies what it is given) where
// h.Write([]byte(s)) copied them: at 10,000 articles a sync copied the text
// of every article (~140 MB) for nothing.
func hashValue(h hash.Hash, s string) {
	h.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
	h.Write([]byte{0})
}

// docOptions are what an article's indexed form depends on besides the
// article: the rules switched off, the evidence about it, and the words the
// collection writes as one.
type docOptions struct {
	off     ruleSet
	ev      Evidence
	learned learnedWords
}

// newDocument builds the indexed form of a, whose plain text and code
// (Article.Text) are text and code.
func newDocument(a *content.Article, text, code string, o docOptions) document {
	fields := map[string]any{}
	set := func(name string, v any) { fields[name] = v }
	sp := o.learned.splitter(o.off)

	alerts := a.AlertNames()
	names := uniqueFold(append([]string{a.Title, a.Doc.Title}, alerts...))
	nameExp, joined := identExpansion(names, true, sp)
	nameExp = newWords(nameExp, names)
	if o.off.on(RuleTitleCoverage) {
		// the parts of a name weigh by how much of it a query covers
		// (rule 1): they have a field of their own
		set(fieldName, names)
		set(fieldParts, nameExp)
		set(fieldNameKey, nameKey(a.Title, sp))
	} else {
		set(fieldName, nonEmpty(append(names, nameExp)))
	}
	set(fieldJoined, joined)
	keys := make([]string, 0, len(alerts))
	for _, al := range alerts {
		keys = append(keys, content.AlertKey(al))
	}
	set(fieldAlert, keys)

	// The outline says what the article is about beside its name:
	// headings, summary, tags, service and folder names. Headings come
	// first, in the order of sections, which tells a match in a heading
	// its section.
	heads := outlineHeadings(a)
	headExp, _ := identExpansion(append(slices.Clone(heads), a.Summary), false, sp)
	outline := append(append([]string{}, heads...), a.Summary, headExp)
	outline = append(outline, a.Tags...)
	outline = append(outline, a.Service, strings.ReplaceAll(a.Folder(), "/", " "))
	set(fieldOutline, outline)
	set(fieldSummary, a.Summary)
	set(fieldSecs, encodeSections(sectionsOf(a, text)))
	set(fieldWords, nonEmpty([]string{strings.Join(names, " "), nameExp, strings.Join(heads, " "), strings.Join(a.Tags, " "), a.Service}))
	set(fieldBody, withIdents(text, sp, o.off))
	set(fieldCode, withIdents(code, sp, o.off))
	if texts, tkeys := o.ev.ticketTexts(); len(texts) > 0 {
		set(fieldTickets, texts)
		set(fieldTicketK, tkeys)
	}
	if rules := o.ev.alertText(); len(rules) > 0 {
		set(fieldRules, rules)
	}

	set(fieldType, string(a.Type))
	set(fieldService, a.Service)
	set(fieldTags, a.Tags)
	set(fieldFolder, folders(a.Path))
	set(fieldAccess, classTerm(a.Class))
	facets := []string{facetType + string(a.Type)}
	if a.Service != "" {
		facets = append(facets, facetService+a.Service)
	}
	for _, t := range a.Tags {
		facets = append(facets, facetTag+t)
	}
	if f := path.Dir(a.Path); f != "." {
		facets = append(facets, facetFolder+f)
	}
	set(fieldFacets, facets)
	set(fieldTitle, a.Title)
	set(fieldURL, a.URL)
	set(fieldPath, a.Path)
	set(fieldSnippet, truncateUTF8(text, snippetSource))

	return document{id: a.ID, fields: fields, fingerprint: fingerprint(a, o.ev), facets: facets}
}

// folders returns every folder above the file at p: a/b/c.md is in a and
// a/b. The path: filter selects on them.
func folders(p string) []string {
	var out []string
	for d := path.Dir(p); d != "." && d != "/" && d != ""; d = path.Dir(d) {
		out = append(out, strings.ToLower(d))
	}
	return out
}

// outlineHeadings returns the headings of a indexed in its outline, in
// order: all but an H1 that repeats the title.
func outlineHeadings(a *content.Article) []string {
	heads := make([]string, 0, len(a.Doc.Headings))
	for _, hd := range a.Doc.Headings {
		if hd.Level == 1 && strings.EqualFold(hd.Text, a.Doc.Title) {
			continue
		}
		heads = append(heads, hd.Text)
	}
	return heads
}

// nameKey returns the words and identifier parts of a title, lower-cased:
// what a query has to match for all of the title to be covered.
func nameKey(title string, sp splitter) string {
	var out []string
	for _, t := range word.Tokens(title) {
		if f, ok := identOfWith(t, sp); ok {
			out = append(out, f.parts...)
			continue
		}
		out = append(out, strings.ToLower(t))
	}
	return strings.Join(out, " ")
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
// whole forms of the identifiers in it and the acronyms of the long ones
// (rule 6).
func withIdents(text string, sp splitter, off ruleSet) []string {
	exp, _ := identExpansion([]string{text}, false, sp)
	if off.on(RuleSynonyms) {
		exp += acronyms(text)
	}
	return []string{text, exp}
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

// classTerm is the indexed form of a read class: "" (anyone) is "*".
func classTerm(c access.Class) string {
	if c == "" {
		return access.Anyone
	}
	return string(c)
}
