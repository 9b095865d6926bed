package search

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseQuery(t *testing.T) {
	w := func(text string) item { return item{text: text} }
	ph := func(text string) item { return item{text: text, phrase: true} }
	tests := []struct {
		name, in          string
		p                 Params
		items             []item
		typing            bool
		typ, service, tag string
		limit, offset     int
	}{
		{name: "words", in: "etcd no leader", items: []item{w("etcd"), w("no"), w("leader")}, typing: true},
		{name: "trailing space ends the last word", in: "etcd no leader ", items: []item{w("etcd"), w("no"), w("leader")}},
		{name: "inline filters", in: "type:runbook disk full service:Node tag:disk", items: []item{w("disk"), w("full")}, typing: true, typ: "runbook", service: "node", tag: "disk"},
		{name: "quoted filter value", in: `tag:"on-call" pager`, items: []item{w("pager")}, typing: true, tag: "on-call"},
		{name: "phrase", in: `"no leader" etcd`, items: []item{ph("no leader"), w("etcd")}, typing: true},
		{name: "phrase last", in: `etcd "no  leader"`, items: []item{w("etcd"), ph("no leader")}},
		{name: "unbalanced quote", in: `"no leader`, items: []item{ph("no leader")}},
		{name: "colons are text", in: "x509: certificate", items: []item{w("x509:"), w("certificate")}, typing: true},
		{name: "unknown key is text", in: "severity:critical", items: []item{w("severity:critical")}, typing: true},
		{name: "empty filter is text", in: "tag: disk", items: []item{w("tag:"), w("disk")}, typing: true},
		{name: "empty", in: ""},
		{name: "control characters", in: "etcd\x00\tleader", items: []item{w("etcd"), w("leader")}, typing: true},
		{name: "filters given win over inline ones", in: "type:runbook disk", p: Params{Type: " Article ", Service: "Node", Tag: "  "}, items: []item{w("disk")}, typing: true, typ: "article", service: "node"},
		{name: "paging", in: "disk", p: Params{Limit: "5", Offset: "20"}, items: []item{w("disk")}, typing: true, limit: 5, offset: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuery(tt.in, tt.p)
			require.NoError(t, err)
			assert.Equal(t, tt.in, got.Text)
			assert.Equal(t, tt.items, got.words.items)
			assert.Equal(t, tt.typing, got.words.typing)
			assert.Equal(t, []string{tt.typ, tt.service, tt.tag}, []string{got.Type, got.Service, got.Tag})
			assert.Equal(t, []int{tt.limit, tt.offset}, []int{got.Limit, got.Offset})
		})
	}
}

func TestParseQueryRefuses(t *testing.T) {
	tests := []struct {
		name, in string
		p        Params
		want     string // in the message
	}{
		{name: "over 1 KB", in: strings.Repeat("a", MaxQueryBytes+1), want: "bytes long"},
		{name: "text limit", in: "etcd", p: Params{Limit: "ten"}, want: "limit must be a whole number"},
		{name: "negative limit", in: "etcd", p: Params{Limit: "-1"}, want: "limit must be a whole number"},
		{name: "negative offset", in: "etcd", p: Params{Offset: "-5"}, want: "offset must be a whole number"},
		{name: "length before paging", in: strings.Repeat("a", MaxQueryBytes+1), p: Params{Limit: "ten"}, want: "bytes long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQuery(tt.in, tt.p)
			require.ErrorIs(t, err, ErrBadQuery)
			var qe *QueryError
			require.ErrorAs(t, err, &qe)
			assert.Contains(t, qe.Msg, tt.want)
		})
	}
}

func TestQueryEmptyAndPerPage(t *testing.T) {
	for _, tt := range []struct {
		in    string
		p     Params
		empty bool
	}{
		{in: "", empty: true},
		{in: "   ", empty: true},
		{in: `"`, empty: true},
		{in: "*"},
		{in: "type:runbook"},
		{in: "", p: Params{Tag: "tls"}},
	} {
		q, err := ParseQuery(tt.in, tt.p)
		require.NoError(t, err)
		assert.Equal(t, tt.empty, q.Empty(), "%q %+v", tt.in, tt.p)
	}
	assert.True(t, Query{Text: "  "}.Empty(), "a literal is parsed")
	assert.False(t, Query{Text: "etcd"}.Empty())

	for _, tt := range []struct{ limit, want int }{{0, DefaultLimit}, {5, 5}, {MaxLimit + 1, MaxLimit}} {
		assert.Equal(t, tt.want, Query{Limit: tt.limit}.PerPage())
	}
}

func TestParsedQueryIsSearchedAsParsed(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	q, err := ParseQuery("etcd no leader type:runbook", Params{Limit: "2"})
	require.NoError(t, err)
	parsed, err := x.Search(context.Background(), q)
	require.NoError(t, err)
	literal, err := x.Search(context.Background(), Query{Text: "etcd no leader type:runbook", Limit: 2})
	require.NoError(t, err)
	assert.Equal(t, ids(literal), ids(parsed))
	require.NotEmpty(t, parsed.Hits)
	assert.Equal(t, "runbooks-etcd-etcdNoLeader", parsed.Hits[0].ID)
	assert.LessOrEqual(t, len(parsed.Hits), 2)

	q.Offset = MaxOffset + 1 // paging changed after parsing is still checked
	_, err = x.Search(context.Background(), q)
	assert.ErrorIs(t, err, ErrBadQuery)
}

func TestBadInput(t *testing.T) {
	// Every query takes milliseconds; the deadline, generous for a loaded
	// machine, catches one that runs away (it then fails with ErrTimeout),
	// and the bound below one that ignores the deadline.
	const timeout = 30 * time.Second
	x := openSynced(t, Options{Timeout: timeout}, fixtures()...)
	manyWords := make([]string, 100)
	for i := range manyWords {
		manyWords[i] = fmt.Sprintf("w%d", i)
	}
	tests := []struct {
		name    string
		q       Query
		wantErr bool
		check   func(t *testing.T, res Results)
	}{
		{name: "too many edits", q: Query{Text: "term~3"}},
		{name: "star", q: Query{Text: "*"}, wantErr: true},
		{name: "prefix syntax", q: Query{Text: "a*"}},
		{name: "regexp syntax", q: Query{Text: "/.*/"}, wantErr: true},
		{name: "query string syntax", q: Query{Text: `+etcd -leader title:(foo OR bar)^5 [a TO z]`}},
		{name: "unbalanced quotes", q: Query{Text: `"etcd no leader`}, check: func(t *testing.T, res Results) {
			assert.Equal(t, "runbooks-etcd-etcdNoLeader", res.Hits[0].ID)
		}},
		{name: "only a quote", q: Query{Text: `"`}, wantErr: true},
		{name: "thousand ORed words", q: Query{Text: strings.Repeat("leader OR ", 1000)}, wantErr: true},
		{name: "many words within the size limit", q: Query{Text: strings.Join(manyWords, " OR ")}, check: func(t *testing.T, res Results) {
			assert.Equal(t, len(manyWords)+1-MaxTerms, res.IgnoredWords) // "OR" counts once
		}},
		{name: "over 1 KB", q: Query{Text: strings.Repeat("x", 2000)}, wantErr: true},
		{name: "huge limit is clamped", q: Query{Text: "etcd", Limit: 10000000}, check: func(t *testing.T, res Results) {
			assert.LessOrEqual(t, len(res.Hits), MaxLimit)
		}},
		{name: "huge offset", q: Query{Text: "etcd", Offset: 1000000}, wantErr: true},
		{name: "negative limit", q: Query{Text: "etcd", Limit: -1}, wantErr: true},
		{name: "negative offset", q: Query{Text: "etcd", Offset: -5}, wantErr: true},
		{name: "unknown type", q: Query{Text: "etcd type:banana"}, wantErr: true},
		{name: "empty", q: Query{}, wantErr: true},
		{name: "spaces", q: Query{Text: "   \t "}, wantErr: true},
		{name: "stop words only", q: Query{Text: "the and of"}, check: func(t *testing.T, res Results) {
			assert.Zero(t, res.Total)
		}},
		{name: "invalid UTF-8", q: Query{Text: "etcd \xff\xfe leader"}},
		{name: "emoji and scripts", q: Query{Text: "🔥 etcd лидер 领导"}},
		{name: "long word", q: Query{Text: strings.Repeat("ab", 400)}},
		{name: "many prefixes", q: Query{Text: "e"}},
		{name: "html", q: Query{Text: `<img src=x onerror=alert(1)>`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res, err := x.Search(context.Background(), tt.q)
			assert.Less(t, time.Since(start), 2*timeout, "bounded by the deadline")
			if tt.wantErr {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrBadQuery)
				assert.NotEmpty(t, err.Error())
				return
			}
			require.NoError(t, err)
			assert.LessOrEqual(t, len(res.Hits), MaxLimit)
			for _, h := range res.Hits {
				assert.NotContains(t, strings.NewReplacer("<mark>", "", "</mark>", "").Replace(string(h.Snippet)), "<")
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

func TestBusy(t *testing.T) {
	x := openSynced(t, Options{MaxConcurrent: 1, QueueWait: 10 * time.Millisecond}, fixtures()...)
	x.sem <- struct{}{} // one search is running
	_, err := x.Search(context.Background(), Query{Text: "etcd"})
	assert.ErrorIs(t, err, ErrBusy)
	assert.Equal(t, uint64(1), x.Stats().Busy)
	<-x.sem
	_, err = x.Search(context.Background(), Query{Text: "etcd"})
	assert.NoError(t, err)
}

// TestConcurrentSearchesAreLimited holds both slots with searches that
// block until the test lets them go (in Popularity, which runs inside the
// slot): a third search is refused, and once they finish searches run again.
func TestConcurrentSearchesAreLimited(t *testing.T) {
	entered := make(chan struct{}, 100)
	gate := make(chan struct{})
	var held atomic.Bool
	held.Store(true)
	x := openSynced(t, Options{
		MaxConcurrent: 2, QueueWait: time.Millisecond, Timeout: time.Minute,
		Popularity: func(string) int {
			if held.Load() {
				entered <- struct{}{}
				<-gate
			}
			return 0
		},
	}, fixtures()...)
	var release sync.Once
	letGo := func() { release.Do(func() { held.Store(false); close(gate) }) }
	t.Cleanup(letGo) // before Close, which waits for the searches

	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := x.Search(context.Background(), Query{Text: "etcd leader"})
			errs <- err
		}()
	}
	deadline := time.After(30 * time.Second)
	for range 2 {
		select {
		case <-entered:
		case err := <-errs:
			t.Fatalf("a search that should hold a slot ended: %v", err)
		case <-deadline:
			t.Fatal("the two searches never held their slots")
		}
	}
	_, err := x.Search(context.Background(), Query{Text: "etcd"})
	assert.ErrorIs(t, err, ErrBusy, "both slots are taken")
	letGo()
	for range 2 {
		assert.NoError(t, <-errs)
	}
	_, err = x.Search(context.Background(), Query{Text: "etcd"})
	assert.NoError(t, err, "the slots are free again")
	st := x.Stats()
	assert.Equal(t, uint64(3), st.OK)
	assert.Equal(t, uint64(1), st.Busy)
}

// TestConcurrentSearchesAreCounted runs many searches at once through two
// slots: however many are refused, every outcome is counted once.
func TestConcurrentSearchesAreCounted(t *testing.T) {
	x := openSynced(t, Options{MaxConcurrent: 2, QueueWait: time.Millisecond}, fixtures()...)
	var wg sync.WaitGroup
	var ok, busy atomic.Int64
	for range 16 {
		wg.Go(func() {
			for range 20 {
				_, err := x.Search(context.Background(), Query{Text: "etcd leader disk"})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrBusy):
					busy.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
		})
	}
	wg.Wait()
	assert.Positive(t, ok.Load())
	st := x.Stats()
	assert.Equal(t, uint64(ok.Load()), st.OK)
	assert.Equal(t, uint64(busy.Load()), st.Busy)
}

func TestDeadline(t *testing.T) {
	x := openSynced(t, Options{Timeout: time.Nanosecond}, fixtures()...)
	_, err := x.Search(context.Background(), Query{Text: "etcd"})
	assert.ErrorIs(t, err, ErrTimeout)
	assert.Equal(t, uint64(1), x.Stats().Timeout)

	y := openSynced(t, Options{}, fixtures()...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = y.Search(ctx, Query{Text: "etcd"})
	assert.ErrorIs(t, err, context.Canceled)
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "etcd no leader", `"no leader" type:runbook`, `tag:"a`, "x509: certificate", "term~3", "*", "/.*/", `"`, "type:", "\xff", "“quoted”", `tag:"  " etcd`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s, Params{})
		if len(s) > MaxQueryBytes {
			require.ErrorIs(t, err, ErrBadQuery)
			return
		}
		require.NoError(t, err)
		assert.Equal(t, s, q.Text)
		for i, it := range q.words.items {
			assert.True(t, utf8.ValidString(it.text))
			assert.NotEmpty(t, it.text)
			if it.phrase {
				assert.Equal(t, strings.Join(strings.Fields(it.text), " "), it.text, "a phrase's spaces are normalised")
			} else {
				assert.False(t, strings.ContainsFunc(it.text, unicode.IsSpace), "a word has no spaces: %q", it.text)
			}
			if q.words.typing && i == len(q.words.items)-1 {
				assert.False(t, it.phrase, "a phrase is never being typed")
			}
		}
		assert.Equal(t, len(q.words.items) == 0 && q.Type+q.Service+q.Tag == "", q.Empty())
	})
}

func FuzzSearch(f *testing.F) {
	x, err := New(Options{})
	require.NoError(f, err)
	f.Cleanup(func() { _ = x.Close() })
	require.NoError(f, x.Sync(context.Background(), snapshot("v1", fixtures()...)))
	for _, s := range []string{"etcd no leader", `"no leader" type:runbook`, "KubePodCra", "x509:", "a*", "conntrak", "<b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		res, err := x.Search(context.Background(), Query{Text: s})
		if err != nil {
			require.ErrorIs(t, err, ErrBadQuery, "only bad queries fail: %v", err)
			return
		}
		for _, h := range res.Hits {
			assert.NotContains(t, strings.NewReplacer("<mark>", "", "</mark>", "").Replace(string(h.Snippet)), "<")
		}
	})
}
