package content

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		name, glob, path string
		want             bool
	}{
		{name: "runbooks at the root", glob: "**/runbooks/**", path: "runbooks/etcd/no-leader.md", want: true},
		{name: "runbooks below", glob: "**/runbooks/**", path: "docs/runbooks/x.md", want: true},
		{name: "letter case", glob: "**/runbooks/**", path: "Runbooks/X.md", want: true},
		{name: "a file named runbooks", glob: "**/runbooks/**", path: "runbooks.md", want: false},
		{name: "openshift layout", glob: "**/alerts/**", path: "alerts/cluster-monitoring-operator/TargetDown.md", want: true},
		{name: "one star is one segment", glob: "ops/*.md", path: "ops/a/b.md", want: false},
		{name: "one star", glob: "ops/*.md", path: "ops/b.md", want: true},
		{name: "double star at the end", glob: "ops/**", path: "ops/a/b/c.md", want: true},
		{name: "double star in the middle", glob: "ops/**/*.md", path: "ops/b.md", want: true},
		{name: "slashes around", glob: "/ops/**/", path: "ops/b.md", want: true},
		{name: "elsewhere", glob: "ops/**", path: "docs/ops/b.md", want: false},
		{name: "malformed", glob: "ops/[", path: "ops/[", want: false},
		{name: "too many double stars", glob: "**/**/a/**/b/**/c/**/d/**/e", path: "a/b/c/d/e", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, MatchGlob(tt.glob, tt.path))
		})
	}
}

func FuzzMatchGlob(f *testing.F) {
	f.Add("**/runbooks/**", "runbooks/a.md")
	f.Add("ops/*/[a-", "ops/x/y")
	f.Add("**/**/**/**/**/x", "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/y")
	f.Fuzz(func(t *testing.T, glob, p string) {
		got := MatchGlob(glob, p)
		if validGlob(glob) != "" && !got {
			return
		}
		if glob == "**" {
			assert.True(t, got)
		}
		if got && strings.Count(glob, "**") < maxGlobStars {
			assert.True(t, MatchGlob("**/"+strings.Trim(glob, "/"), p), "a leading ** never loses a match")
		}
	})
}

func TestSiteRunbooks(t *testing.T) {
	s, warns := ParseSite([]byte("runbooks: [\"ops/**\", \"ops/[\", \"\"]\n"))
	assert.Equal(t, []string{"ops/**"}, s.Runbooks)
	require.Len(t, warns, 2)
	assert.Contains(t, warns[0].Message, `runbooks: "ops/[" is malformed pattern`)
	assert.True(t, s.IsRunbookPath("ops/disk.md"))
	assert.False(t, s.IsRunbookPath("runbooks/disk.md"), "a runbooks: list replaces the defaults")
	def, _ := ParseSite(nil)
	assert.True(t, def.IsRunbookPath("runbooks/disk.md"))
	assert.True(t, def.IsRunbookPath("alerts/op/TargetDown.md"))
	assert.False(t, def.IsRunbookPath("docs/disk.md"))
}

// TestOpenShiftLayout: OpenShift's runbooks are alerts/<operator>/<AlertName>.md
// without front matter, and its alerts' runbook_urls point there; each is a
// runbook for the alert its file names.
func TestOpenShiftLayout(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"alerts/cluster-monitoring-operator/TargetDown.md":                   "# TargetDown\n\n## Meaning\n",
		"alerts/cluster-etcd-operator/etcdHighFsyncDurations.md":             "# etcdHighFsyncDurations\n",
		"alerts/openshift-kube-apiserver-operator/KubeAPIErrorBudgetBurn.md": "# KubeAPIErrorBudgetBurn\n",
		"alerts/README.md":                              "# Alerts\n",
		"docs/intro.md":                                 "# Intro\n",
		"playbooks/disk/DiskFull.md":                    "# Disk full\n",
		"alerts/cluster-monitoring-operator/Article.md": "---\ntype: article\n---\n# Not a runbook\n",
	}
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	snap, err := Load(context.Background(), root.FS(), Options{})
	require.NoError(t, err)
	for _, name := range []string{"TargetDown", "targetdown", "etcdHighFsyncDurations", "KubeAPIErrorBudgetBurn"} {
		a, ok := snap.ByAlert(name)
		require.True(t, ok, name)
		assert.Equal(t, TypeRunbook, a.Type, name)
	}
	a, _ := snap.ByPath("alerts/cluster-monitoring-operator/TargetDown.md")
	require.NotNil(t, a)
	assert.Equal(t, []string{"TargetDown"}, a.AlertNames(), "the file name stands for the alert")
	assert.Equal(t, "TargetDown", a.FileAlert())
	_, ok := snap.ByAlert("DiskFull")
	assert.False(t, ok, "playbooks/ is no runbook folder by default")
	art, _ := snap.ByPath("alerts/cluster-monitoring-operator/Article.md")
	require.NotNil(t, art)
	assert.Equal(t, TypeArticle, art.Type, "the front matter's type wins")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "kb.yaml"), []byte("runbooks: [playbooks/**]\n"), 0o644))
	snap, err = Load(context.Background(), root.FS(), Options{})
	require.NoError(t, err)
	a, ok = snap.ByAlert("DiskFull")
	require.True(t, ok, "kb.yaml runbooks: globs")
	assert.Equal(t, "playbooks/disk/DiskFull.md", a.Path)
	_, ok = snap.ByAlert("TargetDown")
	assert.False(t, ok, "runbooks: replaces the defaults")
}

func TestAlertNames(t *testing.T) {
	snap, err := Load(context.Background(), fstest.MapFS{
		"runbooks/a/KubePodCrashLooping.md": {Data: []byte("# Pod crash looping\n")},
		"runbooks/a/disk-full.md":           {Data: []byte("# Disk full\n")},
		"runbooks/a/x.md":                   {Data: []byte("---\nalerts: [A1, B2]\n---\n# TargetDown\n")},
		"docs/TargetDown.md":                {Data: []byte("# TargetDown\n")},
	}, Options{})
	require.NoError(t, err)
	names := map[string][]string{}
	files := map[string]string{}
	for _, a := range snap.Articles {
		names[a.Path] = a.AlertNames()
		files[a.Path] = a.FileAlert()
	}
	assert.Equal(t, map[string]string{"runbooks/a/KubePodCrashLooping.md": "KubePodCrashLooping", "runbooks/a/disk-full.md": "", "runbooks/a/x.md": "", "docs/TargetDown.md": ""}, files)
	assert.Equal(t, map[string][]string{
		"runbooks/a/KubePodCrashLooping.md": {"KubePodCrashLooping"},
		"runbooks/a/disk-full.md":           nil,
		"runbooks/a/x.md":                   {"A1", "B2"},
		"docs/TargetDown.md":                nil,
	}, names)
}
