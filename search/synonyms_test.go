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

func TestOperationsSynonyms(t *testing.T) {
	x := openSynced(t, Options{},
		art("runbooks/api-5xx.md", "# API errors\n\nThe API answers 5xx to many requests."),
		art("runbooks/api-auth.md", "# API sign-in\n\nThe API refuses requests without a token."),
		art("runbooks/etcd-latency.md", "# etcd latency\n\nRequests to etcd take long."),
		art("runbooks/etcd-members.md", "# etcd members\n\nA member left the etcd cluster."),
		art("runbooks/daemonset.md", "# DaemonSet not scheduled\n\nA daemonset has pods missing on nodes."),
		art("runbooks/deployment.md", "# Deployment not scheduled\n\nA deployment has pods missing on nodes."),
	)
	for _, tt := range []struct{ query, want string }{
		{"api requests 503", "runbooks-api-5xx"},        // an HTTP status matches its class
		{"etcd slow", "runbooks-etcd-latency"},          // a symptom matches its measure
		{"ds pods not scheduled", "runbooks-daemonset"}, // kubectl's short name
	} {
		res, err := x.Search(context.Background(), Query{Text: tt.query})
		require.NoError(t, err)
		require.NotEmpty(t, res.Hits, "no hits for %q", tt.query)
		assert.Equal(t, tt.want, res.Hits[0].ID, "top hits for %q: %v", tt.query, ids(res))
	}
}
