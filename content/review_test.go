package content

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestArticleReview(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	site := Site{ReviewEvery: Interval(180 * 24 * time.Hour)}
	r := (&Article{Reviewed: now.AddDate(0, 0, -200)}).Review(site, now)
	assert.True(t, r.Overdue)
	assert.Equal(t, "180 days", r.EveryText)
	assert.Equal(t, now.AddDate(0, 0, -20), r.Due)
	r = (&Article{Reviewed: now.AddDate(0, 0, -10), ReviewEvery: 7 * 24 * time.Hour}).Review(site, now)
	assert.True(t, r.Overdue, "the article's interval wins")
	assert.True(t, (&Article{}).Review(site, now).Overdue, "never reviewed")
	assert.False(t, (&Article{}).Review(Site{}, now).Overdue, "no interval anywhere")
	r = (&Article{Reviewed: now.AddDate(0, 0, -10)}).Review(site, now)
	assert.False(t, r.Overdue, "reviewed recently")
	assert.Equal(t, now.AddDate(0, 0, 170), r.Due)
}

func TestIntervalText(t *testing.T) {
	tests := []struct {
		name string
		in   time.Duration
		want string
	}{
		{name: "days", in: 180 * 24 * time.Hour, want: "180 days"},
		{name: "one day", in: 24 * time.Hour, want: "1 day"},
		{name: "not whole days", in: 36 * time.Hour, want: "36h0m0s"},
		{name: "below a day", in: 90 * time.Minute, want: "1h30m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IntervalText(tt.in))
		})
	}
}
