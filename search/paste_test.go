package search

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

func TestIsNoise(t *testing.T) {
	tests := []struct {
		tok  string
		want bool
	}{
		{"10.2.14.9", true}, {"8080", true}, {"404", false}, {"137", false},
		{"8e9e05c52164694d", true}, {"0x20", true}, {"2024-06-30T04", true}, {"E0802", true},
		{"x509", false}, {"k8s", false}, {"5xx", false}, {"ipv4", false}, {"etcd", false}, {"abcdef", false},
	}
	for _, tt := range tests {
		t.Run(tt.tok, func(t *testing.T) { assert.Equal(t, tt.want, isNoise(tt.tok)) })
	}
}

func TestIsPasted(t *testing.T) {
	tests := []struct {
		name, text string
		want       bool
	}{
		{name: "typed phrase", text: `kubelet says "etcd leader missing in action"`, want: false},
		{name: "typed words", text: "pods keep restarting", want: false},
		{name: "quotes glued to words", text: `-n "openshift-ingress": Cannot evict pod`, want: true},
		{name: "log line", text: `level=error ts=2022-02-07T16:20:41Z msg="Error reading file" path=/opt/x.yml`, want: true},
		{name: "long line", text: "the desired replica count is more than the maximum replica count for this one", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, isPasted(lex(tt.text).parsed)) })
	}
}

// FuzzPastedQuery checks that any text, read as pasted or not, plans and
// searches without failing.
func FuzzPastedQuery(f *testing.F) {
	for _, s := range []string{`msg="a b" x=1`, `"":`, `""=`, `{"level":"info","ts":"2024"}`, "worker-5f8d9c7b6-x2kqz 10.0.0.1:443", `a"b"c`, "\x00\"=\""} {
		f.Add(s)
	}
	x := openSynced(f, Options{}, fixtures()...)
	f.Fuzz(func(t *testing.T, text string) {
		p := lex(text).parsed
		_ = isPasted(p)
		q, err := ParseQuery(text, Params{})
		if err != nil {
			return
		}
		if _, err := x.Search(t.Context(), q); err != nil {
			assert.ErrorIs(t, err, ErrBadQuery)
		}
	})
}

func TestMessageWords(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{name: "logfmt", in: `level=warn caller=scrape.go:1 msg="Creating target failed" err="no address" pool=a/b`,
			want: []string{"address", "creating", "failed", "no", "target"}},
		{name: "json", in: `{"level":"warn","msg":"alarm raised","alarm":"NOSPACE"}`, want: []string{"alarm", "raised"}},
		{name: "escaped quotes", in: `err="parse \"/var/x.prom\": bad value"`, want: []string{"bad", "parse", "value", "var/x.prom"}}, // words as queries split them
		{name: "klog", in: `E0312 08:15:32.441907 2231 kubelet.go:2373] "Skipping pod sync" err="PLEG is not healthy"`,
			want: []string{"healthy", "is", "not", "pleg", "pod", "skipping", "sync"}},
		{name: "unquoted", in: `err=timeout target=x`, want: []string{"timeout"}},
		{name: "key inside a word", in: `num_errors=3 transmsg=x`, want: nil},
		{name: "no message", in: `dial tcp 10.0.0.1:80: connect: connection refused`, want: nil},
		{name: "error: in prose", in: `remote: error: object file is empty`, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for w := range messageWords(tt.in) {
				got = append(got, w)
			}
			slices.Sort(got)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestMessageWordsPickTheSectionOfTheMessage(t *testing.T) {
	// Both runbooks hold the words of the line; one section of the first
	// holds its context (a log line of the same component), one section of
	// the second its message.
	arts := []*content.Article{
		art("runbooks/scrape-logs.md", "# Reading scrape logs\n\n## Logs\n\nEach line names the scrape manager component, the scrape pool, the target and the caller.\n\n## Other\n\nSamples of one target are ingested in order."),
		art("runbooks/out-of-order.md", "# Samples out of order\n\n## Meaning\n\nThe target exposes samples out of order, and ingesting them fails.\n\n## Logs\n\nSee the scrape logs."),
	}
	line := `level=warn caller=scrape.go:1738 component="scrape manager" scrape_pool=payments/api/0 target=http://10.2.14.9:8080/metrics msg="Error on ingesting out-of-order samples" num_dropped=42`
	for _, tt := range []struct {
		name string
		off  []Rule
		want string
	}{
		{name: "on", want: "runbooks-out-of-order"},
		{name: "off", off: []Rule{RuleMessageWords}, want: "runbooks-scrape-logs"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x := openSynced(t, Options{Off: tt.off}, arts...)
			res, err := x.Search(context.Background(), Query{Text: line})
			require.NoError(t, err)
			require.NotEmpty(t, res.Hits)
			assert.Equal(t, tt.want, res.Hits[0].ID, "top hits: %v", ids(res))
		})
	}
}
