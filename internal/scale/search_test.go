package scale

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"kb/internal/gen"
)

// The search rows of bench-scale: kb serve and a bare net/http + bleve
// server (anchor "warm", English analyser) over the same collection, asked
// the same things from a query file written beside the collection.
const (
	matchQueries  = 300              // sequential plain queries
	phraseQueries = 100              // quoted phrases drawn (fewer distinct)
	typedQueries  = 100              // queries typed letter by letter
	mixConns      = 64               // connections of the typing mix
	mixDuration   = 10 * time.Second // how long the typing mix runs
	warmQueries   = 100              // queries sent first, not measured
	typingLimit   = "8"              // hits of the live dropdown (app.js)
)

// queryFile is the deterministic query file of a collection: gen's plain
// queries and phrases, drawn from the vocabulary the articles are written
// in, one a line, each line "kind<TAB>text" (warm, match, phrase, typed).
type queryFile struct {
	warm, match, phrase, typed []string
}

// prefixes are what the live dropdown asks while typed is typed: every
// prefix of every query, as app.js sends it (trimmed; a prefix ending in a
// space is the previous one again and is left out). Queries that start
// alike give the same prefixes; once is true keeps the first of each (the
// sequential row, which times searches), else they all stay (the typing
// mix, a crowd).
func (qf queryFile) prefixes(once bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, q := range qf.typed {
		for i := 1; i <= len(q); i++ {
			if q[i-1] != ' ' && !(once && seen[q[:i]]) {
				seen[q[:i]] = true
				out = append(out, q[:i])
			}
		}
	}
	return out
}

// writeQueryFile writes the query file. The sequential rows time
// searches, and kb answers a query asked again within seconds from a
// cache, so each query of warm, match and phrase is there once, and none
// of match and phrase is among warm; gen draws from a small vocabulary, so
// there are fewer phrases than asked for.
func writeQueryFile(t *testing.T, path string) queryFile {
	seen := map[string]bool{}
	distinct := func(qs []string) []string {
		var out []string
		for _, q := range qs {
			if !seen[q] {
				seen[q] = true
				out = append(out, q)
			}
		}
		return out
	}
	qf := queryFile{
		warm:   distinct(gen.Queries(warmQueries, seed+1)),
		match:  distinct(gen.Queries(2*matchQueries, seed+2)),
		phrase: distinct(gen.Phrases(phraseQueries, seed+3)),
		typed:  gen.Queries(typedQueries, seed+4),
	}
	qf.match = qf.match[:min(len(qf.match), matchQueries)]
	var b strings.Builder
	for _, k := range []struct {
		kind string
		qs   []string
	}{{"warm", qf.warm}, {"match", qf.match}, {"phrase", qf.phrase}, {"typed", qf.typed}} {
		for _, q := range k.qs {
			fmt.Fprintf(&b, "%s\t%s\n", k.kind, q)
		}
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return readQueryFile(t, path)
}

func readQueryFile(t *testing.T, path string) queryFile {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var qf queryFile
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		kind, q, ok := strings.Cut(sc.Text(), "\t")
		require.True(t, ok, "query file line %q", sc.Text())
		switch kind {
		case "warm":
			qf.warm = append(qf.warm, q)
		case "match":
			qf.match = append(qf.match, q)
		case "phrase":
			qf.phrase = append(qf.phrase, q)
		case "typed":
			qf.typed = append(qf.typed, q)
		}
	}
	require.NoError(t, sc.Err())
	return qf
}

// searchTarget says how one server is asked: kb through the routes its
// pages use, the anchor through its /search.
type searchTarget struct {
	base string
	kb   bool
}

// url is where q is sent; typing asks as the live dropdown does.
func (st searchTarget) url(q string, typing bool) string {
	v := url.Values{"q": {q}}
	if typing {
		v.Set("limit", typingLimit)
	}
	if st.kb {
		return st.base + "/api/v1/search?" + v.Encode()
	}
	if typing {
		v.Set("prefix", "1")
	}
	return st.base + "/search?" + v.Encode()
}

// searchFigures are one server's figures of one round.
type searchFigures struct {
	matchP50, matchP99, phraseP50, phraseP99, typeP50, typeP99 float64 // ms
	mixRPS, mixP99                                             float64
	mix429, mixErrors, seqFailed                               int
}

// measureSearch runs the search rows against st: warm-up, the sequential
// match, phrase and as-you-type passes, then the typing mix.
func measureSearch(t *testing.T, st searchTarget, qf queryFile) searchFigures {
	for _, q := range qf.warm {
		searchOnce(t, st.url(q, false)) // a first search may take long (kb: 503 past its deadline)
	}
	var f searchFigures
	var failed [3]int
	f.matchP50, f.matchP99, failed[0] = sequential(t, st, qf.match, false)
	f.phraseP50, f.phraseP99, failed[1] = sequential(t, st, qf.phrase, false)
	f.typeP50, f.typeP99, failed[2] = sequential(t, st, qf.prefixes(true), true)
	f.seqFailed = failed[0] + failed[1] + failed[2]
	f.mixRPS, f.mixP99, f.mix429, f.mixErrors = typingMix(st, qf.prefixes(false))
	return f
}

// searchOnce sends one search and reads its answer; ok reports an answer:
// 200, or 400 for a prefix with no words (a lone quote). A server's 503
// (kb's deadline) or 429 is a failure, counted, not the end of the run.
func searchOnce(t *testing.T, u string) (d time.Duration, ok bool) {
	start := time.Now()
	resp, err := client.Get(u)
	require.NoError(t, err, u)
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.NoError(t, err, u)
	d = time.Since(start)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest {
		t.Logf("%s: %d after %s", u, resp.StatusCode, d)
		return d, false
	}
	return d, true
}

// sequential sends qs one after another and returns the p50 and p99 in ms
// (failures included) and the number of failures.
func sequential(t *testing.T, st searchTarget, qs []string, typing bool) (p50, p99 float64, failed int) {
	lat := make([]time.Duration, 0, len(qs))
	for _, q := range qs {
		d, ok := searchOnce(t, st.url(q, typing))
		lat = append(lat, d)
		if !ok {
			failed++
		}
	}
	return percentile(lat, 0.50), percentile(lat, 0.99), failed
}

func percentile(lat []time.Duration, p float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return ms(s[int(p*float64(len(s)-1))])
}

// typingMix is a crowd typing: mixConns clients, each on its own
// connection, send the prefixes (each client starting elsewhere in the
// list) one after another for mixDuration. It returns the answers a second,
// their p99 in ms, the 429s and the other failures.
func typingMix(st searchTarget, prefixes []string) (rps, p99 float64, n429, errs int) {
	tr := &http.Transport{MaxIdleConnsPerHost: mixConns, MaxConnsPerHost: mixConns}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), mixDuration)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for i := range mixConns {
		wg.Go(func() {
			var mine []time.Duration
			var my429, myErrs int
			for j := i * len(prefixes) / mixConns; ctx.Err() == nil; j++ {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.url(prefixes[j%len(prefixes)], true), nil)
				if err != nil {
					myErrs++
					continue
				}
				t0 := time.Now()
				resp, err := c.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						myErrs++
					}
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch {
				case err != nil && ctx.Err() != nil:
					continue // cut off at the end of the run
				case resp.StatusCode == http.StatusTooManyRequests:
					my429++
				case err != nil || (resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusBadRequest):
					myErrs++
				default:
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			n429 += my429
			errs += myErrs
			mu.Unlock()
		})
	}
	wg.Wait()
	return float64(len(lat)) / time.Since(start).Seconds(), percentile(lat, 0.99), n429, errs
}

// searchRows adds the round's search figures of kb and the anchor to tab.
func searchRows(tab *table, kb, anchor searchFigures) {
	tab.add("HTTP search, match, p50", "ms", false, kb.matchP50, anchor.matchP50)
	tab.add("HTTP search, match, p99 (goal ≤ 1.5×; 50k: ≤ 10 ms)", "ms", false, kb.matchP99, anchor.matchP99)
	tab.add("HTTP search, phrase, p50", "ms", false, kb.phraseP50, anchor.phraseP50)
	tab.add("HTTP search, phrase, p99", "ms", false, kb.phraseP99, anchor.phraseP99)
	tab.add("as you type, every distinct prefix of 100 queries, p50", "ms", false, kb.typeP50, anchor.typeP50)
	tab.add("as you type, every distinct prefix of 100 queries, p99 (goal ≤ 25 ms)", "ms", false, kb.typeP99, anchor.typeP99)
	tab.add(fmt.Sprintf("typing mix, %d connections: answers/s (goal ≥ 0.5)", mixConns), "req/s", true, kb.mixRPS, anchor.mixRPS)
	tab.add(fmt.Sprintf("typing mix, %d connections: p99", mixConns), "ms", false, kb.mixP99, anchor.mixP99)
	tab.add("typing mix: 429 answers (goal 0)", "", false, float64(kb.mix429), float64(anchor.mix429))
	tab.add("typing mix: other failures", "", false, float64(kb.mixErrors), float64(anchor.mixErrors))
	tab.add("sequential searches failed (503, 429)", "", false, float64(kb.seqFailed), float64(anchor.seqFailed))
}

// searchRound is a round of the search rows alone (KB_SCALE_ROWS=search):
// kb serve on a --data kept for every round (the first round builds its
// index), then the anchor on a bleve index built once.
func searchRound(t *testing.T, tab *table, kb, self, content, shared string, qf queryFile, round int) {
	data := filepath.Join(shared, "data")
	index := filepath.Join(shared, "bleve")

	p := startKB(t, kb, content, data)
	until(t, p.start, "kb searchable", searchable(p.addr))
	kbf := measureSearch(t, searchTarget{base: "http://" + p.addr, kb: true}, qf)
	p.stop(t)

	if _, err := os.Stat(filepath.Join(index, "index_meta.json")); err != nil {
		var b struct {
			BuildS float64 `json:"build_s"`
		}
		runAnchor2(t, self, "bleve", &b, "KB_SCALE_DIR="+content, "KB_SCALE_INDEX="+index)
	}
	w := startAnchor(t, self, "warm", "KB_SCALE_DIR="+content, "KB_SCALE_INDEX="+index)
	until(t, w.start, "bare search server", func() bool { c, _ := get("http://" + w.addr + "/search?q=etcd"); return c == 200 })
	af := measureSearch(t, searchTarget{base: "http://" + w.addr}, qf)
	w.stop(t)

	searchRows(tab, kbf, af)
	logSearch(t, round, kbf, af)
}

func logSearch(t *testing.T, round int, kb, a searchFigures) {
	t.Logf("round %d search: match p50/p99 %.1f/%.1f ms (bare %.1f/%.1f), phrase %.1f/%.1f (%.1f/%.1f), typing %.1f/%.1f (%.1f/%.1f), mix %.0f req/s p99 %.0f ms, %d×429, %d failed (bare %.0f req/s, p99 %.0f ms, %d failed), sequential failures %d (bare %d)",
		round+1, kb.matchP50, kb.matchP99, a.matchP50, a.matchP99, kb.phraseP50, kb.phraseP99, a.phraseP50, a.phraseP99,
		kb.typeP50, kb.typeP99, a.typeP50, a.typeP99, kb.mixRPS, kb.mixP99, kb.mix429, kb.mixErrors, a.mixRPS, a.mixP99, a.mixErrors, kb.seqFailed, a.seqFailed)
}
