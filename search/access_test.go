package search

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/access"
	"kb/content"
)

func withClass(c access.Class) func(*content.Article) {
	return func(a *content.Article) { a.Class = c }
}

// TestAccessFilter: a reader's classes filter the query itself, so a hidden
// article is no hit, adds nothing to the total or the facets, and gives no
// suggestion or "did you mean" word.
func TestAccessFilter(t *testing.T) {
	x := openSynced(t, Options{},
		art("runbooks/vault/unseal.md", "# Vault unseal keys\nRotate the vault unseal quorum with shamir shares.", withClass("security,sre"), withFront("", "vault", nil, []string{"secrets"})),
		art("runbooks/etcd/disk.md", "# etcd disk full\nCompact and defragment the etcd keyspace.", withClass("employees"), withFront("", "etcd", nil, []string{"etcd"})),
		art("articles/open.md", "# Welcome\nvault is mentioned here too, for everyone.", withClass("")),
	)
	ctx := context.Background()
	emp := Query{Text: "vault", Restricted: true, Readable: []access.Class{"", "employees"}}
	res, err := x.Search(ctx, emp)
	require.NoError(t, err)
	assert.Equal(t, []string{"articles-open"}, ids(res))
	assert.Equal(t, 1, res.Total)
	for _, f := range append(res.Facets.Service, res.Facets.Tag...) {
		assert.NotEqual(t, "vault", f.Value)
		assert.NotEqual(t, "secrets", f.Value)
	}
	for _, f := range res.Facets.Folder {
		assert.NotEqual(t, "runbooks/vault", f.Value)
	}

	sre := Query{Text: "vault", Restricted: true, Readable: []access.Class{"", "employees", "security,sre"}}
	res, err = x.Search(ctx, sre)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"articles-open", "runbooks-vault-unseal"}, ids(res))

	res, err = x.Search(ctx, Query{Text: "shamir", Restricted: true, Readable: []access.Class{"", "employees"}})
	require.NoError(t, err)
	assert.Empty(t, res.Hits)
	if res.Suggestions != nil {
		assert.Empty(t, res.Suggestions.Runbooks)
	}
	res, err = x.Search(ctx, Query{Text: "unsael", Restricted: true, Readable: []access.Class{"", "employees"}})
	require.NoError(t, err)
	require.Empty(t, res.Hits)
	if res.Suggestions != nil {
		assert.NotContains(t, res.Suggestions.Queries, "unseal", "did you mean names a word of a hidden article")
		assert.Empty(t, res.Suggestions.Runbooks)
	}
	res, err = x.Search(ctx, Query{Text: "unsael"})
	require.NoError(t, err)
	found := ids(res)
	if res.Suggestions != nil {
		found = append(found, res.Suggestions.Queries...)
	}
	assert.NotEmpty(t, found, "the unrestricted search finds or corrects the misspelling")

	res, err = x.Search(ctx, Query{Text: "vault", Restricted: true})
	require.NoError(t, err)
	assert.Empty(t, res.Hits, "a reader with no class sees nothing")
	assert.Zero(t, res.Total)

	res, err = x.Search(ctx, Query{Type: "runbook", Restricted: true, Readable: []access.Class{"employees"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"runbooks-etcd-disk"}, ids(res), "a filter-only query keeps the access filter")
}
