package search

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSearchFindsTheRightArticle(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	tests := []struct {
		name, query, want string
	}{
		// identifier forms
		{name: "alert name", query: "KubePodCrashLooping", want: "runbooks-kubernetes-KubePodCrashLooping"},
		{name: "alert name lower case", query: "kubepodcrashlooping", want: "runbooks-kubernetes-KubePodCrashLooping"},
		{name: "alert name as words", query: "kube pod crash looping", want: "runbooks-kubernetes-KubePodCrashLooping"},
		{name: "alert name partly", query: "pod crash looping", want: "runbooks-kubernetes-KubePodCrashLooping"},
		{name: "alert name kebab", query: "kube-pod-crash-looping", want: "runbooks-kubernetes-KubePodCrashLooping"},
		{name: "alert name joined tail", query: "crashlooping", want: "runbooks-kubernetes-KubePodCrashLooping"},
		{name: "front matter alert", query: "NodeHighNumberConntrackEntriesUsed", want: "runbooks-node-conntrack-full"},
		{name: "alert from file name", query: "etcdnoleader", want: "runbooks-etcd-etcdNoLeader"},
		{name: "single word alert", query: "watchdog", want: "runbooks-general-Watchdog"},
		// pasted errors
		{name: "dial timeout", query: "dial tcp 10.0.0.1:443: i/o timeout", want: "runbooks-network-upstream-timeout"},
		{name: "x509", query: "x509: certificate has expired or is not yet valid", want: "runbooks-tls-certificate-expired"},
		{name: "OOMKilled", query: "OOMKilled", want: "runbooks-kubernetes-container-oom"},
		{name: "conntrack", query: "nf_conntrack: table full", want: "runbooks-node-conntrack-full"},
		{name: "log line", query: "etcdserver: no leader", want: "runbooks-etcd-etcdNoLeader"},
		// symptoms and questions
		{name: "symptom", query: "etcd disk slow", want: "runbooks-etcd-etcdHighFsyncDurations"},
		{name: "question", query: "why does my pod keep restarting?", want: "runbooks-kubernetes-KubePodCrashLooping"},
		// typos
		{name: "typo", query: "conntrak table", want: "runbooks-node-conntrack-full"},
		{name: "typo in alert", query: "KubePodCrashLoopng", want: "runbooks-kubernetes-KubePodCrashLooping"},
		{name: "two typos", query: "certficate expird", want: "runbooks-tls-certificate-expired"},
		// typing
		{name: "prefix", query: "etcd fsy", want: "runbooks-etcd-etcdHighFsyncDurations"},
		{name: "prefix of alert", query: "KubePodCra", want: "runbooks-kubernetes-KubePodCrashLooping"},
		// phrases
		{name: "phrase", query: `"no leader"`, want: "runbooks-etcd-etcdNoLeader"},
		{name: "phrase and word", query: `etcd "losing quorum"`, want: "runbooks-etcd-etcdNoLeader"},
		// filters
		{name: "service filter", query: "etcd leader service:etcd", want: "articles-etcd-backups"},
		{name: "type filter", query: "type:article etcd", want: "articles-etcd-backups"},
		{name: "tag filter", query: "tag:tls expired", want: "runbooks-tls-certificate-expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := x.Search(context.Background(), Query{Text: tt.query})
			require.NoError(t, err)
			require.NotEmpty(t, res.Hits, "no hits for %q", tt.query)
			assert.Equal(t, tt.want, res.Hits[0].ID, "top hits for %q: %v", tt.query, ids(res))
		})
	}
}

func TestPhraseNobodyHasBecomesWords(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	res, err := x.Search(context.Background(), Query{Text: `kubelet says "etcd leader missing in action"`})
	require.NoError(t, err)
	assert.True(t, res.PhrasesAsWords)
	require.NotEmpty(t, res.Hits)
	assert.Equal(t, "runbooks-etcd-etcdNoLeader", res.Hits[0].ID)

	res, err = x.Search(context.Background(), Query{Text: `"losing quorum"`})
	require.NoError(t, err)
	assert.False(t, res.PhrasesAsWords)
	assert.Equal(t, []string{"runbooks-etcd-etcdNoLeader"}, ids(res))
}

func TestSearchFiltersAsFields(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	res, err := x.Search(context.Background(), Query{Text: "etcd", Type: "article"})
	require.NoError(t, err)
	assert.Equal(t, []string{"articles-etcd-backups"}, ids(res))

	// the field wins over the inline filter
	res, err = x.Search(context.Background(), Query{Text: "etcd type:runbook", Type: "article"})
	require.NoError(t, err)
	assert.Equal(t, []string{"articles-etcd-backups"}, ids(res))

	// filters alone list what they select
	res, err = x.Search(context.Background(), Query{Service: "etcd"})
	require.NoError(t, err)
	assert.Equal(t, []string{"articles-etcd-backups"}, ids(res))
}

func TestSearchResults(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	res, err := x.Search(context.Background(), Query{Text: "certificate expired"})
	require.NoError(t, err)
	require.NotEmpty(t, res.Hits)
	h := res.Hits[0]
	assert.Equal(t, "runbooks-tls-certificate-expired", h.ID)
	assert.Equal(t, "TLS certificate expired", h.Title)
	assert.Equal(t, "/runbooks/tls/certificate-expired", h.URL)
	assert.Equal(t, "runbook", h.Type)
	assert.Equal(t, "ingress", h.Service)
	assert.Equal(t, "A served certificate expired; renew it.", h.Summary)
	assert.Contains(t, string(h.Snippet), "<mark>certificate</mark>")
	assert.Contains(t, string(h.Snippet), "<mark>expired</mark>")
	assert.Positive(t, h.Score)
	assert.Contains(t, res.Facets.Type, FacetCount{Value: "runbook", Count: res.Total})
	assert.Contains(t, res.Facets.Service, FacetCount{Value: "ingress", Count: 1})
	assert.Contains(t, res.Facets.Tag, FacetCount{Value: "tls", Count: 1})
	assert.Positive(t, res.Took)
}

func TestSnippetEscapesContentAndQuery(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	res, err := x.Search(context.Background(), Query{Text: "<script>alert(1)</script>"})
	require.NoError(t, err)
	require.NotEmpty(t, res.Hits)
	s := string(res.Hits[0].Snippet)
	assert.NotContains(t, s, "<script")
	assert.Contains(t, s, "&lt;<mark>script</mark>&gt;")
	stripped := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(s)
	assert.NotContains(t, stripped, "<", "only <mark> is markup: %s", s)
}

func TestSearchPaging(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	all, err := x.Search(context.Background(), Query{Text: "etcd", Limit: 100})
	require.NoError(t, err)
	require.Greater(t, all.Total, 2)
	page, err := x.Search(context.Background(), Query{Text: "etcd", Limit: 1, Offset: 1})
	require.NoError(t, err)
	assert.Equal(t, all.Total, page.Total)
	assert.Equal(t, ids(all)[1:2], ids(page))
}

func TestZeroResultsSuggest(t *testing.T) {
	x := openSynced(t, Options{}, fixtures()...)
	res, err := x.Search(context.Background(), Query{Text: "KubePodCrashLooping service:postgres"})
	require.NoError(t, err)
	assert.Zero(t, res.Total)
	require.NotNil(t, res.Suggestions)
	require.NotEmpty(t, res.Suggestions.Runbooks)
	assert.Equal(t, "runbooks-kubernetes-KubePodCrashLooping", res.Suggestions.Runbooks[0].ID)

	res, err = x.Search(context.Background(), Query{Text: "zzqx wxtchdog"})
	require.NoError(t, err)
	if res.Total == 0 {
		require.NotNil(t, res.Suggestions)
		assert.Contains(t, res.Suggestions.Queries, "zzqx watchdog")
	}
	assert.Positive(t, x.Stats().Zero)
}
