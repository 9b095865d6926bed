package search

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSynonymsServeEveryFormOfAWord(t *testing.T) {
	x := openSynced(t, Options{Synonyms: map[string][]string{"wedge": {"deadlock"}}},
		art("runbooks/node-flapping.md", "# Node readiness flapping\n\nThe node goes ready and not ready again and again."),
		art("runbooks/node-reboot.md", "# Node rebooted\n\nThe node went down and came back."),
		art("runbooks/worker-deadlock.md", "# Worker deadlock\n\nThe worker waits on itself."),
		art("runbooks/worker-restart.md", "# Worker restarts\n\nThe worker restarts often."),
	)
	for _, tt := range []struct{ query, want string }{
		{"node flipping", "runbooks-node-flapping"},   // flip is listed; flipping is its stem
		{"node flips", "runbooks-node-flapping"},      // another form of flip
		{"worker wedged", "runbooks-worker-deadlock"}, // kb.yaml's wedge serves wedged
	} {
		res, err := x.Search(context.Background(), Query{Text: tt.query})
		require.NoError(t, err)
		require.NotEmpty(t, res.Hits, "no hits for %q", tt.query)
		assert.Equal(t, tt.want, res.Hits[0].ID, "top hits for %q: %v", tt.query, ids(res))
	}
}
