package search

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

func searchIDs(t *testing.T, articles []*content.Article, popular map[string]int, text string) []string {
	t.Helper()
	opts := Options{}
	if popular != nil {
		opts.Popularity = func(id string) int { return popular[id] }
	}
	x, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { x.Close() })
	require.NoError(t, x.Sync(context.Background(), snapshot("v1", articles...)))
	res, err := x.Search(context.Background(), Query{Text: text})
	require.NoError(t, err)
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

func TestPopularityReordersNearTies(t *testing.T) {
	articles := []*content.Article{
		art("runbooks/a/queue-stuck.md", "# Queue stuck\n\nThe consumer stopped reading the queue."),
		art("runbooks/b/queue-stuck-again.md", "# Queue stuck\n\nThe consumer stopped reading the queue."),
	}
	plain := searchIDs(t, articles, nil, "queue stuck")
	require.Len(t, plain, 2)
	second := plain[1]
	boosted := searchIDs(t, articles, map[string]int{second: 20}, "queue stuck")
	assert.Equal(t, second, boosted[0], "a near-tie goes to the article that solved more tickets")
}

func TestPopularityNeverBeatsAClearlyBetterMatch(t *testing.T) {
	articles := []*content.Article{
		art("runbooks/etcd/no-leader.md", "# etcd has no leader\n\n## Mitigation\n\nRestore quorum of the etcd leader election."),
		art("articles/misc/notes.md", "# Assorted notes\n\nOnce etcd had trouble; see elsewhere."),
	}
	ids := searchIDs(t, articles, map[string]int{"articles-misc-notes": 1_000_000}, "etcd leader")
	require.NotEmpty(t, ids)
	assert.Equal(t, "runbooks-etcd-no-leader", ids[0], "the boost is capped")
}

func TestPopularityBoost(t *testing.T) {
	assert.InDelta(t, 1.0, popularityBoost(0), 1e-9)
	assert.InDelta(t, 1.0, popularityBoost(-3), 1e-9)
	assert.Greater(t, popularityBoost(10), popularityBoost(1))
	assert.InDelta(t, 1+maxPopularityBoost, popularityBoost(1_000_000), 1e-9, "capped")
}
