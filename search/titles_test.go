package search

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

func TestTitles(t *testing.T) {
	snap := snapshot("v1",
		art("runbooks/etcd/no-leader.md", "# etcd has no leader"),
		art("runbooks/etcd/fsync.md", "# etcd fsync is slow"),
		art("runbooks/node/disk.md", "# Disk full"),
		art("kb/leader-election.md", "# How leader election works"),
	)
	tests := []struct {
		name, text string
		p          Params
		n          int
		want       []string // ids, best first
	}{
		{name: "most words first", text: "etcd leader", n: 10, want: []string{"runbooks-etcd-no-leader", "runbooks-etcd-fsync", "kb-leader-election"}},
		{name: "equals keep the snapshot's order", text: "etcd", n: 10, want: []string{"runbooks-etcd-no-leader", "runbooks-etcd-fsync"}},
		{name: "case is ignored", text: "DISK", n: 10, want: []string{"runbooks-node-disk"}},
		{name: "parts of words match", text: "elect", n: 10, want: []string{"kb-leader-election"}},
		{name: "at most n", text: "etcd leader", n: 1, want: []string{"runbooks-etcd-no-leader"}},
		{name: "inline filters are not words", text: "type:runbook disk", n: 10, want: []string{"runbooks-node-disk"}},
		{name: "filters do not apply", text: "leader", p: Params{Type: "runbook"}, n: 10, want: []string{"runbooks-etcd-no-leader", "kb-leader-election"}},
		{name: "no words", text: "  ", n: 10},
		{name: "nothing matches", text: "zzqxjv", n: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(tt.text, tt.p)
			require.NoError(t, err)
			got := Titles(snap, q, tt.n)
			assert.Equal(t, tt.want, articleIDs(got))
		})
	}
	assert.Equal(t, []string{"runbooks-node-disk"}, articleIDs(Titles(snap, Query{Text: "disk"}, 10)), "a literal is parsed")
}

func articleIDs(as []*content.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}
