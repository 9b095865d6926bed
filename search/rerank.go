package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// The second look at the best hits (ranking rules 1 and 15). BM25 scores
// each word in each field on its own; what it cannot see is how the
// matched words sit together: how much of a title the query covers, and
// whether one section of the article holds the query (a pasted error
// usually matches one section, while a long page matches its words here
// and there). kb reads the positions of the matched words in the best
// hits and scales their scores by both.
const (
	rerankDepth     = 40  // best hits looked at again
	coverageWeight  = 1.0 // score × (1 + share of the title covered)
	sectionWeight   = 1.0 // score × (1 + 1.0 × share of the query in the best section)
	pastedSection   = 3.0 // the same for pasted text, whose message one section usually holds
	minSectionWords = 2   // queries of fewer words rank nothing by sections
	queryWeight     = 2.0 // score × (1 + 2 × share of the query's rarity matched), typed queries
)

// Section is the part of an article a hit matched best: the heading it is
// under.
type Section struct {
	ID    string // the heading's anchor in the article's page, without "#"
	Title string // the heading's text
}

// detail is what the second look found about one hit.
type detail struct {
	section *Section
	ticket  *Ticket
	doc     index.Document // its stored fields, when the look loaded them
}

// rerank looks again at the best n hits of sr (at least the page asked
// for) and scales their scores by title coverage and best-section
// evidence; it returns what it found about each, by id.
func (x *Index) rerank(ctx context.Context, g *generation, pl *planner, pln plan, hits bsearch.DocumentMatchCollection, n int) (map[string]detail, error) {
	n = min(len(hits), max(n, rerankDepth))
	if n == 0 {
		return nil, nil
	}
	ids := make([]string, n)
	for i, h := range hits[:n] {
		ids[i] = h.ID
	}
	q := query.NewConjunctionQuery([]query.Query{query.NewDocIDQuery(ids), pln.q})
	req := bleve.NewSearchRequestOptions(q, n, 0, false)
	req.IncludeLocations = true
	sr, err := g.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	// The stored fields are loaded here rather than by bleve (req.Fields):
	// loading one field decodes the whole stored document, and the hits of
	// the page, all among these, need the rest of it for their titles and
	// snippets.
	byID := make(map[string]*bsearch.DocumentMatch, len(sr.Hits))
	docs := make(map[string]index.Document, len(sr.Hits))
	for _, h := range sr.Hits {
		byID[h.ID] = h
		lf, ok := g.looks.get(pl.r, h.ID)
		if !ok {
			doc, err := pl.r.Document(h.ID)
			if err != nil {
				return nil, fmt.Errorf("search: load %s: %w", h.ID, err)
			}
			if doc == nil {
				continue // deleted since the search ran: an empty hit beats an error
			}
			docs[h.ID] = doc
			lf = lookFieldsOf(doc)
			g.looks.put(pl.r, h.ID, lf)
		}
		lf.addTo(h)
	}
	tc := titleTerms{pl: pl, terms: map[string][]string{}, idf: map[string]float64{}}
	if dc, err := g.idx.DocCount(); err == nil {
		tc.docs = float64(dc)
	}
	wts := tc.wordWeights(pln)
	out := make(map[string]detail, n)
	for _, h := range hits[:n] {
		m := byID[h.ID]
		if m == nil {
			continue
		}
		d := detail{doc: docs[h.ID]}
		factor := 1.0
		if pl.off.on(RuleTitleCoverage) {
			factor *= 1 + coverageWeight*tc.coverage(m)
		}
		secs := decodeSections(stringField(m, fieldSecs))
		best, share := bestSection(secs, m, pln, wts)
		if best > 0 {
			d.section = &Section{ID: secs[best].id, Title: secs[best].title}
		}
		var tshare float64
		d.ticket, tshare = matchedTicket(m, stringField(m, fieldTicketK), pln, wts)
		if pl.off.on(RuleBestSection) && pln.words >= minSectionWords {
			// a solved ticket that holds the query counts like a section
			// a pasted line's message is in one section, where its
			// context words (caller, pool, component) are everywhere
			sw := sectionWeight
			if pl.pasted {
				sw = pastedSection
			}
			factor *= 1 + sw*max(share, tshare)
		}
		if pl.off.on(RuleQueryShare) && pln.words >= minSectionWords && !pl.pasted {
			factor *= 1 + queryWeight*matchedShare(m, pln, wts)
		}
		if pl.off.on(RuleQueryShare) && pl.pasted {
			if c := matchedShare(m, pln, ones(pln.words)); c > 0 {
				// bleve's coord counts the words matched; pasted
				// text holds many common ones, so their rarity counts
				factor *= matchedShare(m, pln, wts) / c
			}
		}
		h.Score *= factor
		out[h.ID] = d
	}
	slices.SortStableFunc(hits[:n], func(a, b *bsearch.DocumentMatch) int { return cmp.Compare(b.Score, a.Score) })
	return out, nil
}

// The second look reads three small stored fields of each of its hits,
// and reading one field of a document decodes all of it (its text for
// snippets, up to 16 KB): a third of the look's cost at 40 hits a search. The
// same hits come back query after query, above all while a word is typed,
// so the three fields are kept per state of the index (a reader snapshot,
// compared by identity as facetTables does), for at most maxCachedLooks
// documents; the cache starts over when full.
const maxCachedLooks = 8192

// lookFields are the stored fields the second look reads.
type lookFields struct {
	nameKey, secs, ticketK string
	has                    uint8 // which are stored: 1 nameKey, 2 secs, 4 ticketK
}

func lookFieldsOf(doc index.Document) lookFields {
	var lf lookFields
	doc.VisitFields(func(f index.Field) {
		tf, ok := f.(index.TextField)
		if !ok {
			return
		}
		switch f.Name() {
		case fieldNameKey:
			lf.nameKey, lf.has = tf.Text(), lf.has|1
		case fieldSecs:
			lf.secs, lf.has = tf.Text(), lf.has|2
		case fieldTicketK:
			lf.ticketK, lf.has = tf.Text(), lf.has|4
		}
	})
	return lf
}

// addTo sets the fields on h as bleve would have loaded them (req.Fields).
func (lf lookFields) addTo(h *bsearch.DocumentMatch) {
	if lf.has&1 != 0 {
		h.AddFieldValue(fieldNameKey, lf.nameKey)
	}
	if lf.has&2 != 0 {
		h.AddFieldValue(fieldSecs, lf.secs)
	}
	if lf.has&4 != 0 {
		h.AddFieldValue(fieldTicketK, lf.ticketK)
	}
}

type lookCache struct {
	c stateCache[index.IndexReader, lookFields]
}

func (c *lookCache) get(snap index.IndexReader, id string) (lookFields, bool) {
	return c.c.get(snap, id)
}

func (c *lookCache) put(snap index.IndexReader, id string, lf lookFields) {
	c.c.put(snap, id, lf, maxCachedLooks)
}

// stringField returns a stored field loaded with a hit.
func stringField(m *bsearch.DocumentMatch, name string) string {
	s, _ := m.Fields[name].(string)
	return s
}

// titleTerms measures title coverage, caching what it looks up.
type titleTerms struct {
	pl    *planner
	docs  float64
	terms map[string][]string // analysed terms of a title word
	idf   map[string]float64  // rarity of a term in article text
}

// coverage is the share of the hit's title that the query matched: of its
// words and identifier parts (stop words aside), those that are terms of
// the query, each weighed by its rarity in article text, so that a common
// word (too, many, high) covers little of a title and its rare words
// (descriptor, quorum) much. A query naming the whole alert covers all of
// it.
func (tc *titleTerms) coverage(m *bsearch.DocumentMatch) float64 {
	if len(m.Locations[fieldAlert]) > 0 {
		return 1
	}
	var total, matched float64
	for _, w := range strings.Fields(stringField(m, fieldNameKey)) {
		ts, ok := tc.terms[w]
		if !ok {
			ts = tc.pl.analyze(w)
			tc.terms[w] = ts
		}
		for _, t := range ts {
			r := tc.rarity(t)
			total += r
			if tc.pl.marks.terms[t] {
				matched += r
			}
		}
	}
	if total == 0 {
		return 0
	}
	return matched / total
}

// rarity is the inverse document frequency of term t in article text.
func (tc *titleTerms) rarity(t string) float64 {
	if r, ok := tc.idf[t]; ok {
		return r
	}
	df := 0.0
	if tfr, err := tc.pl.r.TermFieldReader(tc.pl.ctx, []byte(t), fieldBody, false, false, false); err == nil {
		df = float64(tfr.Count())
		closeDict(tfr)
	}
	r := math.Log(1 + (tc.docs+1)/(df+1))
	tc.idf[t] = r
	return r
}

// shareWeights weigh the query's words in the shares of the query that a
// hit, a section or a ticket holds.
type shareWeights struct {
	word []float64 // the weight of each query word
	// credit is the part of its word's weight that matching a term earns;
	// a term not in it earns all of it
	credit map[string]float64
}

// of returns the part of its word's weight that matching term earns.
func (sw shareWeights) of(term string) float64 {
	if c, ok := sw.credit[term]; ok {
		return c
	}
	return 1
}

// wordWeights returns the weight of each query word in the shares of the
// query that a section or a ticket holds: with rule rare-words, the rarity
// in article text of the rarest term it stands for, so that a section
// holding the query's rare words (unassigned, rollover) outweighs one
// holding its common ones (error, failed); else 1 each. With rule
// matched-rarity, matching one term of a word earns the rarity of that term,
// not of the word's rarest: a pasted path's common part (prometheus) earns
// less than its rare one (rulefiles).
func (tc *titleTerms) wordWeights(pln plan) shareWeights {
	wts := make([]float64, pln.words)
	if !tc.pl.off.on(RuleRareWords) {
		for i := range wts {
			wts[i] = 1
		}
		return shareWeights{word: wts}
	}
	for term, w := range pln.marks.word {
		if w >= 0 && w < len(wts) {
			wts[w] = max(wts[w], tc.rarity(term))
		}
	}
	var credit map[string]float64
	if tc.pl.off.on(RuleMatchedRarity) && tc.pl.pasted {
		credit = make(map[string]float64, len(pln.marks.word))
		for term, w := range pln.marks.word {
			if w >= 0 && w < len(wts) && wts[w] > 0 {
				credit[term] = tc.rarity(term) / wts[w]
			}
		}
	}
	if tc.pl.off.on(RuleLogShares) {
		// ts, caller, msg are rare in prose but in every log line a
		// runbook quotes: they weigh in the shares as in the query
		for _, w := range pln.logWords {
			wts[w] *= logWordWeight
		}
	}
	return shareWeights{word: wts, credit: credit}
}

// matchedShare returns the share of the query's words, weighed by wts,
// that hit m matched in any field.
func matchedShare(m *bsearch.DocumentMatch, pln plan, wts shareWeights) float64 {
	ws := map[int]float64{}
	for _, terms := range m.Locations {
		for term := range terms {
			if w, ok := pln.marks.word[term]; ok {
				ws[w] = max(ws[w], wts.of(term))
			}
		}
	}
	return shareOf(ws, wts)
}

// ones returns n weights of 1.
func ones(n int) shareWeights {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1
	}
	return shareWeights{word: out}
}

// shareOf returns the weight the query words in ws earned (the part of
// each word's weight by its index), as a share of the weight of all of
// them.
func shareOf(ws map[int]float64, wts shareWeights) float64 {
	var total, got float64
	for i, w := range wts.word {
		total += w
		got += w * ws[i]
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// bestSection returns the section of the hit that holds the largest share
// of the query's words (in its heading or its text, weighed by wts), and
// that share. Section 0, the text before the first heading, counts like
// the others but has no anchor.
func bestSection(secs []section, m *bsearch.DocumentMatch, pln plan, wts shareWeights) (best int, share float64) {
	if pln.words == 0 {
		return 0, 0
	}
	found := make([]map[int]float64, len(secs))
	note := func(sec int, term string) {
		w, ok := pln.marks.word[term]
		if !ok || sec < 0 || sec >= len(secs) {
			return
		}
		if found[sec] == nil {
			found[sec] = map[int]float64{}
		}
		found[sec][w] = max(found[sec][w], wts.of(term))
	}
	for term, locs := range m.Locations[fieldBody] {
		for _, l := range locs {
			if len(l.ArrayPositions) == 0 || l.ArrayPositions[0] == 0 {
				note(sectionAt(secs, int(l.Start)), term)
			}
		}
	}
	for term, locs := range m.Locations[fieldOutline] {
		for _, l := range locs {
			if len(l.ArrayPositions) > 0 && int(l.ArrayPositions[0]) < len(secs)-1 {
				note(int(l.ArrayPositions[0])+1, term)
			}
		}
	}
	for i, f := range found {
		if i == 0 && secs[0].toc {
			continue
		}
		if sh := shareOf(f, wts); sh > share {
			best, share = i, sh
		}
	}
	return best, share
}

// matchedTicket returns the solved ticket whose title or summary holds the
// most distinct query words, if the hit matched through one, and the share
// of the query's words it holds.
func matchedTicket(m *bsearch.DocumentMatch, keys string, pln plan, wts shareWeights) (*Ticket, float64) {
	locs := m.Locations[fieldTickets]
	if len(locs) == 0 || keys == "" || pln.words == 0 {
		return nil, 0
	}
	words := map[int]map[int]float64{} // ticket → query words
	for term, ls := range locs {
		w, ok := pln.marks.word[term]
		if !ok {
			continue
		}
		for _, l := range ls {
			if len(l.ArrayPositions) > 0 {
				i := int(l.ArrayPositions[0])
				if words[i] == nil {
					words[i] = map[int]float64{}
				}
				words[i][w] = max(words[i][w], wts.of(term))
			}
		}
	}
	best, most := -1, 0.0
	for i, ws := range words {
		if sh := shareOf(ws, wts); sh > most || sh == most && i < best {
			best, most = i, sh
		}
	}
	key, title, ok := ticketOf(keys, best)
	if !ok {
		return nil, 0
	}
	return &Ticket{Key: key, Title: title}, most
}
