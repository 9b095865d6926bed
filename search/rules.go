package search

import "slices"

// Rule names a ranking rule that can be switched off (Options.Off), so that
// the relevance eval can measure what each one brings. kb itself runs with
// every rule on.
type Rule string

// The rules that can be switched off; doc.go states each one.
const (
	RuleTitleCoverage  Rule = "title-coverage"  // title evidence grows with the share of the title matched
	RuleLearnedWords   Rule = "learned-words"   // CamelCase the collection writes as one word stays one word
	RuleIdentParts     Rule = "ident-parts"     // identifier parts searched everywhere, misspelt parts corrected
	RuleSymptomWords   Rule = "symptom-words"   // not, no, down, cannot... are words; typos corrected unstemmed
	RulePastedLines    Rule = "pasted-lines"    // a pasted log line: no required phrases, noise weighs little
	RuleSynonyms       Rule = "synonyms"        // acronyms of the collection's identifiers and operations synonyms
	RuleBestSection    Rule = "best-section"    // the best-matching section's share of the query
	RuleRareWords      Rule = "rare-words"      // a section's share of the query weighs each word by its rarity
	RuleQueryShare     Rule = "query-share"     // the share of a typed query's rarity an article matches
	RuleFieldSum       Rule = "field-sum"       // a word's field scores add up, not times the share of fields matched
	RuleWordFamily     Rule = "word-family"     // a stem matches the stems of its derived words the stemmer leaves apart (fail, failure)
	RuleMatchedRarity  Rule = "matched-rarity"  // a query word earns in the shares the rarity of the term matched, not of its rarest
	RuleLogShares      Rule = "log-shares"      // log-format words of pasted text weigh little in the shares of the query too
	RuleExplainedWords Rule = "explained-words" // a word the index lacks that a synonym or word family explains is not also corrected
	RuleStemEdits      Rule = "stem-edits"      // a misspelt word's stem is corrected within the edits the stem's own length allows
	RuleLogDates       Rule = "log-dates"       // dates and times of pasted text in any log format, and numbers of one or two digits, are noise
)

// Rules lists the rules Options.Off may name, in the order doc.go states them.
func Rules() []Rule {
	return []Rule{RuleTitleCoverage, RuleLearnedWords, RuleIdentParts, RuleSymptomWords, RuleStemEdits, RulePastedLines, RuleLogDates, RuleSynonyms, RuleWordFamily, RuleExplainedWords, RuleBestSection, RuleRareWords, RuleMatchedRarity, RuleLogShares, RuleQueryShare, RuleFieldSum}
}

// ruleSet holds the rules switched off.
type ruleSet []Rule

// on reports whether rule r applies.
func (s ruleSet) on(r Rule) bool { return !slices.Contains(s, r) }
