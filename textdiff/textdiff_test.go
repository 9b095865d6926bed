package textdiff

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompareFiles(t *testing.T) {
	a := "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"
	b := "one\ntwo\nthree\nfour\nFIVE\nsix\nseven\neight\nnine\nten\neleven\n"
	got := Files(a, b)
	var text []string
	for _, l := range got {
		text = append(text, l.Text)
	}
	assert.Equal(t, []string{"@@ -2,9 +2,10 @@", " two", " three", " four", "-five", "+FIVE", " six", " seven", " eight", " nine", " ten", "+eleven"}, text)
	assert.Empty(t, Files(a, a), "no change, no hunk")

	far := strings.Repeat("same\n", 20)
	got = Files("x\n"+far+"y\n", "X\n"+far+"Y\n")
	hunks := 0
	for _, l := range got {
		if l.Kind == "hunk" {
			hunks++
		}
	}
	assert.Equal(t, 2, hunks, "changes far apart are two hunks")
}

func TestWordDiff(t *testing.T) {
	pa, pb := Words("restart the etcd member", "restart every etcd member")
	assert.Equal(t, []Part{{Text: "restart "}, {Text: "the", Changed: true}, {Text: " etcd member"}}, pa)
	assert.Equal(t, []Part{{Text: "restart "}, {Text: "every", Changed: true}, {Text: " etcd member"}}, pb)
	assert.Equal(t, []string{"a", "\xff", "b1", " ", "ü"}, splitWords("a\xffb1 ü"))
}

func FuzzWordDiff(f *testing.F) {
	f.Add("restart the etcd member", "restart every etcd member")
	f.Add("a\xffb", "")
	f.Fuzz(func(t *testing.T, a, b string) {
		pa, pb := Words(a, b)
		join := func(ps []Part) string {
			var sb strings.Builder
			for _, p := range ps {
				sb.WriteString(p.Text)
			}
			return sb.String()
		}
		if join(pa) != a || join(pb) != b {
			t.Fatalf("parts do not join to the lines: %q %q", a, b)
		}
		_ = Files(a, b)
		_ = ParseUnified(a)
	})
}
