package search

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

func TestFamily(t *testing.T) {
	tests := []struct {
		name, stem string
		want       []string
	}{
		{name: "derived noun to its verb", stem: "failur", want: []string{"fail"}},
		{name: "verb to its derived noun", stem: "fail", want: []string{"failur"}},
		{name: "short stems have none", stem: "pur", want: nil},
		{name: "nor do derived words of short stems", stem: "secur", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, family(tt.stem))
		})
	}
}

func TestWordFamilyMatchesDerivedWords(t *testing.T) {
	arts := []*content.Article{
		art("runbooks/rule-failures.md", "# Prometheus rule failures\n\nPrometheus could not evaluate some rules."),
		art("runbooks/missing-evaluations.md", "# Prometheus missing rule evaluations\n\nRule groups take too long, so evaluations are skipped."),
	}
	for _, tt := range []struct {
		name string
		off  []Rule
		want string
	}{
		{name: "on", want: "runbooks-rule-failures"},
		{name: "off", off: []Rule{RuleWordFamily}, want: "runbooks-missing-evaluations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x := openSynced(t, Options{Off: tt.off}, arts...)
			res, err := x.Search(context.Background(), Query{Text: "prometheus failing rule evaluations"})
			require.NoError(t, err)
			require.NotEmpty(t, res.Hits)
			assert.Equal(t, tt.want, res.Hits[0].ID, "top hits: %v", ids(res))
		})
	}
}
