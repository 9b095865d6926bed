package search

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"kb/content"
	"kb/word"
)

// Results is one page of hits for a query.
type Results struct {
	Total        int           // hits in all pages
	Hits         []Hit         // this page, best first
	Facets       Facets        // counts over all hits, for narrowing down
	Took         time.Duration //
	IgnoredWords int           // words past MaxTerms that were not searched for
	// PhrasesAsWords is set when no article has the query's quoted phrases
	// as written, and their words were searched for instead.
	PhrasesAsWords bool
	// Suggestions is set when nothing matched.
	Suggestions *Suggestions
	// Highlight are the words of the query worth marking in an opened
	// article (noise and the keys of pasted text left out), at most 8.
	Highlight []string
}

// Hit is one matching article.
type Hit struct {
	ID      string
	Title   string
	URL     string
	Path    string
	Type    string
	Service string
	Summary string
	// Snippet is an excerpt of the article around the matched words, as
	// HTML: every character of the article and the query is escaped, and
	// matched words are wrapped in <mark>...</mark>.
	Snippet template.HTML
	Score   float64
	// Folder is the folder the article is in ("" at the root of the
	// content), which tells apart articles of equal titles.
	Folder string
	// Section is the section that matched the query best; nil when that is
	// the title or the text before the first heading.
	Section *Section
	// Ticket is the solved ticket whose title or summary the query matched,
	// when the article was found through one (rule 16).
	Ticket *Ticket
}

// Facets counts hits by type, service, tag and folder, most frequent
// first. The counts cover every hit (Counted == Results.Total): the
// collector counts them while it finds the hits.
type Facets struct {
	Type    []FacetCount
	Service []FacetCount
	Tag     []FacetCount
	Folder  []FacetCount // the folders the hits are in (path: filter values)
	Counted int          // hits counted
}

// FacetCount is one value of a facet and the number of hits that have it.
type FacetCount struct {
	Value string
	Count int
}

// Suggestions help after a search that found nothing.
type Suggestions struct {
	// Queries are the query with misspelt words replaced by close words
	// of the index ("did you mean").
	Queries []string
	// Runbooks are runbooks whose names or alert names resemble the query's
	// words, ignoring filters.
	Runbooks []Hit
}

const (
	snippetWidth    = 200 // bytes of article text in a snippet
	maxFacetService = 20
	maxFacetTag     = 20
	maxFacetFolder  = 20
	maxSuggestions  = 3
)

// Search runs q, parsed by ParseQuery (or a Query literal, which it
// parses). It returns a *QueryError (ErrBadQuery) for a query it refuses,
// ErrNotReady before the index is built, ErrBusy when too many searches
// run, and ErrTimeout past the per-search deadline.
func (x *Index) Search(ctx context.Context, q Query) (res Results, err error) {
	start := time.Now()
	defer func() {
		res.Took = time.Since(start)
		x.stats.record(err, res.Total, res.Took, x.opts.SlowQuery)
	}()
	q, err = q.ready()
	if err != nil {
		return Results{}, err
	}
	f, err := q.check()
	if err != nil {
		return Results{}, err
	}
	key, keep := resultKey(q, f)
	var man *manifest // the state of the index the answer is kept under
	if keep {
		if g := x.current(); g != nil {
			man = g.manifest.Load()
			if res, ok := g.results.get(man, key, x.opts.Now()); ok {
				return res, nil
			}
		}
	}
	if q.words.heavy() {
		// long queries (pasted text, a flood of the costliest allowed ones)
		// take a slot of their own first: at most half the cores run them,
		// so pages and short queries keep a core
		hrelease, err := x.acquire(ctx, x.heavy)
		if err != nil {
			return Results{}, err
		}
		defer hrelease()
	}
	release, err := x.acquire(ctx, x.sem)
	if err != nil {
		return Results{}, err
	}
	defer release()

	sctx, cancel := context.WithTimeout(ctx, x.opts.Timeout)
	defer cancel()
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return Results{}, ErrClosed
	}
	g := x.cur
	if g == nil {
		return Results{}, ErrNotReady
	}
	var acc query.Query
	if f.restricted {
		acc = f.access()
	}
	x.workers.do(func() { res, err = x.run(sctx, g, q.words, f.queries(), acc, q.PerPage(), q.Offset) })
	if err != nil && sctx.Err() != nil {
		if ctx.Err() != nil {
			return Results{}, ctx.Err() // the caller gave up
		}
		return Results{}, fmt.Errorf("%w (deadline %s)", ErrTimeout, x.opts.Timeout)
	}
	if err == nil && keep && man != nil && sctx.Err() == nil { // whole, and of the state it is kept under
		g.results.put(man, key, res, x.opts.Now())
	}
	return res, err
}

// queries returns the bleve queries that select f's articles.
func (f filters) queries() []query.Query {
	var qs []query.Query
	for _, t := range []struct{ field, value string }{{fieldType, f.typ}, {fieldService, f.service}, {fieldTags, f.tag}, {fieldFolder, f.path}} {
		if t.value != "" {
			tq := query.NewTermQuery(t.value)
			tq.SetField(t.field)
			qs = append(qs, tq)
		}
	}
	if f.restricted {
		qs = append(qs, f.access())
	}
	return qs
}

// access returns the filter that keeps the classes a restricted reader may
// read; with none, it matches nothing.
func (f filters) access() query.Query {
	if f.readable == "" {
		return query.NewMatchNoneQuery()
	}
	var any []query.Query
	for c := range strings.SplitSeq(f.readable, "\n") {
		tq := query.NewTermQuery(c)
		tq.SetField(fieldAccess)
		any = append(any, tq)
	}
	classes := query.NewDisjunctionQuery(any)
	if f.only == nil {
		return classes
	}
	if len(f.only) == 0 {
		return query.NewMatchNoneQuery()
	}
	return query.NewConjunctionQuery([]query.Query{classes, query.NewDocIDQuery(f.only)})
}

// acquire takes a slot of sem, waiting at most QueueWait behind at most
// MaxQueue others.
func (x *Index) acquire(ctx context.Context, sem chan struct{}) (release func(), err error) {
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	default:
	}
	if x.waiting.Add(1) > int64(x.opts.MaxQueue) {
		x.waiting.Add(-1)
		return nil, ErrBusy
	}
	defer x.waiting.Add(-1)
	t := time.NewTimer(x.opts.QueueWait)
	defer t.Stop()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// heavyWords is the number of query words from which a search counts as
// heavy: each word can cost dictionary scans, automata and searchers.
const heavyWords = 6

// heavy reports whether p is a long query.
func (p parsed) heavy() bool {
	n := 0
	for _, it := range p.items {
		n += len(strings.Fields(it.text))
	}
	return n >= heavyWords
}

// run searches generation g.
func (x *Index) run(ctx context.Context, g *generation, p parsed, filters []query.Query, acc query.Query, limit, offset int) (res Results, err error) {
	defer func() {
		if r := recover(); r != nil {
			g.broken.Store(true)
			x.setErr(fmt.Errorf("search index damaged: %v", r))
			res, err = Results{}, fmt.Errorf("search: index damaged: %v", r)
		}
	}()
	adv, err := g.idx.Advanced()
	if err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	defer func() {
		if cerr := r.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("search: %w", cerr)
		}
	}()
	pl := planner{ctx: ctx, r: r, analyzer: x.mapping.AnalyzerNamed(proseAnalyzer), off: x.opts.Off, learned: g.learned.splitter(x.opts.Off), synonyms: x.synonyms, prefixes: &g.prefixes, man: g.manifest.Load(), prio: &x.prio}
	plan := pl.build(p, filters)
	res.IgnoredWords = plan.ignored
	res.Highlight = plan.highlight
	if plan.empty {
		return res, nil // stop words only: nothing can match
	}

	// Only the hits the second look and this page need are completed; the
	// facet sets of every hit are counted on the way (facets.go).
	fc := &facetCounter{tables: &g.facets, ctx: ctx, prio: &x.prio}
	defer func() { fc.release() }()
	newRequest := func(q query.Query) *bleve.SearchRequest {
		fc.release()
		*fc = facetCounter{tables: &g.facets, ctx: ctx, prio: &x.prio}
		return bleve.NewSearchRequestOptions(countingQuery{q: q, c: fc}, max(offset+limit, rerankDepth), 0, false)
	}
	sr, err := g.idx.SearchInContext(ctx, newRequest(plan.q))
	if err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	if sr.Total == 0 && p.hasPhrases() {
		// Nothing has the phrases as written (a pasted line often quotes
		// text that differs in the runbook): search for their words.
		p = p.withoutPhrases()
		pl = planner{ctx: ctx, r: r, analyzer: pl.analyzer, off: pl.off, learned: pl.learned, synonyms: pl.synonyms, prefixes: pl.prefixes, man: pl.man, prio: pl.prio}
		plan = pl.build(p, filters)
		if sr, err = g.idx.SearchInContext(ctx, newRequest(plan.q)); err != nil {
			return res, fmt.Errorf("search: %w", err)
		}
		res.PhrasesAsWords = true
		res.Highlight = plan.highlight
	}
	res.Total = int(sr.Total)
	pl.yield()
	details, err := x.rerank(ctx, g, &pl, plan, sr.Hits, offset+limit)
	if err != nil {
		return res, err
	}
	boostPopular(sr.Hits, x.opts.Popularity)
	res.Facets = facetsOf(fc, int(sr.Total))
	hl := highlighter{marks: plan.marks, analyzer: pl.analyzer}
	pl.yield()
	for _, h := range sr.Hits[min(offset, len(sr.Hits)):min(offset+limit, len(sr.Hits))] {
		d := details[h.ID]
		var fields map[string]string
		if d.doc != nil { // loaded by the second look
			fields = fieldsOf(d.doc)
		} else if fields, err = storedFields(r, h.ID); err != nil {
			return res, err
		}
		hit := hitOf(h.ID, h.Score, fields, &hl)
		hit.Section, hit.Ticket = d.section, d.ticket
		res.Hits = append(res.Hits, hit)
	}
	if res.Total == 0 && ctx.Err() == nil {
		res.Suggestions = x.suggest(ctx, g, &pl, p, acc)
	}
	return res, nil
}

// storedFields loads the stored fields of the article with the given id.
func storedFields(r index.IndexReader, id string) (map[string]string, error) {
	doc, err := r.Document(id)
	if err != nil {
		return nil, fmt.Errorf("search: load %s: %w", id, err)
	}
	return fieldsOf(doc), nil // nil: deleted since the search ran, and an empty hit beats an error
}

// fieldsOf returns the stored fields of doc by name; none for nil.
func fieldsOf(doc index.Document) map[string]string {
	fields := map[string]string{}
	if doc != nil {
		doc.VisitFields(func(f index.Field) {
			fields[f.Name()] = string(f.Value())
		})
	}
	return fields
}

func hitOf(id string, score float64, fields map[string]string, hl *highlighter) Hit {
	hit := Hit{
		ID: id, Title: fields[fieldTitle], URL: fields[fieldURL], Path: fields[fieldPath],
		Type: fields[fieldType], Service: fields[fieldService], Summary: fields[fieldSummary], Score: score,
		Folder: folderOf(fields[fieldPath]),
	}
	if hl != nil {
		hit.Snippet = hl.snippet(fields[fieldSnippet], hit.Summary)
	}
	return hit
}

// folderOf returns the folder of the file at p, "" at the root.
func folderOf(p string) string {
	if d := path.Dir(p); d != "." && d != "/" {
		return d
	}
	return ""
}

// facetsOf splits the facet values counted over total hits into the
// facets.
func facetsOf(fc *facetCounter, total int) Facets {
	f := Facets{Counted: total}
	fc.values(func(v string, n int) {
		switch {
		case strings.HasPrefix(v, facetType):
			f.Type = append(f.Type, FacetCount{Value: v[len(facetType):], Count: n})
		case strings.HasPrefix(v, facetService):
			f.Service = append(f.Service, FacetCount{Value: v[len(facetService):], Count: n})
		case strings.HasPrefix(v, facetTag):
			f.Tag = append(f.Tag, FacetCount{Value: v[len(facetTag):], Count: n})
		case strings.HasPrefix(v, facetFolder):
			f.Folder = append(f.Folder, FacetCount{Value: v[len(facetFolder):], Count: n})
		}
	})
	f.Type = topCounts(f.Type, 2)
	f.Service = topCounts(f.Service, maxFacetService)
	f.Tag = topCounts(f.Tag, maxFacetTag)
	f.Folder = topCounts(f.Folder, maxFacetFolder)
	return f
}

// topCounts sorts counts, most frequent first, and keeps n.
func topCounts(c []FacetCount, n int) []FacetCount {
	slices.SortStableFunc(c, func(a, b FacetCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
	})
	return c[:min(n, len(c))]
}

// suggest finds close words for the query's unknown words and runbooks
// whose names share words with the query.
//
// acc, when not nil, is the reader's access filter: the runbooks suggested
// pass it, and so must a word of "did you mean", which the term dictionary
// of every article would otherwise offer.
func (x *Index) suggest(ctx context.Context, g *generation, pl *planner, p parsed, acc query.Query) *Suggestions {
	s := &Suggestions{}
	var words []string
	for _, it := range p.items {
		words = append(words, word.Tokens(it.text)...)
	}
	words = words[:min(len(words), MaxTerms)]

	// did you mean: each word the index does not have, replaced by the
	// closest unstemmed word of names and headings
	replaced := false
	fixed := make([]string, len(words))
	for i, w := range words {
		fixed[i] = w
		lw := strings.ToLower(w)
		if pl.existsPlain(lw) {
			continue
		}
		if c := pl.closestWord(lw); c != "" && (acc == nil || readableWord(ctx, g, c, acc)) {
			fixed[i], replaced = c, true
		}
	}
	if replaced {
		s.Queries = append(s.Queries, strings.Join(fixed, " "))
	}

	// runbooks named like the query: any part of any word, in names
	var qs []query.Query
	for _, w := range words {
		parts := []string{w}
		if f, ok := identOf(w); ok {
			parts = append(f.parts, f.whole)
		}
		for _, part := range parts {
			for _, t := range pl.analyze(part) {
				tq := query.NewTermQuery(t)
				tq.SetField(fieldName)
				qs = append(qs, tq)
			}
			if lp := strings.ToLower(part); len([]rune(lp)) >= minFuzzyLen {
				fq := query.NewFuzzyQuery(lp)
				fq.SetField(fieldWords)
				fq.SetFuzziness(1)
				qs = append(qs, fq)
			}
		}
	}
	if len(qs) == 0 {
		return s
	}
	tq := query.NewTermQuery(string(content.TypeRunbook))
	tq.SetField(fieldType)
	bq := query.NewBooleanQuery(nil, qs, nil)
	bq.SetMinShould(1)
	bq.AddFilter(tq)
	if acc != nil {
		bq.AddFilter(acc)
	}
	req := bleve.NewSearchRequestOptions(bq, maxSuggestions, 0, false)
	sr, err := g.idx.SearchInContext(ctx, req)
	if err != nil {
		return s
	}
	for _, h := range sr.Hits {
		if fields, err := storedFields(pl.r, h.ID); err == nil {
			s.Runbooks = append(s.Runbooks, hitOf(h.ID, h.Score, fields, nil))
		}
	}
	return s
}

// readableWord reports whether an article that acc lets the reader see has
// w among its names and headings.
func readableWord(ctx context.Context, g *generation, w string, acc query.Query) bool {
	tq := query.NewTermQuery(w)
	tq.SetField(fieldWords)
	req := bleve.NewSearchRequestOptions(query.NewConjunctionQuery([]query.Query{tq, acc}), 0, 0, false)
	sr, err := g.idx.SearchInContext(ctx, req)
	return err == nil && sr.Total > 0
}

// existsPlain reports whether the index has the lower-case word w, as
// written in names and headings or as analysed anywhere.
func (pl *planner) existsPlain(w string) bool {
	if pl.has(fieldWords, w) {
		return true
	}
	toks := pl.analyze(w)
	return len(toks) == 0 || pl.exists(toks[0]) // stop words need no correcting
}

// closestWord returns the nearest unstemmed word of names and headings to w.
func (pl *planner) closestWord(w string) string {
	c := pl.fuzzyIn([]string{fieldWords}, w, len([]rune(w)))
	if len(c) == 0 {
		return ""
	}
	return c[0].term
}

// outcome classifies a finished search for the counters.
func outcome(err error, total int) string {
	switch {
	case err == nil && total > 0:
		return "ok"
	case err == nil:
		return "zero"
	case errors.Is(err, ErrBadQuery):
		return "bad_query"
	case errors.Is(err, ErrNotReady):
		return "not_ready"
	case errors.Is(err, ErrBusy):
		return "busy"
	case errors.Is(err, ErrTimeout):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "error"
}
