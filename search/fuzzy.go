package search

import (
	"slices"

	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// Corrections of a misspelt word walk the index's dictionaries with a
// Levenshtein automaton. bleve builds a complete DFA for every lookup,
// preallocating a kilobyte for each of its possible states: about 1 MB a
// misspelt word and field, 93% of what the costliest allowed queries
// allocated, and the collector this kept busy took the core that pages
// were left. levAutomaton computes the same automaton lazily, only the
// states the dictionary walk reaches, for the ASCII words that are nearly
// all queries; other words still go through bleve.

// levAutomaton accepts the UTF-8 terms within max edits of q (insertions,
// deletions, substitutions and transpositions of adjacent characters, each
// one edit, as bleve's automata count them). q is ASCII, so every
// non-ASCII character of a term is one symbol unequal to all of q's: its
// first byte moves the automaton, its continuation bytes leave it as is.
type levAutomaton struct {
	q      string
	max    uint8
	states []levState
	ids    map[string]int
	next   map[[2]int]int // (state, symbol) → state
	key    []byte
}

// levState is the last two rows of the edit-distance table and the last
// symbol read (for transpositions).
type levState struct {
	row, prev []uint8
	last      int // -1: none; otherSymbol: a non-ASCII character
}

const otherSymbol = 256

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func newLevAutomaton(q string, max uint8) *levAutomaton {
	a := &levAutomaton{q: q, max: max, ids: map[string]int{}, next: map[[2]int]int{}}
	row := make([]uint8, len(q)+1)
	for j := range row {
		row[j] = min(uint8(j), max+1)
	}
	a.intern(levState{row: row, last: -1})
	return a
}

func (a *levAutomaton) intern(s levState) int {
	a.key = append(append(append(a.key[:0], s.row...), s.prev...), byte(s.last), byte(s.last>>8), byte(len(s.prev)))
	if id, ok := a.ids[string(a.key)]; ok {
		return id
	}
	id := len(a.states)
	a.states = append(a.states, s)
	a.ids[string(a.key)] = id
	return id
}

// Start, IsMatch, CanMatch, WillAlwaysMatch and Accept make a
// segment.Automaton.
func (a *levAutomaton) Start() int               { return 0 }
func (a *levAutomaton) IsMatch(s int) bool       { return a.states[s].row[len(a.q)] <= a.max }
func (a *levAutomaton) WillAlwaysMatch(int) bool { return false }
func (a *levAutomaton) CanMatch(s int) bool      { return slices.Min(a.states[s].row) <= a.max }

// distance is the edit distance of the term read to reach s.
func (a *levAutomaton) distance(s int) uint8 { return a.states[s].row[len(a.q)] }

func (a *levAutomaton) Accept(s int, b byte) int {
	if b >= 0x80 && b < 0xC0 {
		return s // a continuation byte: the character was counted at its first byte
	}
	c := int(b)
	if b >= 0x80 {
		c = otherSymbol
	}
	if n, ok := a.next[[2]int{s, c}]; ok {
		return n
	}
	cur := a.states[s]
	row := make([]uint8, len(cur.row))
	row[0] = min(cur.row[0]+1, a.max+1)
	for j := 1; j < len(row); j++ {
		cost := uint8(1)
		if c == int(a.q[j-1]) {
			cost = 0
		}
		d := min(cur.row[j]+1, row[j-1]+1, cur.row[j-1]+cost)
		if j > 1 && cur.prev != nil && c == int(a.q[j-2]) && cur.last == int(a.q[j-1]) {
			d = min(d, cur.prev[j-2]+1)
		}
		row[j] = min(d, a.max+1)
	}
	n := a.intern(levState{row: row, prev: cur.row, last: c})
	a.next[[2]int{s, c}] = n
	return n
}

// fuzzyEntry is a dictionary term within the edits asked for.
type fuzzyEntry struct {
	term  string
	count uint64
	dist  uint8
}

// fuzzyTerms returns the terms of field within edits of term, in
// dictionary order, at most limit, with their distance: what bleve's
// FieldDictFuzzyAutomaton gives, without its DFA. ok is false when it
// cannot answer (a non-ASCII term, an index that is not scorch), and the
// caller asks bleve.
func fuzzyTerms(r index.IndexReader, field, term string, edits uint8, limit int) (out []fuzzyEntry, ok bool, err error) {
	snap, isScorch := r.(*scorch.IndexSnapshot)
	if !isScorch || !asciiOnly(term) {
		return nil, false, nil
	}
	a := newLevAutomaton(term, edits)
	counts := map[string]uint64{}
	for _, s := range snap.Segments() {
		d, err := s.Segment().Dictionary(field)
		if err != nil {
			return nil, true, err
		}
		var it segment.DictionaryIterator
		if oc, omit := d.(interface {
			AutomatonIteratorOmitCount(segment.Automaton, []byte, []byte) segment.DictionaryIterator
		}); omit {
			it = oc.AutomatonIteratorOmitCount(a, nil, nil) // as bleve does: corrections ignore counts
		} else {
			it = d.AutomatonIterator(a, nil, nil)
		}
		for {
			e, err := it.Next()
			if err != nil {
				return nil, true, err
			}
			if e == nil {
				break
			}
			counts[e.Term] += e.Count
		}
	}
	for t, n := range counts {
		out = append(out, fuzzyEntry{term: t, count: n})
	}
	slices.SortFunc(out, func(x, y fuzzyEntry) int {
		switch {
		case x.term < y.term:
			return -1
		case x.term > y.term:
			return 1
		}
		return 0
	})
	out = out[:min(len(out), limit)]
	for i := range out {
		s := a.Start()
		for k := 0; k < len(out[i].term); k++ {
			s = a.Accept(s, out[i].term[k])
		}
		out[i].dist = a.distance(s)
	}
	return out, true, nil
}
