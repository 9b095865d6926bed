package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

func navSiteFiles() map[string]string {
	return map[string]string{
		"guides/_index.md":         "---\ntitle: The guides\nweight: 2\n---\n",
		"guides/zeta.md":           "---\ntitle: Zeta first\nweight: 1\n---\nbody\n",
		"guides/alpha.md":          "---\ntitle: Alpha\nweight: 5\nnav_title: Alpha short\n---\nbody\n",
		"guides/beta.md":           "# Beta unweighted\n\nbody\n",
		"guides/deep/one.md":       "# One deep\n",
		"guides/deep/two.md":       "# Two deep\n",
		"reference/_index.md":      "---\ntitle: Reference\nweight: 1\n---\n",
		"reference/cmd.md":         "# A command\n",
		"reference/more/other.md":  "# Other\n",
		"runbooks/etcd/leader.md":  "---\ntitle: etcd has no leader\nseverity: critical\n---\n## Check\nstep\n",
		"runbooks/etcd/disk.md":    "# etcd disk full\n",
		"runbooks/node/load.md":    "# Node load high\n",
		"runbooks/node/clock.md":   "# Node clock skew\n",
		"runbooks/general/info.md": "# Info inhibitor\n",
	}
}

// navHTML returns the navigation tree of a page.
func navHTML(t *testing.T, body string) string {
	t.Helper()
	start := strings.Index(body, `<nav class="nav-tree"`)
	require.GreaterOrEqual(t, start, 0, "the page has a navigation tree")
	end := strings.Index(body[start:], "</nav>")
	require.Greater(t, end, 0)
	return body[start : start+end]
}

func TestNavTree(t *testing.T) {
	site := newFilesSite(t, navSiteFiles())
	res := site.get(t, "/guides/alpha")
	require.Equal(t, http.StatusOK, res.status)
	nav := navHTML(t, res.body)

	// The drawer is a <details>: it opens without JavaScript.
	assert.Contains(t, res.body, `<details class="nav-drawer" id="nav-drawer">`)
	// The current page is marked, with its nav_title.
	assert.Contains(t, nav, `<a href="/guides/alpha" aria-current="page">Alpha short</a>`)
	assert.Equal(t, 1, strings.Count(nav, `aria-current="page"`))
	// Top level by weight: Reference (1) before The guides (2), before the unweighted runbooks.
	assert.Less(t, strings.Index(nav, ">Reference<"), strings.Index(nav, ">The guides<"))
	assert.Less(t, strings.Index(nav, ">The guides<"), strings.Index(nav, ">runbooks<"))
	// The branch of the page is open; its pages are in weight order, then by title.
	assert.Less(t, strings.Index(nav, "Zeta first"), strings.Index(nav, "Alpha short"))
	assert.Less(t, strings.Index(nav, "Alpha short"), strings.Index(nav, "Beta unweighted"))
	// Other folders are closed, with their counts and the fragment that fills them.
	assert.Contains(t, nav, `data-nav="/_nav?path=reference"`)
	assert.Contains(t, nav, `<summary><span class="nav-label">Reference</span> <span class="count">3</span></summary>`)
	assert.Contains(t, nav, `<a class="nav-index" href="/reference">Reference</a>`, "the folder's page is linked beside its toggle, not inside it")
	assert.Contains(t, nav, `data-nav="/_nav?path=guides%2Fdeep"`)
	assert.NotContains(t, nav, "One deep", "closed folders are not sent inline")

	// Previous and next within the folder, in the same order.
	assert.Contains(t, res.body, `<a class="prev" href="/guides/zeta" rel="prev">`)
	assert.Contains(t, res.body, `<a class="next" href="/guides/beta" rel="next">`)
	first := site.get(t, "/guides/zeta")
	assert.NotContains(t, first.body, `rel="prev"`, "the first page has no previous one")
	assert.Contains(t, first.body, `<a class="next" href="/guides/alpha" rel="next">`)
}

func TestNavFragment(t *testing.T) {
	site := newFilesSite(t, navSiteFiles())
	res := site.get(t, "/_nav?path=guides/deep")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.header.Get("Content-Type"), "text/html")
	assert.Contains(t, res.body, `<a href="/guides/deep/one">One deep</a>`)
	assert.NotContains(t, res.body, "<html", "a fragment, not a page")

	root := site.get(t, "/_nav?path=")
	assert.Contains(t, root.body, `href="/guides"`)

	missing := site.get(t, "/_nav?path=no/such")
	assert.Equal(t, http.StatusNotFound, missing.status)
}

func TestFolderPageCrumbsAndNav(t *testing.T) {
	site := newFilesSite(t, navSiteFiles())
	res := site.get(t, "/guides/deep")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, `<nav class="crumbs" aria-label="Breadcrumbs">`)
	assert.Contains(t, res.body, `<li><a href="/guides">The guides</a></li>`)
	nav := navHTML(t, res.body)
	assert.Contains(t, nav, `<a class="nav-index" href="/guides/deep" aria-current="page">deep</a>`)
	assert.Contains(t, nav, "One deep", "the folder's own entries are open")
}

func TestNavWindowOnBigFolder(t *testing.T) {
	files := map[string]string{}
	for i := range 300 {
		files["big/page-"+fmt.Sprintf("%03d", i)+".md"] = "# Page " + fmt.Sprintf("%03d", i) + "\n"
	}
	site := newFilesSite(t, files)
	res := site.get(t, "/big/page-150")
	nav := navHTML(t, res.body)
	assert.Contains(t, nav, `aria-current="page">Page 150<`)
	assert.LessOrEqual(t, strings.Count(nav, `class="nav-page"`), navWindow)
	assert.Contains(t, nav, "All 300 pages")
	assert.NotContains(t, nav, ">Page 000<", "entries far from the page are left out")

	folder := site.get(t, "/big")
	assert.Contains(t, folder.body, `<ul class="compact-list">`, "a big folder lists titles only")
}

func TestHomeGroupsRunbooksByFolder(t *testing.T) {
	site := newFilesSite(t, navSiteFiles())
	res := site.get(t, "/")
	require.Equal(t, http.StatusOK, res.status)
	assert.NotContains(t, res.body, "Other runbooks")
	for _, want := range []string{
		`<a href="/runbooks/etcd">etcd</a> <span class="count">2</span>`,
		`<a href="/runbooks/node">node</a> <span class="count">2</span>`,
		`<span class="folder-name">The guides</span><span class="count">6</span>`,
	} {
		assert.Contains(t, res.body, want)
	}
}

// corpusSite serves a corpus folder, skipping when it is absent.
func corpusSite(t *testing.T, name string) *testSite {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "corpus", name)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, root.Close()) })
	lib := content.NewLibrary(root.FS(), content.Options{NoHighlight: true}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	return newSite(t, lib, slog.New(slog.DiscardHandler))
}

// TestPageWeightPowerShell checks the done-when of issue 13 on the
// 3,091-page PowerShell docs: the home page under 150 KB of HTML, with at
// most a screenful per card, and an article under 40 KB on the wire.
func TestPageWeightPowerShell(t *testing.T) {
	site := corpusSite(t, "powershell-docs")
	home := site.get(t, "/")
	require.Equal(t, http.StatusOK, home.status)
	assert.Less(t, len(home.body), 150<<10, "home page HTML")
	cards := regexp.MustCompile(`(?s)<ul class="card-list">(.*?)</ul>`).FindAllStringSubmatch(home.body, -1)
	require.NotEmpty(t, cards)
	for _, c := range cards {
		assert.LessOrEqual(t, strings.Count(c[1], "<li>"), homeGroupSize)
	}
	assert.Contains(t, home.body, "All 472 pages")

	for _, p := range []string{
		"/reference/7.5/Microsoft.PowerShell.Core/About/about_Arrays",
		"/reference/7.5/Microsoft.PowerShell.Utility/Get-Date",
	} {
		res := site.get(t, p, "Accept-Encoding", "gzip")
		require.Equal(t, http.StatusOK, res.status, p)
		assert.Less(t, len(res.body), 40<<10, "%s on the wire", p)
		assert.Contains(t, navHTML(t, gunzip(t, res.body)), `aria-current="page"`)
	}
}

// TestHomePrometheusOperator: the runbooks are grouped by their folders.
func TestHomePrometheusOperator(t *testing.T) {
	site := corpusSite(t, "runbooks-prometheus-operator")
	home := site.get(t, "/")
	assert.NotContains(t, home.body, "Other runbooks")
	assert.Contains(t, home.body, `href="/runbooks/etcd"`)
	assert.Contains(t, home.body, `href="/runbooks/kubernetes"`)
}
