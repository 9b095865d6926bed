package search

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/internal/gen"
	"kb/word"
)

// TestSnippetWordsSkippedMatchNothing checks that the words find skips
// without looking (cannotMatch) are words match would not mark: over
// generated articles and the marks of generated queries, phrases and every
// prefix being typed, find returns the same spans as matching every word.
func TestSnippetWordsSkippedMatchNothing(t *testing.T) {
	ctx := context.Background()
	snap, err := content.Load(ctx, gen.Files(300, 1), content.Options{})
	require.NoError(t, err)
	x := openSynced(t, Options{}, snap.Articles...)
	adv, err := x.cur.idx.Advanced()
	require.NoError(t, err)
	r, err := adv.Reader()
	require.NoError(t, err)
	defer r.Close()

	texts := []string{
		"Über-Größe ÉTCD etcdserver: request timed out, Ümlaut naïve café",
		"KubeAPIServer kube-apiserver 10.0.0.1:6443 x509: certificate has expired; I/O error",
		"a b c ab AB Ab aB é É 1 12 1a a1",
	}
	for _, a := range snap.Articles[:40] {
		texts = append(texts, a.Doc.Text, a.Summary, a.Title)
	}
	queries := append(gen.Queries(150, 7), gen.Phrases(30, 7)...)
	for _, q := range gen.Queries(30, 9) {
		for i := 1; i <= len(q); i++ {
			queries = append(queries, q[:i])
		}
	}
	queries = append(queries, "Über", "größe", "ÉTCD", "naïv", "kubeapi", "x509 cert", "i/o", "ab", "a")

	checked := 0
	for _, text := range queries {
		q, err := Query{Text: text}.ready()
		if err != nil {
			continue
		}
		pl := planner{ctx: ctx, r: r, analyzer: x.mapping.AnalyzerNamed(proseAnalyzer), off: x.opts.Off,
			learned: x.cur.learned.splitter(x.opts.Off), synonyms: x.synonyms}
		p := pl.build(q.words, nil)
		fast := highlighter{marks: p.marks, analyzer: pl.analyzer}
		every := highlighter{marks: p.marks, analyzer: pl.analyzer}
		for _, s := range texts {
			want := every.findEvery(s)
			assert.Equal(t, want, fast.find(s), "query %q", text)
			checked += len(want)
		}
	}
	assert.Greater(t, checked, 1000, "the queries mark words of the texts")
}

// findEvery is find without cannotMatch: every word goes through match.
func (h *highlighter) findEvery(text string) []span {
	if len(h.marks.terms) == 0 && len(h.marks.prefixes) == 0 {
		return nil
	}
	h.heads = map[string]bool{}
	for t := range h.marks.terms {
		h.heads[head(t)] = true
	}
	var out []span
	for start, end := range word.Spans(text) {
		if key, ok := h.match(text[start:end]); ok {
			out = append(out, span{start: start, end: end, key: key})
		}
	}
	return out
}

// BenchmarkSnippets makes the snippets of a page of hits: ten generated
// articles of ~10 KB (four of gen's bodies each, as bench-scale writes
// them) for generated queries.
func BenchmarkSnippets(b *testing.B) {
	ctx := context.Background()
	snap, err := content.Load(ctx, gen.Files(200, 1), content.Options{})
	require.NoError(b, err)
	x := openSynced(b, Options{}, snap.Articles...)
	adv, err := x.cur.idx.Advanced()
	require.NoError(b, err)
	r, err := adv.Reader()
	require.NoError(b, err)
	defer r.Close()
	var texts []string
	for i := range 10 {
		var s string
		for j := range 4 {
			s += snap.Articles[i*4+j].Doc.Text + "\n"
		}
		texts = append(texts, s)
	}
	var hls []highlighter
	for _, text := range gen.Queries(50, 7) {
		q, err := Query{Text: text}.ready()
		require.NoError(b, err)
		pl := planner{ctx: ctx, r: r, analyzer: x.mapping.AnalyzerNamed(proseAnalyzer), learned: x.cur.learned.splitter(x.opts.Off), synonyms: x.synonyms}
		hls = append(hls, highlighter{marks: pl.build(q.words, nil).marks, analyzer: pl.analyzer})
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		h := hls[i%len(hls)]
		for _, s := range texts {
			h.snippet(s, "")
		}
	}
}
