package content

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNavWeightAndTitle(t *testing.T) {
	tests := []struct {
		name      string
		extra     map[string]any
		weight    int
		hasWeight bool
		label     string
	}{
		{name: "none", label: "Title"},
		{name: "int", extra: map[string]any{"weight": 10}, weight: 10, hasWeight: true, label: "Title"},
		{name: "float", extra: map[string]any{"weight": 2.0}, weight: 2, hasWeight: true, label: "Title"},
		{name: "string", extra: map[string]any{"weight": " 7 "}, weight: 7, hasWeight: true, label: "Title"},
		{name: "not a number", extra: map[string]any{"weight": "heavy"}, label: "Title"},
		{name: "nav_title", extra: map[string]any{"nav_title": "Short"}, label: "Short"},
		{name: "linkTitle", extra: map[string]any{"linkTitle": "Link"}, label: "Link"},
		{name: "blank nav_title", extra: map[string]any{"nav_title": "  "}, label: "Title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &Article{Title: "Title", Extra: tt.extra}
			w, ok := a.NavWeight()
			assert.Equal(t, tt.weight, w)
			assert.Equal(t, tt.hasWeight, ok)
			assert.Equal(t, tt.label, a.NavTitle())
		})
	}
}

func TestCompareNav(t *testing.T) {
	assert.Negative(t, CompareNav(5, true, "b", 0, false, "a"), "a weighted entry comes before one without")
	assert.Negative(t, CompareNav(1, true, "z", 2, true, "a"), "lighter first")
	assert.Negative(t, CompareNav(0, false, "alpha", 0, false, "Beta"), "then by label, any case")
	assert.Zero(t, CompareNav(0, false, "x", 0, false, "x"))
}
