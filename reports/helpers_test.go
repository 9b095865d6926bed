package reports

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"kb/content"
)

// now is the clock of every report test.
var now = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// siteFiles is the content the report tests load: runbooks of several
// severities, articles, an index page, review dates and owners.
var siteFiles = map[string]string{
	"kb.yaml":                      "title: Test KB\nbase_url: https://kb.example.com\nreview_every: 30d\n",
	"runbooks/_index.md":           "---\ntitle: Runbooks\nreviewed: 2020-01-01\n---\nAll runbooks.\n",
	"runbooks/etcd/no-leader.md":   "---\ntitle: etcd has no leader\nid: etcd-no-leader\nseverity: critical\nreviewed: 2026-11-20\n---\n",
	"runbooks/backup/denied.md":    "---\ntitle: Backup fails with permission denied\nid: backup-permissions\nseverity: warning\nowners: [team-storage]\nreviewed: 2026-01-01\n---\n",
	"runbooks/disk-full.md":        "---\ntitle: Disk is full\nid: disk-full\nowners: [Team-Storage]\n---\n",
	"runbooks/zookeeper/quorum.md": "---\ntitle: ZooKeeper lost quorum\nid: zookeeper-quorum\nseverity: critical\nowners: [team-zk]\nreviewed: 2026-06-01\nreview_every: 7d\n---\n",
	"runbooks/queue.md":            "---\ntitle: Queue is stuck\nid: queue-stuck\nseverity: info\nreviewed: 2026-10-01\n---\n",
	"articles/dns.md":              "---\ntitle: How DNS works here\nid: dns\n---\n",
	"articles/about.md":            "---\ntitle: About this knowledge base\nid: about\n---\n",
}

// loadSite writes files (over siteFiles where both name a file) to a new
// folder and loads it.
func loadSite(t *testing.T, files map[string]string) *content.Snapshot {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	for name, body := range siteFiles {
		if _, ok := files[name]; !ok {
			write(name, body)
		}
	}
	for name, body := range files {
		write(name, body)
	}
	snap, err := content.Load(context.Background(), os.DirFS(dir), content.Options{NoHighlight: true})
	require.NoError(t, err)
	return snap
}

// siteURLs are the addresses of articles as a server with kb.yaml's
// base_url would give them.
type siteURLs struct{ base string }

func (u siteURLs) Article(a *content.Article) string { return a.URL }
func (u siteURLs) Absolute(p string) string          { return u.base + p }
func (u siteURLs) Edit(a *content.Article) string    { return "https://git.example.com/edit/" + a.Path }

var testURLs = siteURLs{base: "https://kb.example.com"}

func daysAgo(n int) *time.Time {
	t := now.AddDate(0, 0, -n)
	return &t
}
