package server

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

// backlinksSection is the "Linked from" list of an article page: it needs
// every article rendered, so an early page lacks it.
var backlinksSection = regexp.MustCompile(`(?s)<section class="backlinks".*?</section>`)

// TestEarlyPages: while the first load renders, article pages, permalinks
// and attachments are served from its early snapshot, each the same page
// as the complete snapshot's but for its backlinks, and a crowd asking for
// the same cold page gets one page; what needs the whole content (home,
// listings, search, readiness) still answers 503 with Retry-After.
func TestEarlyPages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/site")))
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, root.Close()) })
	reached, release := make(chan struct{}), make(chan struct{})
	opts := content.Options{DeferHighlight: true, Early: func(*content.Snapshot) {
		close(reached)
		<-release // the load waits here while the test asks for pages
	}}
	lib := content.NewLibrary(root.FS(), opts, slog.New(slog.DiscardHandler))
	site := newSite(t, lib, nil)
	loaded := make(chan error, 1)
	go func() { loaded <- lib.Load(context.Background()) }()
	<-reached

	const page = "/runbooks/etcd/disk-full" // linked from no-leader: it has backlinks once complete
	var wg sync.WaitGroup
	crowd := make([]response, 8)
	for i := range crowd {
		wg.Go(func() { crowd[i] = site.get(t, page) })
	}
	wg.Wait()
	early := crowd[0]
	require.Equal(t, http.StatusOK, early.status, early.body)
	for _, r := range crowd {
		assert.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, early.body, r.body, "one page for the crowd")
	}
	assert.Contains(t, early.body, "etcd disk is full")
	incident := site.get(t, page+"?mode=incident")
	assert.Equal(t, http.StatusOK, incident.status)

	perma := site.get(t, "/a/etcd-no-leader")
	assert.Equal(t, http.StatusMovedPermanently, perma.status)
	assert.Equal(t, "/runbooks/etcd/no-leader", perma.header.Get("Location"))
	assert.Equal(t, http.StatusMovedPermanently, site.get(t, "/runbooks/etcd/no-leader.md").status)
	assert.Equal(t, http.StatusOK, site.get(t, "/images/pixel.png").status, "attachments are listed")
	for _, p := range []string{"/", "/runbooks/etcd", "/tags", "/search?q=etcd", "/api/v1/search?q=etcd", "/api/v1/articles", "/readyz"} {
		r := site.get(t, p)
		assert.Equal(t, http.StatusServiceUnavailable, r.status, p)
		if !strings.HasPrefix(p, "/api/") {
			assert.Equal(t, "1", r.header.Get("Retry-After"), p)
		}
	}

	close(release)
	require.NoError(t, <-loaded)
	complete := site.get(t, page)
	require.Equal(t, http.StatusOK, complete.status)
	assert.Contains(t, complete.body, `class="backlinks"`, "the complete page lists what links to it")
	assert.NotContains(t, early.body, `class="backlinks"`)
	assert.Equal(t, words(backlinksSection.ReplaceAllString(complete.body, "")), words(early.body), "the early page is the complete one but for its backlinks")
	assert.Equal(t, http.StatusOK, site.get(t, "/").status)
	assert.Equal(t, http.StatusOK, site.get(t, "/readyz").status)
}

// words is s with every run of white space made one space.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }
