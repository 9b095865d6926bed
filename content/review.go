package content

import (
	"strconv"
	"time"
)

// Review is the review state of an article at one moment, as the article
// page and the review report show it.
type Review struct {
	Reviewed  time.Time     // zero when never reviewed
	Every     time.Duration // the article's review_every, else kb.yaml's; zero: no reviews expected
	EveryText string        // Every as IntervalText writes it ("180 days"); "" when Every is zero
	Due       time.Time     // Reviewed + Every; zero when never reviewed or no interval
	Overdue   bool          // past Due, or never reviewed while an interval applies
}

// Review returns the review state of a at now under the site's default
// interval. An article's own review_every wins over kb.yaml's.
func (a *Article) Review(site Site, now time.Time) Review {
	r := Review{Reviewed: a.Reviewed, Every: a.ReviewEvery}
	if r.Every == 0 {
		r.Every = time.Duration(site.ReviewEvery)
	}
	if r.Every == 0 {
		return r
	}
	r.EveryText = IntervalText(r.Every)
	if r.Reviewed.IsZero() {
		r.Overdue = true
		return r
	}
	r.Due = r.Reviewed.Add(r.Every)
	r.Overdue = now.After(r.Due)
	return r
}

// IntervalText writes a review interval in days ("180 days", "1 day"), or
// as Go writes a duration when it is not a whole number of days.
func IntervalText(d time.Duration) string {
	if days := d / (24 * time.Hour); days >= 1 && d%(24*time.Hour) == 0 {
		if days == 1 {
			return "1 day"
		}
		return strconv.Itoa(int(days)) + " days"
	}
	return d.String()
}
