package search

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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

func TestDateTimes(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"Feb 07 11:50:13 praefect-02 praefect[3311]: panic", []string{"Feb 07", "11:50:13"}},
		{"2022/02/08 10:22:31 [emerg] unknown directive", []string{"2022/02/08 10:22:31"}},
		{"2022-02-01 03:12:55.201 GMT [29881]: LOG:", []string{"2022-02-01 03:12:55.201", "GMT"}},
		{"4125:M 08 Feb 2022 10:11:12.345 # Client", []string{"08 Feb 2022", "10:11:12.345"}},
		{"E0802 07:51:12.340512       1 reflector.go:138]", []string{"07:51:12.340512"}},
		{"ts=2024-06-30T04:12:09.004Z caller=scrape.go:1738", []string{"2024-06-30T04:12:09.004Z"}},
		{"may not be scheduled on 3 nodes: march of the pods", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var got []string
			for _, r := range dateTimes(tt.text) {
				got = append(got, tt.text[r[0]:r[1]])
			}
			assert.Equal(t, strings.Join(tt.want, "|"), strings.ReplaceAll(strings.Join(got, "|"), " GMT", "|GMT"))
		})
	}
}
