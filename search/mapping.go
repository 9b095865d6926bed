package search

import (
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// MappingVersion identifies the index layout: the mapping below and the way
// documents are built from articles. An index written with another version
// is rebuilt. Bump it with every change to either, and with a bleve release
// that writes another segment format (3: bleve v2.6, zapx v17 segments;
// 4: symptom words, learned words, acronyms, sections, tickets, alert rules;
// 5: sections found from the last heading back, tables of contents;
// 6: facet values with doc values, counted by the collector;
// 7: the read class of kb.yaml access: rules;
// 8: fingerprints digest the text through Article.TextDigest, so every
// fingerprint changed: a build beside the old index beats re-indexing
// every article in place).
const MappingVersion = 8

// Fields of an indexed article.
const (
	fieldName    = "name"    // title, H1, alert names, their identifier parts
	fieldWords   = "words"   // names and headings unstemmed, for "did you mean"
	fieldJoined  = "joined"  // adjacent identifier parts joined: crashlooping
	fieldAlert   = "alert"   // alert names, lower-cased, connectors removed (keyword)
	fieldSummary = "summary" // stored only: front matter summary (searched in outline)
	fieldOutline = "outline" // headings, summary, tags, service and folder names
	fieldBody    = "body"    // prose
	fieldCode    = "code"    // code blocks and spans
	fieldType    = "type"    // keyword: runbook | article
	fieldService = "service" // keyword
	fieldTags    = "tags"    // keyword
	fieldTitle   = "title"   // stored only
	fieldURL     = "url"     // stored only
	fieldPath    = "path"    // stored only
	fieldSnippet = "snip"    // stored only: the start of the body, for snippets
	fieldParts   = "parts"   // identifier parts of names (title-coverage rule; else in name)
	fieldNameKey = "nkey"    // stored only: the title's words and parts, lower-cased (title coverage)
	fieldSecs    = "secs"    // stored only: the sections' offsets in the body, ids and titles
	fieldFolder  = "folder"  // keyword: every folder above the article (path: filter, folder facet)
	fieldTickets = "tickets" // titles and summaries of the tickets the article solved
	fieldRules   = "rules"   // summary and description of the alerts it is the runbook for
	fieldTicketK = "tkeys"   // stored only: the ticket keys and titles, in the order of fieldTickets
	fieldAccess  = "access"  // keyword: the article's read class (access.Class, "*" for anyone), for readers' filters
)

// Prefixes of facet values, as kept in the manifest.
const (
	fieldFacets  = "facets" // keyword with doc values: the facet values below, counted by the collector
	facetType    = "type:"
	facetService = "service:"
	facetTag     = "tag:"
	facetFolder  = "folder:"
)

// proseAnalyzer is English analysis with stemming, declared in the mapping
// from bleve's built-in components (nothing registered by kb).
const proseAnalyzer = "kb_prose"

// plainAnalyzer splits words and lower-cases them, nothing more: the words
// it indexes read well as suggestions.
const plainAnalyzer = "kb_plain"

// stopWords are the English words prose analysis ignores: bleve's English
// list without the words that carry a symptom in operations text (ranking
// rule 4): negations (not, no, cannot, isn't...), directions and states
// (down, up, out, off, over, under), and comparisons (too, more, few,
// again, once, before, after).
func stopWords() []any {
	keep := map[string]bool{}
	for _, w := range strings.Fields(`not no nor cannot can't isn't aren't wasn't weren't hasn't haven't hadn't
		doesn't don't didn't won't wouldn't shan't shouldn't couldn't mustn't
		down up out off over under against above below before after again once
		too more most few only same further`) {
		keep[w] = true
	}
	var out []any
	for _, line := range strings.Split(string(en.EnglishStopWords), "\n") {
		line, _, _ = strings.Cut(line, "|")
		for _, w := range strings.Fields(line) {
			if !keep[w] {
				out = append(out, w)
			}
		}
	}
	return out
}

// Names of the analysis components declared in the mapping.
const (
	stopMap    = "kb_stop_words"
	stopFilter = "kb_stop"
)

// newMapping builds the index mapping. It is built in code, never read from
// a file, and versioned by MappingVersion. With RuleSymptomWords off, prose
// drops bleve's whole English stop list.
func newMapping(off ruleSet) (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	stopName := en.StopName
	if off.on(RuleSymptomWords) {
		if err := m.AddCustomTokenMap(stopMap, map[string]any{"type": tokenmap.Name, "tokens": stopWords()}); err != nil {
			return nil, fmt.Errorf("search mapping: %w", err)
		}
		if err := m.AddCustomTokenFilter(stopFilter, map[string]any{"type": stop.Name, "stop_token_map": stopMap}); err != nil {
			return nil, fmt.Errorf("search mapping: %w", err)
		}
		stopName = stopFilter
	}
	err := m.AddCustomAnalyzer(proseAnalyzer, map[string]any{
		"type":      custom.Name,
		"tokenizer": unicode.Name,
		"token_filters": []any{
			en.PossessiveName,
			lowercase.Name,
			stopName,
			porter.Name,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("search mapping: %w", err)
	}
	err = m.AddCustomAnalyzer(plainAnalyzer, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []any{lowercase.Name},
	})
	if err != nil {
		return nil, fmt.Errorf("search mapping: %w", err)
	}
	m.DefaultAnalyzer = proseAnalyzer
	m.DefaultField = fieldBody
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	m.ScoringModel = index.BM25Scoring

	prose := func(termVectors bool) *mapping.FieldMapping {
		return &mapping.FieldMapping{
			Type: "text", Analyzer: proseAnalyzer, Index: true,
			IncludeTermVectors: termVectors, // phrases need positions
		}
	}
	kw := func(store bool) *mapping.FieldMapping { // values lower-cased by content
		return &mapping.FieldMapping{Type: "text", Analyzer: keyword.Name, Index: true, Store: store}
	}
	stored := func() *mapping.FieldMapping {
		return &mapping.FieldMapping{Type: "text", Analyzer: keyword.Name, Store: true}
	}

	doc := mapping.NewDocumentStaticMapping()
	add := func(name string, f *mapping.FieldMapping) {
		f.Name = name
		doc.AddFieldMappingsAt(name, f)
	}
	add(fieldName, prose(true))
	add(fieldJoined, prose(false))
	add(fieldWords, &mapping.FieldMapping{Type: "text", Analyzer: plainAnalyzer, Index: true})
	add(fieldAlert, kw(false))
	add(fieldSummary, stored())
	add(fieldOutline, prose(true))
	add(fieldBody, prose(true))
	add(fieldCode, prose(true))
	add(fieldType, kw(true))
	add(fieldService, kw(true))
	add(fieldTags, kw(false))
	add(fieldTitle, stored())
	add(fieldURL, stored())
	add(fieldPath, stored())
	add(fieldSnippet, stored())
	add(fieldParts, prose(false))
	add(fieldNameKey, stored())
	add(fieldSecs, stored())
	add(fieldFolder, kw(false))
	add(fieldTickets, prose(true))
	add(fieldRules, prose(true))
	add(fieldTicketK, stored())
	add(fieldFacets, &mapping.FieldMapping{Type: "text", Analyzer: keyword.Name, Index: true, DocValues: true})
	add(fieldAccess, kw(false))
	m.DefaultMapping = doc

	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("search mapping: %w", err)
	}
	return m, nil
}
