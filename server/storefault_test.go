package server

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets/ticketstest"
)

// tmpfs mounts a tmpfs of size bytes on a new folder, or skips the test
// where this process may not mount (it needs root, as in CI's container).
func tmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v): the disk-full test needs root", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// remount changes the options of the tmpfs at dir.
func remount(t *testing.T, dir string, opts string) {
	t.Helper()
	require.NoError(t, syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, opts))
}

// TestDiskFullAndReadOnly fills a real tmpfs under the links store: link
// writes answer 507 with a JSON error (not 500), /readyz and /metrics say
// so, reads go on, and once space returns the next write succeeds and the
// state clears without a restart. (A read-only volume is tested in cmd/kb,
// which opens the store read-only then.)
func TestDiskFull(t *testing.T) {
	dir := tmpfs(t, 256<<10)
	store := ticketstest.OpenFile(t, filepath.Join(dir, "kb.db")) // closed before the unmount: cleanups run last-in first-out
	site := newLinkSite(t, func(d *Deps) { d.Links = store })
	write, err := store.CreateToken(t.Context(), "writer", "links:write")
	require.NoError(t, err)

	note := strings.Repeat("n", 1500)
	body := func(i int) string {
		return `{"ticket": {"system": "jira", "key": "FULL-` + fmt.Sprint(i) + `", "title": "disk fills"}, "article": "etcd-no-leader", "note": "` + note + `"}`
	}
	var full response
	i := 0
	for ; i < 2000; i++ {
		full = site.post(t, "/api/v1/links", write, body(i))
		if full.status != http.StatusCreated {
			break
		}
	}
	require.Equal(t, http.StatusInsufficientStorage, full.status, "after %d links: %s", i, full.body)
	assert.Contains(t, errorOf(t, full), "disk is full")
	assert.Contains(t, full.header.Get("Content-Type"), "json")

	var r readiness
	site.getJSON(t, "/readyz", &r)
	assert.Equal(t, "degraded", r.Status)
	require.NotNil(t, r.Links)
	assert.Equal(t, "full", r.Links.Status)
	assert.Contains(t, site.get(t, "/metrics").body, `kb_links_store_state{state="full"} 1`)
	var ta ticketArticles
	site.getJSON(t, "/api/v1/tickets/jira/FULL-0", &ta)
	assert.Len(t, ta.Links, 1, "reads go on")
	assert.False(t, site.logs.hasLine("level=ERROR", "request failed"), "a full disk is no internal error")

	remount(t, dir, "size=8m")
	res := site.post(t, "/api/v1/links", write, body(i))
	require.Equal(t, http.StatusCreated, res.status, "space is back: %s", res.body)
	site.getJSON(t, "/readyz", &r)
	assert.Equal(t, "ok", r.Links.Status, "recovered without a restart")

}
