package search

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	index "github.com/blevesearch/bleve_index_api"

	"kb/content"
	"kb/internal/gen"
)

// TestFuzzyTermsAsBleve: the lazy automaton finds the same terms at the
// same distances as bleve's DFA, so corrections (and scores) are unchanged.
func TestFuzzyTermsAsBleve(t *testing.T) {
	ctx := context.Background()
	snap, err := content.Load(ctx, gen.Files(300, 3), content.Options{NoHighlight: true})
	require.NoError(t, err)
	snap.Articles = append(snap.Articles, art("runbooks/tls.md", "# Certificates\n\nCertificate expiry, TLS handshakes and the café’s naïve résumé."))
	x, err := Open(t.TempDir(), Options{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = x.Close() })
	require.NoError(t, x.Sync(ctx, snap))
	adv, err := x.cur.idx.Advanced()
	require.NoError(t, err)
	r, err := adv.Reader()
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })

	var words []string
	for _, q := range gen.Queries(60, 5) {
		for _, w := range strings.Fields(strings.ToLower(q)) {
			words = append(words, w, w[:len(w)/2]+"x"+w[len(w)/2+1:], w[1:], w+"s")
			if len(w) > 2 {
				words = append(words, w[:1]+w[2:3]+w[1:2]+w[3:]) // a transposition
			}
		}
	}
	words = append(words, "certificat", "cafe", "naive", "resume", "ab", "")
	checked := 0
	for _, w := range words {
		for _, f := range []string{fieldName, fieldBody, fieldWords, fieldAlert} {
			for _, edits := range []uint8{1, 2} {
				got, ok, err := fuzzyTerms(r, f, w, edits, 1024)
				require.NoError(t, err)
				require.True(t, ok, "a scorch index and an ASCII word")
				want := bleveFuzzy(t, r, f, w, edits)
				assert.Equal(t, want, got, "%s in %s, %d edits", w, f, edits)
				checked += len(want)
			}
		}
	}
	assert.Greater(t, checked, 1000, "the words have corrections to compare")
}

// bleveFuzzy is what bleve's own automaton finds.
func bleveFuzzy(t *testing.T, r index.IndexReader, field, term string, edits uint8) []fuzzyEntry {
	t.Helper()
	d, fa, err := r.(index.IndexReaderFuzzy).FieldDictFuzzyAutomaton(field, term, int(edits), "")
	require.NoError(t, err)
	defer closeDict(d)
	var out []fuzzyEntry
	for len(out) < 1024 {
		e, err := d.Next()
		require.NoError(t, err)
		if e == nil {
			break
		}
		_, dist := fa.MatchAndDistance(e.Term)
		out = append(out, fuzzyEntry{term: e.Term, count: e.Count, dist: dist})
	}
	return out
}
