package server

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

func TestAlertRedirectsToRunbook(t *testing.T) {
	site := newTestSite(t)
	for _, name := range []string{"etcdNoLeader", "etcdnoleader", "ETCD_NO_LEADER", "etcd-no-leader"} {
		res := site.get(t, "/alerts/"+name)
		assert.Equal(t, http.StatusFound, res.status, name)
		assert.Equal(t, "/runbooks/etcd/no-leader", res.header.Get("Location"), name)
	}
}

func TestAlertCarriesLabels(t *testing.T) {
	site := newTestSite(t)
	res := site.get(t, "/alerts/etcdNoLeader?pod=etcd-0&namespace=kube+system&bad-name=x&mode=incident&q=%3Cb%3E")
	require.Equal(t, http.StatusFound, res.status)
	loc, err := url.Parse(res.header.Get("Location"))
	require.NoError(t, err)
	assert.Empty(t, loc.Host)
	assert.Equal(t, "/runbooks/etcd/no-leader", loc.Path)
	assert.Equal(t, url.Values{"pod": {"etcd-0"}, "namespace": {"kube system"}, "mode": {"incident"}, "q": {"<b>"}}, loc.Query())
}

func TestAlertWithoutRunbook(t *testing.T) {
	site := newTestSite(t)
	res := site.get(t, "/alerts/EtcdDiskAlmostFull?service=etcd&severity=critical")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "No runbook yet for")
	assert.Contains(t, res.body, "/runbooks/etcd/disk-full", "the closest runbook")
	assert.Contains(t, res.body, "team-platform", "owners of the service's runbooks")
	assert.Contains(t, res.body, "runbooks/etcd/etcddiskalmostfull.md", "the file to create")
	assert.Contains(t, res.body, "alerts:", "the pre-filled front matter")
	assert.Contains(t, res.body, "https://git.example.com/kb/-/new/main/runbooks/etcd?file_name=", "GitLab's new-file page")
}

func TestAlertBadNames(t *testing.T) {
	site := newTestSite(t)
	for _, p := range []string{
		"/alerts/a/b", "/alerts/a%2Fb", "/alerts/..", "/alerts/%2e%2e%2fetc", "/alerts/%2F%2Fevil.example",
		"/alerts/" + strings.Repeat("A", 10<<10), "/alerts/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/alerts//",
		"/alerts/a%22onload%3D", "/alerts/%00",
	} {
		res := site.get(t, p)
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusNotFound}, res.status, p)
		assert.Empty(t, res.header.Get("Location"), p)
		assert.NotContains(t, res.body, "<script>alert", p)
	}
	res := site.get(t, "/alerts/High%20CPU%20usage?team=%3Cb%3Eops%3C%2Fb%3E")
	assert.Equal(t, http.StatusOK, res.status, "spaces: a Grafana rule name")
	assert.Contains(t, res.body, "&lt;b&gt;ops&lt;/b&gt;")
	assert.NotContains(t, res.body, "<b>ops")
}

// TestAlertWithoutName: Prometheus expands {{ $labels.alertname }} to ""
// inside annotations, so such a runbook_url arrives as /alerts/?labels.
// The page says why and what to write instead, never a 400.
func TestAlertWithoutName(t *testing.T) {
	site := newTestSite(t)
	for _, p := range []string{"/alerts/", "/alerts", "/alerts/?namespace=shop&pod=cart-1"} {
		res := site.get(t, p)
		assert.Equal(t, http.StatusNotFound, res.status, p)
		assert.Contains(t, res.body, "This alert link names no alert", p)
		assert.Contains(t, res.body, "$labels.alertname", p)
		assert.Contains(t, res.body, "/alerts/KubePodCrashLooping?namespace=", p)
		assert.Contains(t, res.body, "runbookURLPattern", p)
		assert.Contains(t, res.body, "/alerts/%s", p)
	}
	res := site.get(t, "/alerts/?namespace=shop&pod=%3Cb%3Ecart")
	assert.Contains(t, res.body, "<dt>namespace</dt><dd><code>shop</code>", "the labels the link carried")
	assert.Contains(t, res.body, "&lt;b&gt;cart")
}

func TestAlertTrailingSlash(t *testing.T) {
	site := newTestSite(t)
	res := site.get(t, "/alerts/etcdNoLeader/?pod=etcd-0")
	assert.Equal(t, http.StatusFound, res.status)
	assert.Equal(t, "/runbooks/etcd/no-leader?pod=etcd-0", res.header.Get("Location"))
	res = site.get(t, "/alerts/EtcdDiskAlmostFull/")
	assert.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "No runbook yet for")
}

// TestAlertsCorpus checks the done-when of issue 6: every alert of
// alerts.tsv with a runbook redirects to it from /alerts/NAME in any case;
// the others land on a page.
func TestAlertsCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus", "runbooks-prometheus-operator")
	f, err := os.Open(filepath.Join(dir, "alerts.tsv"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, root.Close()) })
	lib := content.NewLibrary(root.FS(), content.Options{}, slog.New(slog.DiscardHandler))
	require.NoError(t, lib.Load(context.Background()))
	site := newSite(t, lib, slog.New(slog.DiscardHandler))
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	redirected, landed := 0, 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		require.GreaterOrEqual(t, len(cols), 3)
		name, rb := cols[0], cols[2]
		if _, err := os.Stat(filepath.Join(dir, rb)); rb == "" || err != nil {
			res := site.get(t, "/alerts/"+name)
			assert.Equal(t, http.StatusOK, res.status, name)
			landed++
			continue
		}
		want := content.URLFor(rb)
		for _, n := range []string{name, strings.ToLower(name), strings.ToUpper(name)} {
			res := site.get(t, "/alerts/"+n+"?namespace=monitoring")
			if assert.Equal(t, http.StatusFound, res.status, n) {
				assert.Equal(t, href(want)+"?namespace=monitoring", res.header.Get("Location"), n)
			}
		}
		redirected++
	}
	require.NoError(t, sc.Err())
	assert.Greater(t, redirected, 50)
	t.Logf("%d alerts redirect to their runbook, %d land on the no-runbook page", redirected, landed)

	res := site.get(t, "/runbooks/kubernetes/kubepodcrashlooping")
	assert.Equal(t, http.StatusMovedPermanently, res.status)
	assert.Equal(t, "/runbooks/kubernetes/KubePodCrashLooping", res.header.Get("Location"))
}

// newFilesSite serves the files (slash path → content) of a new content
// folder in a temporary directory.
func newFilesSite(t *testing.T, files map[string]string) *testSite {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, root.Close()) })
	log := slog.New(slog.DiscardHandler)
	lib := content.NewLibrary(root.FS(), content.Options{}, log)
	require.NoError(t, lib.Load(context.Background()))
	site := newSite(t, lib, log)
	site.dir = dir
	return site
}

// TestUpstreamRunbookURLs: the runbook_urls of public rule sets land on the
// runbook when kb serves that collection: kube-prometheus's
// /runbooks/<group>/<lower-cased alert name> (its files are named
// NodeFilesystemSpaceFillingUp.md) and OpenShift's
// alerts/<operator>/<AlertName>.md (a folder that kb's /alerts route shadows).
func TestUpstreamRunbookURLs(t *testing.T) {
	site := newFilesSite(t, map[string]string{
		"runbooks/node/NodeFilesystemSpaceFillingUp.md":    "# NodeFilesystemSpaceFillingUp\n",
		"runbooks/general/watchdog.md":                     "# Watchdog\n",
		"alerts/cluster-monitoring-operator/TargetDown.md": "# TargetDown\n",
		"docs/intro.md": "# Intro\n",
	})
	tests := []struct{ path, loc string }{
		{"/runbooks/node/nodefilesystemspacefillingup", "/runbooks/node/NodeFilesystemSpaceFillingUp"},
		{"/runbooks/node/nodefilesystemspacefillingup?mountpoint=/var", "/runbooks/node/NodeFilesystemSpaceFillingUp?mountpoint=%2Fvar"},
		{"/runbooks/other-group/NodeFilesystemSpaceFillingUp", "/runbooks/node/NodeFilesystemSpaceFillingUp"},
		{"/alerts/cluster-monitoring-operator/TargetDown.md", "/a/alerts-cluster-monitoring-operator-targetdown"},
		{"/alerts/cluster-monitoring-operator/TargetDown", "/a/alerts-cluster-monitoring-operator-targetdown"},
		{"/alerts/TargetDown", "/a/alerts-cluster-monitoring-operator-targetdown"},
	}
	for _, tt := range tests {
		res := site.get(t, tt.path)
		assert.Contains(t, []int{http.StatusFound, http.StatusMovedPermanently}, res.status, tt.path)
		assert.Equal(t, tt.loc, res.header.Get("Location"), tt.path)
	}
	for _, p := range []string{"/runbooks/node/NoSuchAlert", "/docs/nothing", "/alerts/x/NoSuchAlert"} {
		res := site.get(t, p)
		assert.Contains(t, []int{http.StatusNotFound, http.StatusBadRequest}, res.status, p)
		assert.Empty(t, res.header.Get("Location"), p)
	}
	res := site.get(t, "/a/alerts-cluster-monitoring-operator-targetdown")
	assert.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "TargetDown")
}

// TestAlertBannerOnlyWhenFilled: the note over a runbook opened from an
// alert names its labels, and says "Highlighted values in the commands are
// placeholders" only when some were filled; shell variables ($NAMESPACE,
// ${POD}) are placeholders too.
func TestAlertBannerOnlyWhenFilled(t *testing.T) {
	site := newFilesSite(t, map[string]string{
		"runbooks/shop/KubePodCrashLooping.md": "# KubePodCrashLooping\n\n```sh\nkubectl -n $NAMESPACE logs ${POD} --previous\necho $HOME\n```\n",
		"runbooks/shop/TargetDown.md":          "# TargetDown\n\nCheck the target page.\n",
	})
	res := site.get(t, "/alerts/KubePodCrashLooping?namespace=shop&pod=cart-1")
	require.Equal(t, http.StatusFound, res.status)
	res = site.get(t, res.header.Get("Location"))
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "Filled in from the alert:")
	assert.Contains(t, res.body, "Highlighted values in the commands are these labels")
	assert.Contains(t, res.body, `title="$NAMESPACE">shop</mark>`)
	assert.Contains(t, res.body, `title="${POD}">cart-1</mark>`)
	assert.Contains(t, res.body, "$HOME")

	res = site.get(t, "/runbooks/shop/TargetDown?namespace=shop")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "Labels of the alert:")
	assert.Contains(t, res.body, "namespace=shop")
	assert.NotContains(t, res.body, "Highlighted values in the commands are these labels", "nothing was filled")
}

// TestAlertsWithoutRunbookMetric: /metrics counts the alerts of kb.yaml's
// rule files that no runbook answers, as /reports/coverage lists them.
func TestAlertsWithoutRunbookMetric(t *testing.T) {
	site := newFilesSite(t, map[string]string{
		"kb.yaml":                         "rules: [monitoring/rules.yml]\n",
		"monitoring/rules.yml":            "groups:\n- name: g\n  rules:\n  - alert: TargetDown\n    expr: up == 0\n  - alert: NoBook\n    expr: vector(1)\n  - alert: NoBookEither\n    expr: vector(1)\n",
		"alerts/monitoring/TargetDown.md": "# TargetDown\n",
	})
	assert.Equal(t, 2.0, metricValue(t, site, "kb_alerts_without_runbook"))
	var r struct {
		Report struct {
			Missing []struct{ Alert string } `json:"missing"`
		} `json:"report"`
	}
	res := site.get(t, "/reports/coverage?format=json")
	require.Equal(t, http.StatusOK, res.status)
	require.NoError(t, json.Unmarshal([]byte(res.body), &r))
	assert.Len(t, r.Report.Missing, 2)
}
