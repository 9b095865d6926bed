package search

// Completions of the word being typed (search as you type) are looked up in
// four dictionaries, up to maxPrefixScan entries each, and every kept
// completion in five fields: most of an as-you-type search's planning.
// Corrections of a word found nowhere cost a Levenshtein automaton per
// dictionary; they are cached beside the completions (keys starting with NUL),
// and so are the word families found for a stem (keys starting with 0x01).
// A person typing sends the same prefixes again and again, and so do many
// people typing the same alert name, so the expansions are cached per
// state of the index: an entry is valid while the manifest it was computed
// under is current (every write stores a new one).
const (
	maxCachedPrefixes = 4096 // prefixes remembered; the cache starts over when full
	prefixCandidates  = 32   // completions kept per prefix, before the query's own words are skipped
)

// completion is one indexed word that completes a prefix, with the prefix
// fields (prefixFields, by index) whose dictionaries hold it.
type completion struct {
	candidate
	fields uint8
}

// prefixCache keeps the completions of typed prefixes per manifest.
type prefixCache struct {
	c stateCache[*manifest, []completion]
}

// get returns the cached completions of prefix under man.
func (c *prefixCache) get(man *manifest, prefix string) ([]completion, bool) {
	return c.c.get(man, prefix)
}

// put remembers the completions of prefix under man.
func (c *prefixCache) put(man *manifest, prefix string, v []completion) {
	c.c.put(man, prefix, v, maxCachedPrefixes)
}
