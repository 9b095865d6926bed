package word

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{name: "words", in: "etcd has no leader", want: []string{"etcd", "has", "no", "leader"}},
		{name: "identifiers stay whole", in: "nf_conntrack kube-proxy 10.0.0.1 i/o", want: []string{"nf_conntrack", "kube-proxy", "10.0.0.1", "i/o"}},
		{name: "punctuation separates", in: "x509: (certificate) *expired*", want: []string{"x509", "certificate", "expired"}},
		{name: "connectors at the edges are not kept", in: "-flag_ .hidden/ __init__", want: []string{"flag", "hidden", "init"}},
		{name: "connectors alone", in: "- _ . /", want: nil},
		{name: "other scripts", in: "лидер 领导 ünïcode", want: []string{"лидер", "领导", "ünïcode"}},
		{name: "empty", in: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Tokens(tt.in))
		})
	}
}

func TestSpansStopEarly(t *testing.T) {
	var got []string
	text := "one two three"
	for start, end := range Spans(text) {
		got = append(got, text[start:end])
		if len(got) == 2 {
			break
		}
	}
	assert.Equal(t, []string{"one", "two"}, got)
}

func TestFields(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{name: "connectors separate", in: "Password reset: kube-proxy nf_conntrack", want: []string{"Password", "reset", "kube", "proxy", "nf", "conntrack"}},
		{name: "digits are letters here", in: "x509 42", want: []string{"x509", "42"}},
		{name: "nothing", in: " -- ", want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Fields(tt.in))
		})
	}
}

func TestParts(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{in: "KubePodCrashLooping", want: []string{"Kube", "Pod", "Crash", "Looping"}},
		{in: "etcdNoLeader", want: []string{"etcd", "No", "Leader"}},
		{in: "APIDown", want: []string{"API", "Down"}},
		{in: "KubeAPIErrorsHigh", want: []string{"Kube", "API", "Errors", "High"}},
		{in: "x509", want: []string{"x", "509"}},
		{in: "nf_conntrack", want: []string{"nf", "conntrack"}},
		{in: "kube-state-metrics", want: []string{"kube", "state", "metrics"}},
		{in: "etcd_mvcc_db_total_size_in_bytes", want: []string{"etcd", "mvcc", "db", "total", "size", "in", "bytes"}},
		{in: "leader", want: []string{"leader"}},
		{in: "ÉtatCritique", want: []string{"État", "Critique"}},
		{in: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, Parts(tt.in))
		})
	}
}

func TestMayHaveParts(t *testing.T) {
	for _, tok := range []string{"KubePodCrashLooping", "x509", "nf_conntrack", "APIDown", "ABc"} {
		assert.True(t, MayHaveParts(tok), tok)
	}
	for _, tok := range []string{"leader", "ETCD", "Leader", "42", "é"} {
		assert.False(t, MayHaveParts(tok), tok)
	}
}

func FuzzWords(f *testing.F) {
	for _, s := range []string{"", "KubePodCrashLooping", "nf_conntrack: 10.0.0.1", "APIDown x509", "-_./", "\xff\xfe", "ÉtatCritique лидер"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prev := 0
		for start, end := range Spans(s) {
			tok := s[start:end]
			assert.GreaterOrEqual(t, start, prev, "spans are in order and do not overlap")
			assert.Greater(t, end, start)
			prev = end
			first, _ := utf8.DecodeRuneInString(tok)
			last, _ := utf8.DecodeLastRuneInString(tok)
			assert.True(t, IsRune(first) && IsRune(last), "a word starts and ends with a letter or digit: %q", tok)
			parts := Parts(tok)
			assert.NotEmpty(t, parts)
			if len(parts) > 1 {
				assert.True(t, MayHaveParts(tok), "MayHaveParts misses %q", tok)
			}
			for _, p := range parts {
				assert.Contains(t, tok, p)
			}
		}
		for _, w := range Fields(s) {
			assert.False(t, strings.ContainsFunc(w, func(r rune) bool { return !IsRune(r) }), w)
		}
	})
}

func TestIsRuneASCIIAsUnicode(t *testing.T) {
	for r := rune(0); r < utf8.RuneSelf; r++ {
		assert.Equal(t, unicode.IsLetter(r) || unicode.IsDigit(r), IsRune(r), "%q", r)
	}
}

func TestMayHavePartsASCIIAsRunes(t *testing.T) {
	// every pair and triple of a few kinds of bytes, through the byte path
	// and the rune path (a non-ASCII letter in front sends it there)
	alphabet := "aZ9_-./ ?"
	var toks []string
	for _, a := range alphabet {
		for _, b := range alphabet {
			toks = append(toks, string(a)+string(b))
			for _, c := range alphabet {
				toks = append(toks, string(a)+string(b)+string(c))
			}
		}
	}
	toks = append(toks, "kubeAPIServer", "etcd3", "HTTPServer", "x509", "nf_conntrack", "IOError", "Ab", "aB", "ABc")
	for _, tok := range toks {
		want := mayHavePartsByRune(tok)
		assert.Equal(t, want, MayHaveParts(tok), "%q", tok)
	}
}

// mayHavePartsByRune is MayHaveParts without its ASCII path.
func mayHavePartsByRune(tok string) bool {
	var prev rune
	for i, r := range tok {
		if i > 0 {
			switch {
			case !IsRune(r):
				return true
			case unicode.IsDigit(r) != unicode.IsDigit(prev):
				return true
			case unicode.IsUpper(r) && unicode.IsLower(prev):
				return true
			case unicode.IsLower(r) && unicode.IsUpper(prev) && i > 1:
				return true
			}
		}
		prev = r
	}
	return false
}
