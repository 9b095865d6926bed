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
// Every rule is general; none names a query, an article or a corpus. The
// rules named in brackets can be switched off (Options.Off) so that make
// eval measures each one.
//
//  1. A word counts by where it is found: title and alert names 2×, a part
//     of a name 2×, joined identifier parts 2.5×, the outline (headings,
//     summary, tags, service, folder names) 2×, solved tickets 2×, alert
//     rule annotations 0.8×, body 1×, code 0.7× (BM25 within each field).
//     [title-coverage] Title evidence grows with the share of the title the
//     query covers, each title word weighed by its rarity in article text:
//     the best 40 hits are scaled by 1 + that share, so a title counts up
//     to 4× when the query covers all of it and little for one common word.
//  2. [learned-words] A run of CamelCase parts that the collection also
//     writes in lower case as one word (openshift-ingress, gitlab.com) stays
//     one word: OpenShift is openshift, not open and shift.
//  3. [ident-parts] The parts of an identifier in a query (dotted, kebab,
//     snake or CamelCase) are looked up in every field, and a misspelt part
//     (kube-apiservr) is corrected like a word.
//  4. [symptom-words] Prose is analysed as English and stemmed, but the
//     words that carry a symptom are no stop words (not, no, cannot, down,
//     up, out, off, over, too, more...); a misspelt word is also corrected
//     against unstemmed names, and a misspelt alert name against alert names.
//  5. [pasted-lines] A query that reads as pasted text (quotes glued to
//     words, key=value pairs, a long line, noise) has no required phrases;
//     its noise (numbers past three digits, addresses, hex ids and hashes,
//     timestamps, pod-name suffixes) is dropped, and log-format words (ts,
//     level, msg, info...) weigh 0.3×; the keys of pairs count as words
//     (timeout=5s, "reason":...). A number of up
//     to five digits that the collection's text has (a port: 10249) is a
//     word, not noise. [log-dates] The dates and times of pasted text in
//     any common log format (Feb 07 11:50:13, 2022/02/08 10:22:31,
//     08 Feb 2022, a zone after them) and its numbers of one or two digits
//     (counters, indexes, line numbers) are noise too.
//  6. [synonyms] The acronyms of long CamelCase identifiers are indexed
//     with the text (PersistentVolumeClaim is pvc), and a short list of
//     operations synonyms (oom, cert, k8s, db, pg, max, flip, kubectl's
//     short names hpa, sts, ds..., an HTTP status and its class 503 and
//     5xx, slow and latency), extended by kb.yaml through
//     Options.Synonyms, matches at 0.8×. A listed word is looked up by its
//     stem too, so it serves every form of itself (flip: flipping, flips).
//     [word-family] A stem also matches, at 0.8×, the stems of its derived
//     words that the Porter stemmer leaves apart: fail and failur
//     (failing, failures), config and configur. [explained-words] A word
//     the index lacks that a synonym or a word family stands for (flipping:
//     flap) is no typo: it is not also corrected (slip, fail, file).
//  7. Articles that match more of the query's words rank higher: each
//     article's score is scaled by the share of the query's words it matches.
//  8. A word found in more fields of an article counts more than a word
//     found in one. [field-sum] Its field scores add up (the linear
//     combination of BM25F); bleve's disjunction would also multiply them
//     by the share of the fields matched, squaring the lead of a title
//     word that is also a name part, a joined part and a heading.
//  9. An identifier matches as written and as its parts joined into one
//     lower-case word; a title or alert name also matches any run of its
//     adjacent parts written as one word ("crashlooping").
//  10. A query word, or the whole query, that is an alert name (ignoring
//     case, spaces and separators) puts that alert's runbook first (10× per
//     word); while the last word is typed, a query that begins an alert
//     name (five letters or more) ranks it high (0.6×). A runbook without
//     alerts in its front matter answers the alert named by its file name
//     or H1 when that is one mixed-case word (TargetDown).
//  11. The word being typed (the last one, three letters or more), unless
//     it is already a word of the index, also matches the 8 most frequent
//     indexed words it begins, at 0.6×.
//  12. A word found nowhere in the index matches the closest indexed words
//     instead: one edit away for words of 4 to 7 letters (0.5×), two edits
//     for words of 8 to 24 letters (0.3×). [stem-edits] The stem is
//     corrected within the edits its own length allows: alocation's stem
//     aloc within one, since two edits of four letters reach anything.
//  13. A quoted phrase (typed, not pasted) must occur as a phrase in the
//     title, outline, body or code; when no article has every phrase, their
//     words are searched for instead (Results.PhrasesAsWords).
//  14. Filters (type:, service:, tag:, path: or the Query fields) select
//     without changing scores.
//  15. [best-section] The best 40 hits of a query of two words or more are
//     scaled by 1 + the share of the query's words that one section of the
//     article (its heading and text), or one solved ticket, holds (1 + 3 ×
//     that share for pasted text: a log line's message is in one section,
//     its context words such as caller, pool and component anywhere). Every
//     hit names that section (Hit.Section). Sections are found from the last
//     heading back, and a table of contents at the top (three heading lines
//     or more before the first heading) is never the best section.
//     [rare-words] In that share each query word weighs by its rarity in
//     article text (the inverse document frequency of its rarest term).
//     [matched-rarity] In pasted text a word earns, in that share, the
//     rarity of the term of it the article matched, not of its rarest term:
//     a pasted path's common part (prometheus) earns less than its rare one.
//     [log-shares] The log-format words of pasted text (ts, caller, msg...)
//     weigh 0.3× in that share and in the query share (rule 19) as they do
//     in the query: rare in prose, they are in every log line a runbook quotes.
//  16. The titles and notes of the tickets an article solved (at most 20,
//     300 bytes each) are a field of it (Options.Evidence), updated when a
//     link is written or removed; a hit found through one names it
//     (Hit.Ticket).
//  17. The summary and description annotations of the alerting rules that
//     kb.yaml rules: names are a field of each alert's runbook.
//  18. An article that solved tickets recently gets a small boost, growing
//     with the logarithm of the count and capped at 25%, so it reorders
//     near-ties but never overtakes a clearly better match.
//  19. [query-share] The best 40 hits of a typed query of two words or more
//     are scaled by 1 + 2 × the share of the query's words they match, each
//     word weighed by its rarity; for pasted text, which holds many common
//     words, the number of words matched (bleve's coordination factor)
//     gives way to their rarity: the score is scaled by the rarity-weighed
//     share over the plain share.
package search
