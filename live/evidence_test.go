package live

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/search"
	"kb/tickets"
	"kb/tickets/ticketstest"
)

// soon is how quickly a link change must be searchable; polled, never slept.
const soon = time.Second

// firstHit returns the best hit of a search for text, if any.
func firstHit(idx *search.Index, text string) (search.Hit, bool) {
	res, err := idx.Search(context.Background(), search.Query{Text: text})
	if err != nil || len(res.Hits) == 0 {
		return search.Hit{}, false
	}
	return res.Hits[0], true
}

// TestSolvedTicketFindsItsArticle links a ticket to an article in a real
// links store and expects the next search for the ticket's words to find
// the article through it within a second, and not after the link is gone.
func TestSolvedTicketFindsItsArticle(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "runbooks/disk-full.md", diskRunbook)
	write(t, dir, "runbooks/dns.md", "# DNS lookups fail\n\nCheck the resolver configuration.\n")
	lib := folderLibrary(t, dir)
	store := ticketstest.Open(t)
	ev := NewEvidence(store, nil)
	idx, err := search.Open(filepath.Join(t.TempDir(), "index"), search.Options{Evidence: ev.Of})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, idx.Close()) })
	start(t, New(Deps{Library: lib, Index: idx, Evidence: ev}))
	require.Eventually(t, idx.Ready, deadline, 10*time.Millisecond)

	const symptom = "grafana dashboards blank after upgrade"
	require.NotContains(t, found(idx, symptom), "runbooks-disk-full", "nothing links the symptom to the runbook yet")

	ctx := context.Background()
	l := tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: "OPS-123", Title: "Grafana dashboards blank after upgrade"},
		ArticleID: "runbooks-disk-full", Relation: tickets.ResolvedBy}
	_, _, err = store.Add(ctx, l)
	require.NoError(t, err)
	ev.LinksChanged(l.ArticleID)
	require.Eventually(t, finds(idx, symptom, "runbooks-disk-full"), soon, 10*time.Millisecond,
		"the article that solved the ticket is found by the ticket's words within a second")
	h, ok := firstHit(idx, "dashboards blank")
	require.True(t, ok)
	assert.Equal(t, "runbooks-disk-full", h.ID)
	require.NotNil(t, h.Ticket, "the hit says it matched through a solved ticket")
	assert.Equal(t, "OPS-123", h.Ticket.Key)

	require.NoError(t, store.Delete(ctx, "jira", "OPS-123", l.ArticleID))
	ev.LinksChanged(l.ArticleID)
	require.Eventually(t, func() bool { return !finds(idx, symptom, "runbooks-disk-full")() }, soon, 10*time.Millisecond,
		"a removed link no longer finds the article")
}

// TestAlertRulesAreEvidence indexes the summary and description of an
// alert rule named in kb.yaml for the alert's runbook.
func TestAlertRulesAreEvidence(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "kb.yaml", "rules: [rules/alerts.yaml]\n")
	write(t, dir, "rules/alerts.yaml", `groups:
- name: storage
  rules:
  - alert: VolumeAlmostFull
    expr: volume_free < 0.1
    annotations:
      summary: Persistent volume is filling up
      description: Kubelet reports less than ten percent of inodes free on the claim.
`)
	write(t, dir, "runbooks/VolumeAlmostFull.md", "# VolumeAlmostFull\n\nFree space on the volume.\n")
	write(t, dir, "runbooks/other.md", "# Something else\n\nUnrelated text.\n")
	lib := folderLibrary(t, dir)
	ev := NewEvidence(nil, nil)
	idx, err := search.Open(filepath.Join(t.TempDir(), "index"), search.Options{Evidence: ev.Of})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, idx.Close()) })
	start(t, New(Deps{Library: lib, Index: idx, Evidence: ev}))
	require.Eventually(t, idx.Ready, deadline, 10*time.Millisecond)
	h, ok := firstHit(idx, "inodes free kubelet")
	require.True(t, ok, "the words of the rule's description find its runbook")
	assert.Equal(t, "runbooks/VolumeAlmostFull.md", h.Path)
}
