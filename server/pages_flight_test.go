package server

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/internal/gen"
)

// renders reads kb_page_renders_total for page from /metrics.
func renders(t *testing.T, site *testSite, page string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^kb_page_renders_total\{page="` + page + `"\} (\d+)$`).FindStringSubmatch(site.get(t, "/metrics").body)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}

// TestConcurrentRequestsRenderOnce: many requests at once for a page that
// is not cached yet render it once, and all get it.
func TestConcurrentRequestsRenderOnce(t *testing.T) {
	// 3,000 articles: the home page takes long enough to render that the
	// requests overlap.
	lib := content.NewLibrary(gen.Files(3000, 1), content.Options{NoHighlight: true}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	site := newSite(t, lib, slog.New(slog.DiscardHandler))
	var article string
	for _, a := range lib.Snapshot().Articles {
		article = a.URL
		break
	}
	require.Zero(t, renders(t, site, "home"))
	require.Zero(t, renders(t, site, "article"))
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			assert.Equal(t, http.StatusOK, site.get(t, "/").status)
			assert.Equal(t, http.StatusOK, site.get(t, article).status)
		})
	}
	wg.Wait()
	assert.Equal(t, 1, renders(t, site, "home"))
	assert.Equal(t, 1, renders(t, site, "article"))
}
