package tickets

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLinkCountsFrom(t *testing.T) {
	linked := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	resolved := time.Date(2026, 8, 30, 17, 0, 0, 0, time.UTC)
	var zero time.Time
	tests := []struct {
		name       string
		resolvedAt *time.Time
		want       time.Time
	}{
		{name: "resolved", resolvedAt: &resolved, want: resolved},
		{name: "no resolution time", want: linked},
		{name: "zero resolution time is unknown", resolvedAt: &zero, want: linked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Link{Ticket: Ticket{ResolvedAt: tt.resolvedAt}, LinkedAt: linked}
			assert.Equal(t, tt.want, l.CountsFrom())
			assert.True(t, l.CountsSince(tt.want), "the window's first instant counts")
			assert.False(t, l.CountsSince(tt.want.Add(time.Nanosecond)))
		})
	}
}

func TestLinkSolves(t *testing.T) {
	tests := []struct {
		rel  Relation
		want bool
	}{
		{ResolvedBy, true},
		{Workaround, true},
		{Referenced, false},
		{Outdated, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.rel), func(t *testing.T) {
			assert.Equal(t, tt.want, Link{Relation: tt.rel}.Solves())
		})
	}
}

func TestSystemLabel(t *testing.T) {
	assert.Equal(t, "ServiceNow", SystemLabel("servicenow"))
	assert.Equal(t, "Other", SystemLabel("generic"))
	assert.Equal(t, "youtrack", SystemLabel("youtrack"), "unknown systems show as written")
}
