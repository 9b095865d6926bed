package search

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/stretchr/testify/require"

	"kb/content"
)

// Relevance evaluation: `make eval` (go test ./search -run TestRelevance -v
// -baselines) prints recall@1, recall@3 and MRR@10 of kb, of a plain bleve
// index with the default mapping and of SQLite FTS5 with bm25() over the
// same articles, for every judged set, split into test and dev and per kind
// of query. A plain `go test` runs kb alone and checks the regression guard;
// -misses lists the dev queries kb does not rank first.
//
// The sets, in testdata/:
//   - relevance.tsv: kb's own set, tuned against; frozen as a regression set.
//   - gitlab.tsv, prometheus-heldout.tsv: held-out sets written blind from
//     the pages, on a collection kb was never tuned for and on a known one.
//
// Every query falls in dev or test by a fixed hash of its text (splitOf).
// Ranking work may look at dev only; test is the figure that counts.

// baselines adds the bleve and FTS5 baselines to the report. Building them
// over every corpus takes longer than `make test` should spend on a loaded
// machine, so only `make eval` sets it.
var baselines = flag.Bool("baselines", false, "TestRelevance: also measure plain bleve and SQLite FTS5 (make eval)")

// ablations adds one kb engine per ranking rule with that rule switched
// off (Options.Off), reported as the figures without the rule.
var ablations = flag.Bool("ablations", false, "TestRelevance: also measure kb with each ranking rule off (make eval)")

// only restricts the report to one split: ranking work runs with -split=dev,
// so that the test figures are seen at checkpoints only.
var only = flag.String("split", "", "TestRelevance: report only this split (dev or test)")

// misses lists the dev queries kb does not rank first, for ranking work.
// Test queries are never listed: their figures are all anyone should see.
var misses = flag.Bool("misses", false, "TestRelevance: log the dev queries kb does not rank first")

// explain adds, to each dev miss listed by -misses, the scores, folders and
// best sections of kb's top 3 and of the right answer (within the top 50).
var explain = flag.Bool("explain", false, "TestRelevance: with -misses, print the scores of the top 3 and of the right answer")

// kindOnly, with -misses, lists every dev query of that kind, ranked first
// or not, to see how close the right answer's lead is.
var kindOnly = flag.String("kind", "", "TestRelevance: with -misses, list every dev query of this kind, misses or not")

// corpora are the folders the judged sets refer to, relative to this package.
func corpora() map[string]string {
	return map[string]string{
		"prometheus": "../../shared/corpus/runbooks-prometheus-operator",
		"gitlab":     "../../shared/corpus/gitlab-runbooks",
		"example":    "../example/kb",
	}
}

// evalSet is one judged file, or the part of relevance.tsv on one corpus.
type evalSet struct {
	name, file, corpus string
}

// evalSets lists the sets in report order. relevance.tsv names its corpus on
// every line; the held-out files are on one corpus each.
func evalSets() []evalSet {
	return []evalSet{
		{name: "relevance/prometheus", file: "testdata/relevance.tsv", corpus: "prometheus"},
		{name: "relevance/example", file: "testdata/relevance.tsv", corpus: "example"},
		{name: "prometheus-heldout", file: "testdata/prometheus-heldout.tsv", corpus: "prometheus"},
		{name: "gitlab", file: "testdata/gitlab.tsv", corpus: "gitlab"},
	}
}

// minRecallAt3 is the regression guard: the recall@3 kb reached on each set
// (test and dev together) when the ranking rules were last changed. The
// example knowledge base is still being written, so its guard allows one
// miss; the held-out sets are guarded at the figure they were first
// measured at, rounded down. Raise them when the rules improve.
func minRecallAt3() map[string]float64 {
	return map[string]float64{
		"relevance/prometheus": 1.0,
		"relevance/example":    0.95,
		// 0.867 before the rules of issue 11, 0.858 after its first round,
		// 0.875 after its second (query share, rare words; word pairs
		// were dropped: they gained on dev only, never on a test half),
		// 0.892 after field-sum, 0.908 after stemmed synonyms and the
		// pasted section weight, 0.900 after word families (R@1 and MRR
		// rose on both halves, one dev error fell from third to fourth),
		// 0.908 after the pasted-text rules of the fourth round
		"prometheus-heldout": 0.905,
		// 0.917 after the second round of issue 11, 0.924 after field-sum,
		// 0.931 after the fourth round
		"gitlab": 0.93,
	}
}

type judgement struct {
	corpus, kind, query, want string
}

// readJudgements reads a judged TSV: `#` comment lines, a header, then one
// query a line. The header names the columns: relevance.tsv has corpus,
// query, expected; the held-out sets kind, query, expected.
func readJudgements(t *testing.T, file string) []judgement {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	var out []judgement
	var header []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if header == nil {
			header = cols
			continue
		}
		require.Len(t, cols, len(header), "%s: %q", file, line)
		j := judgement{kind: "-"}
		for i, name := range header {
			switch name {
			case "corpus":
				j.corpus = cols[i]
			case "kind":
				j.kind = cols[i]
			case "query":
				j.query = cols[i]
			case "expected":
				j.want = cols[i]
			default:
				t.Fatalf("%s: unknown column %q", file, name)
			}
		}
		require.NotEmpty(t, j.query, "%s: %q", file, line)
		require.NotEmpty(t, j.want, "%s: %q", file, line)
		out = append(out, j)
	}
	require.NoError(t, sc.Err())
	return out
}

// splitOf puts a query in "dev" or "test" by the FNV-1a hash of its
// lower-cased text, so the split never changes when lines are added,
// removed or reordered.
func splitOf(q string) string {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(q)))
	if h.Sum32()%2 == 0 {
		return "dev"
	}
	return "test"
}

// scores accumulates the ranks of the right answers.
type scores struct {
	n, at1, at3 int
	rr          float64
}

func (s *scores) add(rank int) { // rank is 1-based, 0 when not in the top 10
	s.n++
	if rank == 1 {
		s.at1++
	}
	if rank >= 1 && rank <= 3 {
		s.at3++
	}
	if rank >= 1 {
		s.rr += 1 / float64(rank)
	}
}

func (s scores) recall1() float64 { return float64(s.at1) / float64(max(s.n, 1)) }
func (s scores) recall3() float64 { return float64(s.at3) / float64(max(s.n, 1)) }
func (s scores) mrr() float64     { return s.rr / float64(max(s.n, 1)) }

func loadCorpus(t testing.TB, root string) *content.Snapshot {
	t.Helper()
	snap, err := content.Load(context.Background(), os.DirFS(root), content.Options{})
	require.NoError(t, err)
	return snap
}

// bareIndex indexes the same articles with bleve's default mapping, the
// way a first attempt with bleve would, and searches with a match query.
type bareIndex struct {
	idx bleve.Index
}

func bareDoc(a *content.Article) map[string]any {
	heads := make([]string, 0, len(a.Doc.Headings))
	for _, h := range a.Doc.Headings {
		heads = append(heads, h.Text)
	}
	return map[string]any{
		"title": a.Title, "summary": a.Summary, "headings": heads, "body": a.Doc.Text, "code": a.Doc.Code,
		"tags": a.Tags, "service": a.Service, "alerts": a.Alerts, "type": string(a.Type), "path": a.Path,
	}
}

func newBareIndex(t testing.TB, path string, snap *content.Snapshot) *bareIndex {
	t.Helper()
	var idx bleve.Index
	var err error
	if path == "" {
		idx, err = bleve.NewMemOnly(bleve.NewIndexMapping())
	} else {
		idx, err = bleve.New(path, bleve.NewIndexMapping())
	}
	require.NoError(t, err)
	b := idx.NewBatch()
	for _, a := range snap.Articles {
		require.NoError(t, b.Index(a.Path, bareDoc(a)))
		if b.Size() >= batchSize {
			require.NoError(t, idx.Batch(b))
			b.Reset()
		}
	}
	require.NoError(t, idx.Batch(b))
	return &bareIndex{idx: idx}
}

func (b *bareIndex) search(text string, n int) ([]string, error) {
	var q query.Query = bleve.NewMatchQuery(text)
	if phrase, ok := strings.CutPrefix(text, `"`); ok {
		q = bleve.NewMatchPhraseQuery(strings.TrimSuffix(phrase, `"`))
	}
	req := bleve.NewSearchRequestOptions(q, n, 0, false)
	res, err := b.idx.Search(req)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	return out, nil
}

func rankOf(paths []string, want string) int {
	return slices.Index(paths, want) + 1
}

// engine answers a query with the paths of its top 10 articles.
type engine struct {
	name   string
	search func(ctx context.Context, text string) ([]string, error)
	// explain describes kb's top hits and the right answer (kb only)
	explain func(ctx context.Context, text, want string) string
}

// engines builds kb's index and, with -baselines, the two baselines over
// snap; they are closed when t ends. built is the time the baselines took.
func engines(t *testing.T, snap *content.Snapshot) (out []engine, built time.Duration) {
	t.Helper()
	out = append(out, kbEngine(t, "kb", snap, nil))
	if *ablations {
		for _, r := range Rules() {
			out = append(out, kbEngine(t, "-"+string(r), snap, []Rule{r}))
		}
	}
	if !*baselines {
		return out, 0
	}
	start := time.Now()
	bare := newBareIndex(t, "", snap)
	t.Cleanup(func() { require.NoError(t, bare.idx.Close()) })
	fts := newFTS5Index(t, snap)
	built = time.Since(start)
	out = append(out,
		engine{name: "bleve", search: func(_ context.Context, text string) ([]string, error) { return bare.search(text, 10) }},
		engine{name: "fts5", search: func(ctx context.Context, text string) ([]string, error) { return fts.search(ctx, text, 10) }},
	)
	return out, built
}

// kbEngine builds kb's index over snap with the rules off switched off.
func kbEngine(t *testing.T, name string, snap *content.Snapshot, off []Rule) engine {
	t.Helper()
	// A generous deadline: the eval measures ranking, not speed, and the
	// race detector on a shared machine can make a long pasted line slow.
	x, err := Open(filepath.Join(t.TempDir(), "index"), Options{Timeout: time.Minute, Off: off})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, x.Close()) })
	require.NoError(t, x.Sync(t.Context(), snap))
	return engine{name: name, search: func(ctx context.Context, text string) ([]string, error) {
		res, err := x.Search(ctx, Query{Text: text})
		if err != nil {
			return nil, err
		}
		paths := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			paths[i] = h.Path
		}
		return paths, nil
	}, explain: func(ctx context.Context, text, want string) string {
		res, err := x.Search(ctx, Query{Text: text, Limit: 50})
		if err != nil {
			return err.Error()
		}
		var b strings.Builder
		for i, h := range res.Hits {
			if i < 3 || h.Path == want {
				sec := ""
				if h.Section != nil {
					sec = h.Section.Title
				}
				fmt.Fprintf(&b, "\n\t%2d %7.3f %s [%s]", i+1, h.Score, h.Path, sec)
			}
		}
		return b.String()
	}}
}

// tally holds one row of the report: the scores of every engine.
type tally struct {
	set, split, kind string
	by               []scores // one per engine, in engine order
}

func TestRelevance(t *testing.T) {
	roots := corpora()
	type loaded struct {
		snap    *content.Snapshot
		engines []engine
	}
	built := map[string]*loaded{} // by corpus
	var baselineTime time.Duration
	var names []string // engine names
	var rows []*tally
	for _, set := range evalSets() {
		root := roots[set.corpus]
		if _, err := os.Stat(root); err != nil {
			t.Logf("%s: corpus %s not found at %s; skipped", set.name, set.corpus, root)
			continue
		}
		var js []judgement
		for _, j := range readJudgements(t, set.file) {
			if j.corpus == "" || j.corpus == set.corpus {
				js = append(js, j)
			} else if _, ok := roots[j.corpus]; !ok {
				t.Fatalf("%s names an unknown corpus %q", set.file, j.corpus)
			}
		}
		require.NotEmpty(t, js, "%s: no queries", set.name)
		l := built[set.corpus]
		if l == nil {
			l = &loaded{snap: loadCorpus(t, root)}
			var d time.Duration
			l.engines, d = engines(t, l.snap)
			baselineTime += d
			built[set.corpus] = l
		}
		names = names[:0]
		for _, e := range l.engines {
			names = append(names, e.name)
		}

		// Rows: every split, then every kind within it.
		index := map[[2]string]*tally{}
		row := func(split, kind string) *tally {
			k := [2]string{split, kind}
			if index[k] == nil {
				index[k] = &tally{set: set.name, split: split, kind: kind, by: make([]scores, len(l.engines))}
			}
			return index[k]
		}
		var whole scores // kb over the whole set, for the guard
		for _, j := range js {
			_, ok := l.snap.ByPath(j.want)
			require.True(t, ok, "%s: corpus %s has no %s", set.name, set.corpus, j.want)
			split := splitOf(j.query)
			for i, e := range l.engines {
				got, err := e.search(t.Context(), j.query)
				require.NoError(t, err, "%s %s: %q", set.name, e.name, j.query)
				r := rankOf(got, j.want)
				row(split, "all").by[i].add(r)
				if j.kind != "-" {
					row(split, j.kind).by[i].add(r)
				}
				if i == 0 {
					whole.add(r)
					if *misses && (r != 1 || *kindOnly == j.kind) && split == "dev" && (*kindOnly == "" || *kindOnly == j.kind) {
						if *explain {
							t.Logf("%s dev %s: %q ranks %s at %d:%s", set.name, j.kind, j.query, j.want, r, e.explain(t.Context(), j.query, j.want))
						} else {
							t.Logf("%s dev %s: %q ranks %s at %d; top: %v", set.name, j.kind, j.query, j.want, r, got[:min(3, len(got))])
						}
					}
				}
			}
		}
		keys := make([][2]string, 0, len(index))
		for k := range index {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b [2]string) int {
			if c := strings.Compare(b[0], a[0]); c != 0 { // test before dev
				return c
			}
			if (a[1] == "all") != (b[1] == "all") {
				if a[1] == "all" {
					return -1
				}
				return 1
			}
			return strings.Compare(a[1], b[1])
		})
		for _, k := range keys {
			if *only == "" || k[0] == *only {
				rows = append(rows, index[k])
			}
		}
		if want := minRecallAt3()[set.name]; whole.recall3() < want {
			t.Errorf("%s: recall@3 of kb fell to %.3f, below the %.2f reached before", set.name, whole.recall3(), want)
		}
	}
	if len(rows) == 0 {
		t.Skip("no corpus found")
	}
	if *baselines {
		t.Logf("baselines built in %s", baselineTime.Round(time.Millisecond))
	}
	t.Log(report(names, rows))
	if *ablations {
		t.Log(ablationReport(names, rows))
	}
}

// ablationReport formats, per set and split, kb's figures and those of kb
// with each rule off, with the change in recall@1 the rule brings.
func ablationReport(names []string, rows []*tally) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nablations: kb with one ranking rule off (R@1 R@3 MRR; the rule brings kb R@1 minus this R@1)")
	fmt.Fprintf(&b, "\n%-20s %-5s %-16s %5s %5s %5s %6s", "set", "split", "rule off", "R@1", "R@3", "MRR", "brings")
	for _, r := range rows {
		if r.kind != "all" {
			continue
		}
		for i, n := range names {
			if i != 0 && !strings.HasPrefix(n, "-") {
				continue
			}
			s := r.by[i]
			label := "(none)"
			if i != 0 {
				label = n[1:]
			}
			fmt.Fprintf(&b, "\n%-20s %-5s %-16s %5.3f %5.3f %5.3f", r.set, r.split, label, s.recall1(), s.recall3(), s.mrr())
			if i != 0 {
				fmt.Fprintf(&b, " %+6.3f", r.by[0].recall1()-s.recall1())
			}
		}
	}
	return b.String()
}

// report formats the rows as one table: per set, split and kind, recall@1,
// recall@3 and MRR@10 of every engine.
func report(names []string, rows []*tally) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-20s %-5s %-8s %4s", "", "", "", "")
	main := 0
	for _, n := range names {
		if strings.HasPrefix(n, "-") {
			continue
		}
		main++
		fmt.Fprintf(&b, " | %-17s", n)
	}
	fmt.Fprintf(&b, "\n%-20s %-5s %-8s %4s", "set", "split", "kind", "n")
	for range main {
		fmt.Fprintf(&b, " | %5s %5s %5s", "R@1", "R@3", "MRR")
	}
	for _, r := range rows {
		set := r.set
		if r.kind != "all" {
			set = ""
		}
		fmt.Fprintf(&b, "\n%-20s %-5s %-8s %4d", set, r.split, r.kind, r.by[0].n)
		for i, s := range r.by {
			if !strings.HasPrefix(names[i], "-") {
				fmt.Fprintf(&b, " | %5.3f %5.3f %5.3f", s.recall1(), s.recall3(), s.mrr())
			}
		}
	}
	return b.String()
}
