package reports

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/feedback/feedbacktest"
	"kb/tickets"
	"kb/tickets/ticketstest"
)

// reviewSources returns a links store and a feedback store with ticket
// links and "this helped" counts for the articles of siteFiles.
func reviewSources(t *testing.T) ReviewInput {
	t.Helper()
	ctx := context.Background()
	store := ticketstest.OpenClock(t, func() time.Time { return now })
	for _, l := range []struct {
		key, article string
		resolved     *time.Time
	}{
		{"Z-1", "zookeeper-quorum", daysAgo(5)},
		{"Z-2", "zookeeper-quorum", daysAgo(6)},
		{"D-1", "disk-full", daysAgo(1)},
		{"B-1", "backup-permissions", daysAgo(100)}, // not in the last 30 days
	} {
		_, _, err := store.Add(ctx, tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: l.key, ResolvedAt: l.resolved}, ArticleID: l.article, LinkedBy: "t"})
		require.NoError(t, err)
	}
	fb := feedbacktest.Open(t)
	for id, n := range map[string]int{"dns": 3, "etcd-no-leader": 5} {
		for range n {
			_, err := fb.Helpful(ctx, id)
			require.NoError(t, err)
		}
	}
	return ReviewInput{Links: store, Helpful: fb, URLs: testURLs}
}

func rowIDs(rows []ReviewRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func TestReviewRanking(t *testing.T) {
	snap := loadSite(t, nil)
	r := Review(context.Background(), snap, reviewSources(t), now)
	assert.Equal(t, now, r.Generated)
	assert.Equal(t, "2026-12-01", r.Today)
	assert.Equal(t, "30 days", r.DefaultText)
	assert.False(t, r.TicketsOff)
	assert.False(t, r.HelpfulOff)
	assert.Equal(t, 6, r.Due, "all but the recently reviewed etcd runbook and the index page")
	assert.Equal(t, []string{"zookeeper-quorum", "disk-full", "dns", "backup-permissions", "queue-stuck", "about"}, rowIDs(r.Articles),
		"tickets of 30 days, then helpful, then runbooks first, then the longest overdue")

	zk := r.Articles[0]
	assert.Equal(t, ReviewRow{
		ID: "zookeeper-quorum", Title: "ZooKeeper lost quorum", Type: "runbook", Path: "runbooks/zookeeper/quorum.md",
		URL: "https://kb.example.com/runbooks/zookeeper/quorum", Owners: []string{"team-zk"},
		Reviewed: "2026-06-01", Due: "2026-06-08", DaysOverdue: 176, Tickets30: 2,
		Line: "reviewed: 2026-12-01", EditURL: "https://git.example.com/edit/runbooks/zookeeper/quorum.md",
		Article: zk.Article,
	}, zk, "the article's own review_every wins")
	require.NotNil(t, zk.Article)
	assert.Equal(t, "zookeeper-quorum", zk.Article.ID)
	disk := r.Articles[1]
	assert.Empty(t, disk.Reviewed, "never reviewed")
	assert.Empty(t, disk.Due)
	assert.Zero(t, disk.DaysOverdue)
	assert.Equal(t, 3, r.Articles[2].Helpful)
	assert.Zero(t, r.Articles[3].Tickets30, "links older than 30 days do not count")
	assert.Equal(t, []string{}, r.Articles[5].Owners, "an empty list, not null")

	assert.Equal(t, []OwnerCount{{Name: "Team-Storage", Count: 1}, {Name: "team-storage", Count: 1}, {Name: "team-zk", Count: 1}}, r.Owners)
	assert.Equal(t, []string{"etcd-no-leader", "dns"}, rowIDs(r.Helpful), "the most helpful, due or not")
}

func TestReviewOwner(t *testing.T) {
	in := reviewSources(t)
	in.Owner = "TEAM-STORAGE"
	r := Review(context.Background(), loadSite(t, nil), in, now)
	assert.Equal(t, []string{"disk-full", "backup-permissions"}, rowIDs(r.Articles), "owners match in any case")
	assert.Equal(t, 6, r.Due, "counted before the owner filter")
	assert.Equal(t, "TEAM-STORAGE", r.Owner)
	assert.Len(t, r.Owners, 3, "every owner stays in the filter")
}

func TestReviewWithoutSources(t *testing.T) {
	snap := loadSite(t, map[string]string{"kb.yaml": "title: Test KB\n"})
	r := Review(context.Background(), snap, ReviewInput{URLs: testURLs}, now)
	assert.True(t, r.TicketsOff)
	assert.True(t, r.HelpfulOff)
	assert.NoError(t, r.TicketsErr, "no links store is not an error")
	assert.NoError(t, r.HelpfulErr)
	assert.Empty(t, r.DefaultText)
	assert.Equal(t, []string{"zookeeper-quorum", "disk-full", "about", "dns"}, rowIDs(r.Articles),
		"without kb.yaml's interval, the articles with their own and the never-reviewed are due")
	assert.Empty(t, r.Helpful)
}

func TestReviewUnreadableSources(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := Review(ctx, loadSite(t, nil), reviewSources(t), now)
	assert.True(t, r.TicketsOff)
	assert.ErrorIs(t, r.TicketsErr, context.Canceled)
	assert.True(t, r.HelpfulOff)
	assert.ErrorIs(t, r.HelpfulErr, context.Canceled)
	assert.Len(t, r.Articles, 6, "the report goes without them")
}
