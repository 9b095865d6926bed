// Package search owns kb's full-text index: the bleve mapping (built in
// code and versioned by MappingVersion), building the index from a content
// snapshot and updating it article by article, and answering queries with
// snippets, facets and suggestions.
//
// search imports content (for its types), word (what a word is) and
// bleve, which no other package of kb imports; it knows nothing about HTTP.
// Its API is internal to kb and narrow on purpose (Open, Sync, Update,
// Delete, ParseQuery, Search, Titles, Status, Stats): another engine such
// as OpenSearch may replace bleve behind it.
//
// # Queries
//
// ParseQuery reads a query once, as typed, into a Query: its words and
// quoted phrases, whether the last word is still being typed, its filters
// and paging. Search runs that Query as it is. ParseQuery refuses what it
// cannot read (too long a text, a limit that is not a number); Search
// refuses what it cannot run (an offset past MaxOffset, an unknown type, no
// words), and counts those refusals in Stats. While the index is not
// ready, Titles answers the same Query from article titles.
//
// # The index is a cache
//
// The index lives in a folder (kb passes <data>/index) holding one
// generation gen-<n> at a time and a CURRENT file naming it. Open never
// fails for a missing, damaged or outdated index: it opens not ready, and
// Sync builds a new generation beside the old one, writes CURRENT
// atomically, swaps it in for searches and deletes the old one. A stale
// index is updated in place: every article's indexed form has a
// fingerprint, kept in a manifest inside the index, and only articles whose
// fingerprint changed are indexed again. A lock file with a timeout keeps a
// second writer out; read-only openers (kb search) share it.
//
// # Ranking rules
//
// Every rule is general; none names a query, an article or a corpus.
//
//  1. A word counts by where it is found: title and alert names 4×, joined
//     identifier parts 2.5×, the outline (headings, summary, tags, service,
//     folder names) 2×, body 1×, code 0.7× (BM25 within each field).
//  2. Articles that match more of the query's words rank higher: each
//     article's score is scaled by the share of the query's words it matches.
//  3. A word found in more fields of an article counts more than a word
//     found in one.
//  4. Prose is analysed as English: stemmed (restart, restarts, restarting
//     are one word), stop words ignored.
//  5. An identifier (CamelCase, snake_case, kebab-case, dotted.name, x509)
//     matches as written, as its parts joined into one lower-case word, and
//     through its parts of two or more characters, each counting like a word
//     of its own, in titles, alert names and outlines.
//  6. A title or alert name also matches any run of its adjacent parts
//     written as one word ("crashlooping" finds KubePodCrashLooping).
//  7. A query word, or the whole query, that is an alert name (ignoring case,
//     spaces and separators) puts that alert's runbook first (10× per word).
//  8. While the last word is typed, a query that begins an alert name (five
//     letters or more, spaces ignored) ranks that alert's runbook high (0.6×
//     of rule 7).
//  9. A runbook without alerts in its front matter answers the alert named
//     by its file name or H1 when that is one mixed-case word (TargetDown).
//  10. The word being typed (the last one, no space after it, three letters
//     or more), unless it is already a word of the index, also matches the
//     8 most frequent indexed words it begins, at 0.6×.
//  11. A word found nowhere in the index matches the closest indexed words
//     instead: one edit away for words of 4 to 7 letters (0.5×), two edits
//     for words of 8 to 24 letters (0.3×).
//  12. A quoted phrase must occur as a phrase in the title, outline, body
//     or code; stop words aside, a phrase of one word is that
//     word. When no article has every phrase, their words are searched for
//     instead (Results.PhrasesAsWords).
//  13. Filters (type:, service:, tag: or the Query fields) select without
//     changing scores.
//  14. An article that solved tickets recently gets a small boost, growing
//     with the logarithm of the count and capped at 25%, so it reorders
//     near-ties but never overtakes a clearly better match.
package search
