package search

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/render"
)

// A table of contents at the top repeats every heading as a line: the
// sections start at the headings after it, and a hit names the section
// that holds the query, never the table of contents.
func TestSectionsAfterTableOfContents(t *testing.T) {
	// the plain text of a rendered page holds its headings as lines
	text := "Contents\nOverview\nShard allocation failure\nRetry\n" +
		"Overview\nThe cluster and its nodes.\n" +
		"Shard allocation failure\nUnassigned shards stay red until a node joins.\n" +
		"Retry\nRetry the allocation."
	a := art("docs/elastic/troubleshooting.md", "# Troubleshooting\n"+text)
	a.Doc.Text = text
	a.Doc.Headings = []render.Heading{{Level: 1, Text: "Troubleshooting"}, {Level: 2, ID: "overview", Text: "Overview"},
		{Level: 2, ID: "shard-allocation-failure", Text: "Shard allocation failure"}, {Level: 2, ID: "retry", Text: "Retry"}}

	secs := sectionsOf(a, a.Doc.Text)
	require.Len(t, secs, 4)
	assert.True(t, secs[0].toc, "the start repeats three headings: a table of contents")
	for i, want := range []string{"Overview", "Shard allocation failure", "Retry"} {
		s := secs[i+1]
		assert.Equal(t, want, s.title)
		assert.Equal(t, want, a.Doc.Text[s.off:s.off+len(want)], "section %q starts at its heading, after the contents", want)
		assert.Greater(t, s.off, len("Contents\nOverview\nShard allocation failure\nRetry"))
	}
	assert.Equal(t, secs, decodeSections(encodeSections(secs)), "stored and read back")

	x := openSynced(t, Options{}, a, art("docs/other.md", "# Nodes\nNodes join the cluster."))
	res, err := x.Search(t.Context(), Query{Text: "unassigned shards red"})
	require.NoError(t, err)
	require.NotEmpty(t, res.Hits)
	require.NotNil(t, res.Hits[0].Section)
	assert.Equal(t, "shard-allocation-failure", res.Hits[0].Section.ID)
}

// A pasted log line's message is held by one section of the right runbook,
// while its context words (component, pool, caller) name other runbooks'
// titles: the section's share of the query weighs 3× for pasted text.
func TestPastedMessageInOneSection(t *testing.T) {
	sectioned := func(p, title, text string, heads ...render.Heading) *content.Article {
		a := art(p, "# "+title+"\n"+text)
		a.Doc.Text = text
		a.Doc.Headings = append([]render.Heading{{Level: 1, Text: title}}, heads...)
		return a
	}
	text := "Overview\nSamples reach the database late.\n" +
		"Symptoms\nIngesting samples fails with different values but the same timestamp, duplicate timestamps.\n"
	right := sectioned("docs/out-of-order.md", "Out of order samples", text,
		render.Heading{Level: 2, ID: "overview", Text: "Overview"}, render.Heading{Level: 2, ID: "symptoms", Text: "Symptoms"})
	other := art("docs/scrape.md", "# Scrape errors\n\nSee the dashboards.")
	line := `level=warn caller=scrape.go:1492 component="scrape manager" scrape_pool=web target=http://10.0.0.1:9229/metrics msg="Error on ingesting samples with different value but same timestamp"`
	x := openSynced(t, Options{}, right, other)
	res, err := x.Search(t.Context(), Query{Text: line})
	require.NoError(t, err)
	require.NotEmpty(t, res.Hits)
	assert.Equal(t, right.ID, res.Hits[0].ID, "hits: %v", ids(res))
	require.NotNil(t, res.Hits[0].Section)
	assert.Equal(t, "symptoms", res.Hits[0].Section.ID)

	off := openSynced(t, Options{Off: []Rule{RuleBestSection}}, right, other)
	res, err = off.Search(t.Context(), Query{Text: line})
	require.NoError(t, err)
	require.NotEmpty(t, res.Hits)
	assert.Equal(t, other.ID, res.Hits[0].ID, "without section evidence the title word wins: %v", ids(res))
}

// The second look keeps what it reads of a hit per state of the index: an
// edit that moves the words to another section is seen by the next search.
func TestSectionAfterEditNotFromCache(t *testing.T) {
	page := func(first, second string) *content.Article {
		text := "Overview\n" + first + "\nRecovery\n" + second
		a := art("runbooks/db/replica.md", "# Replica lag\n"+text)
		a.Doc.Text = text
		a.Doc.Headings = []render.Heading{{Level: 1, Text: "Replica lag"}, {Level: 2, ID: "overview", Text: "Overview"}, {Level: 2, ID: "recovery", Text: "Recovery"}}
		return a
	}
	x := openSynced(t, Options{}, page("The replica falls behind the primary.", "Rebuild the standby from a fresh base backup."),
		art("docs/other.md", "# Backups\nBackups run nightly."))
	search := func() *Section {
		res, err := x.Search(t.Context(), Query{Text: "fresh base backup standby"})
		require.NoError(t, err)
		require.NotEmpty(t, res.Hits)
		require.Equal(t, "runbooks-db-replica", res.Hits[0].ID)
		assert.Equal(t, "Replica lag", res.Hits[0].Title)
		assert.Contains(t, string(res.Hits[0].Snippet), "<mark>")
		return res.Hits[0].Section
	}
	require.NotNil(t, search())
	require.Equal(t, "recovery", search().ID, "twice: the second from the cache")

	require.NoError(t, x.Update(t.Context(), []*content.Article{page("Rebuild the standby from a fresh base backup.", "The replica falls behind the primary.")}))
	sec := search()
	require.NotNil(t, sec)
	assert.Equal(t, "overview", sec.ID)
}
