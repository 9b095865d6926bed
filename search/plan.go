package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"kb/content"
	"kb/word"
)

// Weights of the fields a word is looked up in. Names (title, alert names)
// weigh most, then headings and the summary, then the body; code is the
// noisiest.
type weighted struct {
	field  string
	weight float64
}

func textFields() []weighted {
	return []weighted{
		{fieldName, nameWeight},
		{fieldParts, partsWeight},
		{fieldJoined, 2.5},
		{fieldOutline, 2},
		{fieldBody, 1},
		{fieldCode, 0.7},
		{fieldRules, rulesWeight},
		{fieldTickets, ticketWeight},
	}
}

// nameFields are the short fields that say what an article is: with rule 3
// off, the parts of a query identifier are looked up there only.
func nameFields() []weighted {
	return []weighted{{fieldName, 4}, {fieldParts, partsWeight}, {fieldJoined, 2.5}, {fieldOutline, 2}}
}

// partFields are the fields the parts of a query identifier are looked up
// in: with rule 3, every text field.
func (pl *planner) partFields() []weighted {
	if pl.off.on(RuleIdentParts) {
		return textFields()
	}
	return nameFields()
}

// prefixFields are the fields completions of the word being typed are
// matched in: all but code, whose words are rarely typed.
func prefixFields() []weighted {
	return []weighted{{fieldName, 4}, {fieldParts, partsWeight}, {fieldJoined, 2.5}, {fieldOutline, 2}, {fieldBody, 1}}
}

// phraseFields are the fields a quoted phrase is matched in.
func phraseFields() []weighted {
	return []weighted{{fieldName, 4}, {fieldOutline, 2}, {fieldBody, 1}, {fieldCode, 0.7}}
}

// Ranking constants; doc.go states the rules they implement.
const (
	nameWeight       = 2    // a word of a name; title coverage (rule 1) adds up to as much again
	partsWeight      = 2    // a part of a name (rule 1: the share of the name covered adds more)
	alertWeight      = 10   // a word, or the whole query, that is exactly an alert name
	prefixWeight     = 0.6  // a completion of the word being typed
	fuzzyWeight1     = 0.5  // a word one edit away from a typo
	fuzzyWeight2     = 0.3  // a word two edits away
	maxPrefixTerms   = 8    // completions kept for the word being typed
	maxHighlight     = 8    // words of a query marked in the opened page
	maxPrefixScan    = 2048 // dictionary entries read per field to find them
	maxFuzzyTerms    = 6    // corrections kept per misspelt word
	minPrefixLen     = 3    // shorter words being typed are not completed
	minAlertPrefix   = 5    // shorter starts of alert names are not completed
	minFuzzyLen      = 4    // shorter misspelt words are not corrected
	maxFuzzyLen      = 24   // nor longer ones: their automaton is costly, and their parts match anyway
	maxAlertFuzzyLen = 40   // alert names are corrected up to this length (their dictionary is small)
	maxNamedNumber   = 5    // digits of a number in pasted text that may name a port (rule pasted-lines)
)

// planner turns a parsed query into a bleve query, looking words up in the
// index's dictionaries to complete and correct them.
type planner struct {
	ctx      context.Context
	r        index.IndexReader
	analyzer analysis.Analyzer
	marks    marks
	unknown  []string     // words found nowhere in the index
	off      ruleSet      // rules switched off (Options.Off)
	learned  splitter     // keeps the collection's learned words whole (rule 2)
	synonyms synonymTable // the defaults and kb.yaml's synonyms (rule 6)
	pasted   bool         // the query reads as pasted text (rule 5)
	prefixes *prefixCache // completions of typed prefixes; nil: none cached
	man      *manifest    // the state of the index prefixes are cached under
	prio     *priority    // foreground work searches give way to; nil: none
}

// marks are what snippets highlight: analysed terms, and raw prefixes of a
// word being typed.
type marks struct {
	terms    map[string]bool
	prefixes []string
	word     map[string]int // the query word (its index) each term stands for
	cur      int            // the query word being planned
}

func (m *marks) add(t string) {
	if m.terms == nil {
		m.terms = map[string]bool{}
		m.word = map[string]int{}
	}
	m.terms[t] = true
	if _, ok := m.word[t]; !ok {
		m.word[t] = m.cur
	}
}

// plan is a query ready to run.
type plan struct {
	q         query.Query
	marks     marks
	words     int      // distinct query words planned
	logWords  []int    // the query words that are log-format words of pasted text
	highlight []string // words to mark in the opened page (Results.Highlight)
	ignored   int      // words past MaxTerms
	unknown   []string // words found nowhere, for suggestions
	empty     bool     // nothing to search for
}

// build makes the bleve query for p and the filters.
func (pl *planner) build(p parsed, filters []query.Query) plan {
	var out plan
	var clauses []query.Query
	var words []string
	seen := map[string]bool{}
	var phrases []query.Query
	keyWords := map[string]bool{} // log-format words of pasted text, not worth marking
	pl.pasted = pl.off.on(RulePastedLines) && isPasted(p)
	for idx, it := range p.items {
		if it.phrase && !pl.pasted {
			if q := pl.phrase(it.text); q != nil {
				phrases = append(phrases, q)
			}
			continue
		}
		if it.phrase && strings.Contains(it.text, " ") && !it.key {
			// quotes in pasted text are not meant as phrases: the phrase
			// counts where it matches, its words anyway
			if q := pl.phrase(it.text); q != nil {
				clauses = append(clauses, boosted(q, 0.5))
			}
		}
		var ts []string
		var keys map[string]bool // log-format words of pasted text
		var dates [][]int        // dates and times of pasted text
		if pl.pasted && pl.off.on(RuleLogDates) {
			dates = dateTimes(it.text)
		}
		for start, end := range word.Spans(it.text) {
			t := it.text[start:end]
			if pl.pasted {
				if isNoise(t) && !pl.namedNumber(t) {
					continue
				}
				if dates != nil && inRanges(dates, start, end) || pl.off.on(RuleLogDates) && isSmallNumber(t) {
					continue
				}
				if isLogWord(t) {
					if keys == nil {
						keys = map[string]bool{}
					}
					keys[t] = true
					ts = append(ts, t)
					continue
				}
			}
			ts = append(ts, t)
		}
		for k, t := range ts {
			key := strings.ToLower(t)
			if seen[key] {
				continue
			}
			if len(words) >= MaxTerms {
				out.ignored++
				continue
			}
			seen[key] = true
			words = append(words, t)
			pl.marks.cur = len(words) - 1
			typing := p.typing && idx == len(p.items)-1 && k == len(ts)-1
			if c := pl.word(t, typing); c != nil {
				if keys[t] {
					c = boosted(c, logWordWeight)
					keyWords[t] = true
					out.logWords = append(out.logWords, pl.marks.cur)
				}
				clauses = append(clauses, c)
			}
		}
	}
	// The whole query written as one alert name: "kube pod crash looping",
	// or, while it is typed, the start of one: "etcd no lea".
	if len(words) > 0 {
		key := content.AlertKey(strings.Join(words, ""))
		if q := pl.alert(key, alertWeight*float64(len(words))); q != nil && len(words) > 1 {
			clauses = append(clauses, q)
		}
		if p.typing {
			if q := pl.alertPrefix(key, alertWeight*float64(len(words))*prefixWeight); q != nil {
				clauses = append(clauses, q)
			}
		}
	}

	bq := query.NewBooleanQuery(nil, nil, nil)
	switch {
	case len(phrases) > 0:
		bq.AddMust(phrases...)
		if len(clauses) > 0 {
			bq.AddShould(clauses...)
		}
	case len(clauses) > 0:
		bq.AddShould(clauses...)
		bq.SetMinShould(1)
	case len(filters) > 0:
		bq.AddMust(query.NewMatchAllQuery())
	default:
		out.empty = true
	}
	if len(filters) > 0 {
		bq.AddFilter(query.NewConjunctionQuery(filters))
	}
	out.q = bq
	out.words = len(words)
	for _, w := range words {
		if len(out.highlight) < maxHighlight && len([]rune(w)) >= 2 && !keyWords[w] && len(pl.analyze(w)) > 0 {
			out.highlight = append(out.highlight, w)
		}
	}
	out.marks = pl.marks
	out.unknown = pl.unknown
	return out
}

// word builds the clause for one query word: it matches the word as
// analysed, an identifier's whole and split forms, a completion of the word
// being typed, or corrections of a word found nowhere in the index.
func (pl *planner) word(raw string, typing bool) query.Query {
	// a word can cost dictionary scans and automata: pages go first
	// (priority.go)
	pl.yield()
	var alts []query.Query
	seen := map[string]bool{}
	addSeq := func(toks []string, boost float64) {
		key := strings.Join(toks, " ")
		if len(toks) == 0 || seen[key] {
			return
		}
		seen[key] = true
		for _, t := range toks {
			pl.marks.add(t)
		}
		alts = append(alts, pl.all(toks, boost))
	}

	// Alternatives that cannot match are left out: each one a document
	// misses lowers its score for this word.
	prose := pl.analyze(raw)
	known := len(prose) != 1 || pl.exists(prose[0])
	if known {
		addSeq(prose, 1)
	}
	if f, ok := identOfWith(raw, pl.learned); ok {
		if whole := pl.analyze(f.whole); len(whole) == 1 && pl.exists(whole[0]) {
			addSeq(whole, 1)
		}
		// the parts match like words of their own (the more, the better)
		// in names, headings and summaries; single characters are too
		// common to mean anything alone
		var parts []query.Query
		ps := f.parts
		if pl.pasted {
			ps = noiseParts(ps)
		}
		for _, part := range ps {
			if len([]rune(part)) < 2 {
				continue
			}
			for _, t := range pl.analyze(part) {
				switch {
				case seen[t]:
				case pl.hasAny(t, pl.partFields()):
					seen[t] = true
					pl.marks.add(t)
					parts = append(parts, pl.inFields(t, 1, pl.partFields()))
				case pl.off.on(RuleIdentParts) && !pl.exists(t):
					// a misspelt part of a kebab word: kube-apiservr
					seen[t] = true
					if q := pl.corrections(t, strings.ToLower(part)); q != nil {
						parts = append(parts, q)
					}
				}
			}
		}
		switch len(parts) {
		case 0:
		case 1:
			alts = append(alts, parts[0])
		default:
			alts = append(alts, query.NewDisjunctionQuery(parts))
		}
	}
	if q := pl.alert(content.AlertKey(raw), alertWeight); q != nil {
		alts = append(alts, q)
	}
	explained := false // a synonym or a word family stands for a word the index lacks
	if pl.off.on(RuleSynonyms) {
		stem := ""
		if len(prose) == 1 {
			stem = prose[0]
		}
		for _, syn := range pl.synonyms.of(strings.ToLower(raw), stem) {
			toks := pl.analyze(syn)
			if len(toks) > 0 && !slices.ContainsFunc(toks, func(t string) bool { return !pl.exists(t) }) {
				addSeq(toks, synonymWeight)
				explained = true
			}
		}
	}

	if pl.off.on(RuleWordFamily) && len(prose) == 1 {
		for _, t := range pl.family(prose[0]) {
			addSeq([]string{t}, familyWeight)
			explained = true
		}
	}
	if !known && explained && pl.off.on(RuleExplainedWords) {
		// a word the index lacks but a synonym names (flipping: flap) is
		// no typo: corrections (slip, fail, file) would only add noise
		return disjunction(alts)
	}

	if typing && !known { // a whole word of the index is taken as typed
		if q := pl.completions(strings.ToLower(raw), seen); q != nil {
			alts = append(alts, q)
		}
	}
	if !known && pl.off.on(RuleSymptomWords) {
		if q := pl.alertCorrections(content.AlertKey(raw)); q != nil {
			alts = append(alts, q)
		}
	}
	if !known {
		pl.unknown = append(pl.unknown, raw)
		if q := pl.corrections(prose[0], strings.ToLower(raw)); q != nil {
			alts = append(alts, q)
		}
	}
	return disjunction(alts)
}

// disjunction returns the query matching any of alts; nil for none (stop
// words only).
func disjunction(alts []query.Query) query.Query {
	switch len(alts) {
	case 0:
		return nil
	case 1:
		return alts[0]
	}
	return query.NewDisjunctionQuery(alts)
}

// namedNumber reports whether t, a number of pasted text, is one the
// collection names (rule pasted-lines): a port such as 10249 or 6379 says
// which component a log line is about, where an address, a timestamp or a
// counter is noise.
func (pl *planner) namedNumber(t string) bool {
	if len(t) > maxNamedNumber || strings.TrimFunc(t, unicode.IsDigit) != "" {
		return false
	}
	return pl.has(fieldBody, t) || pl.has(fieldCode, t)
}

// boosted returns q with its boost multiplied by w. bleve's disjunctions
// and conjunctions ignore a boost of their own, so theirs is passed down to
// the queries they combine.
func boosted(q query.Query, w float64) query.Query {
	switch c := q.(type) {
	case *query.DisjunctionQuery:
		for _, d := range c.Disjuncts {
			boosted(d, w)
		}
	case *query.ConjunctionQuery:
		for _, d := range c.Conjuncts {
			boosted(d, w)
		}
	case *fieldSum:
		for _, d := range c.qs {
			boosted(d, w)
		}
	case query.BoostableQuery:
		c.SetBoost(c.Boost() * w)
	}
	return q
}

// alert matches the runbooks of the alert whose key is key, if there is one.
func (pl *planner) alert(key string, boost float64) query.Query {
	if key == "" || !pl.has(fieldAlert, key) {
		return nil
	}
	aq := query.NewTermQuery(key)
	aq.SetField(fieldAlert)
	aq.SetBoost(boost)
	return aq
}

// alertPrefix matches the runbooks of the alerts whose keys start with
// key, the way completions do for a word.
func (pl *planner) alertPrefix(key string, boost float64) query.Query {
	if len(key) < minAlertPrefix {
		return nil
	}
	d, err := pl.r.FieldDictPrefix(fieldAlert, []byte(key))
	if err != nil {
		return nil
	}
	defer closeDict(d)
	var qs []query.Query
	for len(qs) < maxPrefixTerms {
		e, err := d.Next()
		if err != nil || e == nil {
			break
		}
		if e.Term == key {
			continue // the whole name is matched as a word already
		}
		tq := query.NewTermQuery(e.Term)
		tq.SetField(fieldAlert)
		tq.SetBoost(boost)
		qs = append(qs, tq)
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

// alertCorrections matches the runbooks of the alert names one or two edits
// away from key, a misspelt alert name (rule 4): alert names are long, and
// the whole name, not its stem, is what was misspelt.
func (pl *planner) alertCorrections(key string) query.Query {
	n := len([]rune(key))
	if n < 8 || n > maxAlertFuzzyLen {
		return nil
	}
	var terms []string
	if es, ok, err := fuzzyTerms(pl.r, fieldAlert, key, 2, maxFuzzyTerms); ok {
		if err != nil {
			return nil
		}
		for _, e := range es {
			terms = append(terms, e.term)
		}
	} else {
		fr, ok := pl.r.(index.IndexReaderFuzzy)
		if !ok {
			return nil
		}
		d, _, err := fr.FieldDictFuzzyAutomaton(fieldAlert, key, 2, "")
		if err != nil {
			return nil
		}
		defer closeDict(d)
		for len(terms) < maxFuzzyTerms {
			e, err := d.Next()
			if err != nil || e == nil {
				break
			}
			terms = append(terms, e.Term)
		}
	}
	var qs []query.Query
	for _, t := range terms {
		tq := query.NewTermQuery(t)
		tq.SetField(fieldAlert)
		tq.SetBoost(alertWeight * fuzzyWeight2)
		qs = append(qs, tq)
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

// all matches every token (each in any field).
func (pl *planner) all(toks []string, boost float64) query.Query {
	if len(toks) == 1 {
		return pl.anyField(toks[0], boost)
	}
	qs := make([]query.Query, len(toks))
	for i, t := range toks {
		qs[i] = pl.anyField(t, boost)
	}
	return query.NewConjunctionQuery(qs)
}

// anyField matches an analysed token in any text field, by field weight.
func (pl *planner) anyField(tok string, boost float64) query.Query {
	return pl.inFields(tok, boost, textFields())
}

// inFields matches an analysed token in the given fields, by field weight.
// Fields that do not have the token are left out: they cannot match, and
// each costs a searcher.
func (pl *planner) inFields(tok string, boost float64, fs []weighted) query.Query {
	qs := make([]query.Query, 0, len(fs))
	for _, f := range fs {
		if !pl.has(f.field, tok) {
			continue
		}
		tq := query.NewTermQuery(tok)
		tq.SetField(f.field)
		tq.SetBoost(f.weight * boost)
		qs = append(qs, tq)
	}
	switch len(qs) {
	case 0:
		return query.NewMatchNoneQuery()
	case 1:
		return qs[0]
	}
	if pl.off.on(RuleFieldSum) {
		return &fieldSum{qs: qs}
	}
	return query.NewDisjunctionQuery(qs)
}

// phrase matches a quoted phrase in any phrase field.
func (pl *planner) phrase(text string) query.Query {
	toks := pl.analyze(text)
	if len(toks) == 0 {
		return nil
	}
	for _, t := range toks {
		pl.marks.add(t)
	}
	fs := phraseFields()
	if len(toks) == 1 {
		// stop words aside, a phrase of one word is that word
		return pl.inFields(toks[0], 2, fs)
	}
	qs := make([]query.Query, len(fs))
	for i, f := range fs {
		pq := query.NewMatchPhraseQuery(text)
		pq.SetField(f.field)
		pq.Analyzer = proseAnalyzer
		pq.SetBoost(f.weight * 2)
		qs[i] = pq
	}
	return query.NewDisjunctionQuery(qs)
}

// analyze returns the terms kb's prose analysis makes of s.
func (pl *planner) analyze(s string) []string {
	ts := pl.analyzer.Analyze([]byte(s))
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, string(t.Term))
	}
	return out
}

// dictFields are the fields whose dictionaries completions are taken from.
func dictFields() []string {
	return []string{fieldName, fieldJoined, fieldOutline, fieldBody}
}

// fuzzyFields are the fields whose dictionaries corrections are taken from:
// names and the body hold nearly every word, and each field costs an
// automaton.
func fuzzyFields() []string {
	return []string{fieldName, fieldBody}
}

// familyFields are the fields a word family's stem is looked for in
// (rule word-family): names and the body, which hold nearly every word.
func familyFields() []weighted {
	return []weighted{{fieldName, nameWeight}, {fieldBody, 1}}
}

// family returns the stems of stem's word family that the index has, from
// the cache when the index has not changed since: each costs a dictionary
// lookup per field, and most stems have none.
func (pl *planner) family(stem string) []string {
	key := "\x01" + stem // no prefix starts with a control character
	if pl.prefixes != nil {
		if v, ok := pl.prefixes.get(pl.man, key); ok {
			out := make([]string, len(v))
			for i, c := range v {
				out[i] = c.term
			}
			return out
		}
	}
	var out []string
	for _, t := range family(stem) {
		if pl.hasAny(t, familyFields()) {
			out = append(out, t)
		}
	}
	if pl.prefixes != nil && pl.ctx.Err() == nil {
		v := make([]completion, len(out))
		for i, t := range out {
			v[i].term = t
		}
		pl.prefixes.put(pl.man, key, v)
	}
	return out
}

// exists reports whether an analysed token is in any text field.
func (pl *planner) exists(tok string) bool {
	for _, f := range textFields() {
		if pl.has(f.field, tok) {
			return true
		}
	}
	return false
}

// hasAny reports whether an analysed token is in any of the fields fs.
func (pl *planner) hasAny(tok string, fs []weighted) bool {
	for _, f := range fs {
		if pl.has(f.field, tok) {
			return true
		}
	}
	return false
}

// has reports whether term is in the dictionary of field.
func (pl *planner) has(field, term string) bool {
	tfr, err := pl.r.TermFieldReader(pl.ctx, []byte(term), field, false, false, false)
	if err != nil {
		return false
	}
	n := tfr.Count()
	closeDict(tfr)
	return n > 0
}

// closeDict closes a read-only dictionary or postings iterator. Closing one
// only returns it to a pool; there is nothing to do about an error.
func closeDict(c interface{ Close() error }) {
	if err := c.Close(); err != nil {
		return
	}
}

type candidate struct {
	term  string
	count uint64
	dist  uint8
}

// completions matches the indexed words that start with the word being
// typed, the most frequent first.
func (pl *planner) completions(prefix string, skip map[string]bool) query.Query {
	if len([]rune(prefix)) < minPrefixLen {
		return nil
	}
	all := pl.expand(prefix)
	qs := make([]query.Query, 0, maxPrefixTerms)
	fs := prefixFields()
	for _, c := range all {
		if len(qs) == maxPrefixTerms {
			break
		}
		if skip[c.term] {
			continue
		}
		var tqs []query.Query
		for i, f := range fs {
			if c.fields&(1<<i) == 0 {
				continue
			}
			tq := query.NewTermQuery(c.term)
			tq.SetField(f.field)
			tq.SetBoost(f.weight * prefixWeight)
			tqs = append(tqs, tq)
		}
		switch {
		case len(tqs) == 0:
			qs = append(qs, query.NewMatchNoneQuery())
		case len(tqs) == 1:
			qs = append(qs, tqs[0])
		case pl.off.on(RuleFieldSum):
			qs = append(qs, &fieldSum{qs: tqs})
		default:
			qs = append(qs, query.NewDisjunctionQuery(tqs))
		}
	}
	if len(qs) == 0 {
		return nil
	}
	pl.marks.prefixes = append(pl.marks.prefixes, prefix)
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

// expand returns the indexed words that start with prefix, the most
// frequent first (at most prefixCandidates), each with the prefix fields
// that hold it; from the cache when the index has not changed since.
func (pl *planner) expand(prefix string) []completion {
	if pl.prefixes != nil {
		if v, ok := pl.prefixes.get(pl.man, prefix); ok {
			return v
		}
	}
	byTerm := map[string]uint64{}
	for _, f := range dictFields() {
		d, err := pl.r.FieldDictPrefix(f, []byte(prefix))
		if err != nil {
			continue
		}
		for n := 0; n < maxPrefixScan; n++ { // bounded scan of a very common prefix
			e, err := d.Next()
			if err != nil || e == nil {
				break
			}
			byTerm[e.Term] += e.Count
		}
		closeDict(d)
	}
	cands := make([]candidate, 0, len(byTerm))
	for t, c := range byTerm {
		cands = append(cands, candidate{term: t, count: c})
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(len(a.term), len(b.term)), strings.Compare(a.term, b.term))
	})
	cands = cands[:min(len(cands), prefixCandidates)]
	out := make([]completion, len(cands))
	for i, c := range cands {
		out[i].candidate = c
		for j, f := range prefixFields() {
			if pl.has(f.field, c.term) {
				out[i].fields |= 1 << j
			}
		}
	}
	if pl.prefixes != nil && pl.ctx.Err() == nil { // a search cut short may have read less
		pl.prefixes.put(pl.man, prefix, out)
	}
	return out
}

// corrections matches the indexed words within one edit (words of 4 to 7
// letters) or two edits (8 to 24 letters) of a word found nowhere in the
// index.
func (pl *planner) corrections(tok, raw string) query.Query {
	runes := len([]rune(raw))
	stemRunes := runes
	if pl.off.on(RuleStemEdits) {
		// the stem of a long word can be short (alocation: aloc), and two
		// edits of four letters reach anything (abov, ac, alot)
		stemRunes = min(runes, len([]rune(tok)))
	}
	cands := pl.fuzzyIn(fuzzyFields(), tok, stemRunes)
	if pl.off.on(RuleSymptomWords) {
		// stemming can move a misspelt word out of reach (rule 4): the
		// word as typed is corrected against the unstemmed words too
		for _, c := range pl.fuzzyIn([]string{fieldWords}, raw, runes) {
			for _, t := range pl.analyze(c.term) {
				if t != tok && !slices.ContainsFunc(cands, func(o candidate) bool { return o.term == t }) {
					cands = append(cands, candidate{term: t, count: c.count, dist: c.dist})
				}
			}
		}
		cands = cands[:min(len(cands), maxFuzzyTerms)]
	}
	if len(cands) == 0 {
		return nil
	}
	qs := make([]query.Query, len(cands))
	for i, c := range cands {
		pl.marks.add(c.term)
		w := fuzzyWeight1
		if c.dist > 1 {
			w = fuzzyWeight2
		}
		qs[i] = pl.anyField(c.term, w)
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

// fuzzyIn returns the closest words to tok in the dictionaries of fields,
// nearest and most frequent first.
func (pl *planner) fuzzyIn(fields []string, tok string, runes int) []candidate {
	if runes < minFuzzyLen || runes > maxFuzzyLen {
		return nil
	}
	key := fmt.Sprintf("\x00%s\x00%d\x00%s", strings.Join(fields, ","), runes, tok) // no prefix starts with NUL
	if pl.prefixes != nil {
		if v, ok := pl.prefixes.get(pl.man, key); ok {
			out := make([]candidate, len(v))
			for i, c := range v {
				out[i] = c.candidate
			}
			return out
		}
	}
	fr, ok := pl.r.(index.IndexReaderFuzzy)
	if !ok {
		return nil
	}
	edits := 1
	if runes >= 8 {
		edits = 2
	}
	best := map[string]candidate{}
	for _, f := range fields {
		if es, ok, err := fuzzyTerms(pl.r, f, tok, uint8(edits), 1024); ok {
			if err != nil {
				continue
			}
			for _, e := range es {
				if e.term == tok {
					continue
				}
				c := best[e.term]
				c.term, c.count, c.dist = e.term, c.count+e.count, uint8(edits)
				if e.dist > 0 {
					c.dist = e.dist
				}
				best[e.term] = c
			}
			continue
		}
		d, fa, err := fr.FieldDictFuzzyAutomaton(f, tok, edits, "")
		if err != nil {
			continue
		}
		for n := 0; n < 1024; n++ {
			e, err := d.Next()
			if err != nil || e == nil {
				break
			}
			if e.Term == tok {
				continue
			}
			c := best[e.Term]
			c.term, c.count, c.dist = e.Term, c.count+e.Count, uint8(edits)
			if fa != nil {
				if _, dist := fa.MatchAndDistance(e.Term); dist > 0 {
					c.dist = dist
				}
			}
			best[e.Term] = c
		}
		closeDict(d)
	}
	cands := make([]candidate, 0, len(best))
	for _, c := range best {
		cands = append(cands, c)
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(b.count, a.count), strings.Compare(a.term, b.term))
	})
	cands = cands[:min(len(cands), maxFuzzyTerms)]
	if pl.prefixes != nil && pl.ctx.Err() == nil {
		v := make([]completion, len(cands))
		for i, c := range cands {
			v[i].candidate = c
		}
		pl.prefixes.put(pl.man, key, v)
	}
	return cands
}
