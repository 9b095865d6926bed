package check

import (
	"context"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
	"kb/example"
)

// corpusDir returns a folder of ../shared/corpus, skipping the test when the
// shared corpus is not beside the repository (a user's clone).
func corpusDir(tb testing.TB, name string) string {
	tb.Helper()
	dir := filepath.Join("..", "..", "shared", "corpus", name)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("corpus %s not available: %v", name, err)
	}
	return dir
}

func TestExampleIsClean(t *testing.T) {
	files := example.FS()
	snap, err := content.Load(context.Background(), files, content.Options{})
	require.NoError(t, err)
	findings, err := Run(context.Background(), snap, Options{Files: files})
	require.NoError(t, err)
	for _, f := range findings {
		assert.NotEqual(t, Error, f.Level, f.String())
		t.Log(f)
	}
}

// TestPowerShellCorpus checks 3,000 files of another documentation system:
// the result must be useful (its real problems) and not noisy (its own
// front-matter keys and xref: links summarised, not listed).
func TestPowerShellCorpus(t *testing.T) {
	dir := corpusDir(t, "powershell-docs")
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	// A third of the corpus (its conceptual docs and one version of the
	// reference) keeps the test near 20 s under -race; kb check on the whole
	// corpus is measured from the command line.
	files := subsetFS{root.FS(), []string{"reference/docs-conceptual", "reference/7.7"}}
	start := time.Now()
	snap, err := content.Load(context.Background(), files, content.Options{})
	require.NoError(t, err)
	loaded := time.Now()
	findings, err := Run(context.Background(), snap, Options{Files: files})
	require.NoError(t, err)
	t.Logf("%d files: load %s, check %s", len(snap.Articles), loaded.Sub(start), time.Since(loaded))
	kinds := map[string]int{}
	for _, f := range findings {
		kinds[string(f.Level)+" "+string(f.Kind)]++
	}
	t.Logf("findings by level and kind: %v", kinds)
	for _, f := range findings {
		if f.Kind != KindBrokenImage && f.Kind != KindBrokenLink {
			t.Log(f)
		}
	}
	assert.Greater(t, len(snap.Articles), 1000)
	assert.Less(t, len(findings), 600, "summarised, not one line per use of a foreign key or scheme")
	var summaries, xref int
	for _, f := range findings {
		if f.Path == "" {
			summaries++
		}
		if strings.Contains(f.Message, `scheme "xref"`) {
			xref++
			assert.Contains(t, f.Message, "more links with scheme xref:")
		}
		assert.NotEqual(t, KindUnknownKey, f.Kind == KindUnknownKey && f.Path != "", "ms.date and friends are no typos: %s", f)
	}
	assert.Equal(t, 1, summaries, "one line for the foreign front-matter keys")
	assert.Equal(t, 1, xref, "one line for the xref: links")
	assert.Contains(t, kinds, "error front-matter", "its invalid YAML is found (aliases: - %)")
	assert.Contains(t, kinds, "error broken-anchor")
}

// subsetFS is a folder with only some of its subfolders.
type subsetFS struct {
	fs.FS
	keep []string // slash paths of the subfolders kept; their parents are kept too
}

func (s subsetFS) kept(p string) bool {
	for _, k := range s.keep {
		if p == "." || p == k || strings.HasPrefix(p, k+"/") || strings.HasPrefix(k, p+"/") {
			return true
		}
	}
	return false
}

func (s subsetFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(s.FS, name)
	out := entries[:0]
	for _, e := range entries {
		if p := path.Join(name, e.Name()); s.kept(p) {
			out = append(out, e)
		}
	}
	return out, err
}

// TestPrometheusOperatorFileNamesAnswerAlerts: the prometheus-operator
// runbooks have no front matter and are named after their alerts
// (runbooks/etcd/etcdNoLeader.md), which /alerts/{name} follows; kb check
// warned "runbook without alerts:" on 108 of them before it knew that.
func TestPrometheusOperatorFileNamesAnswerAlerts(t *testing.T) {
	dir := corpusDir(t, "runbooks-prometheus-operator")
	findings := runCheck(t, dir, Options{})
	var noAlerts, noOwners int
	for _, f := range findings {
		if f.Kind != KindMissingField {
			continue
		}
		if strings.Contains(f.Message, "alerts:") {
			noAlerts++
			t.Log(f)
		}
		if strings.Contains(f.Message, "owners:") {
			noOwners++
		}
	}
	assert.Zero(t, noAlerts, "file names stand for the alerts")
	assert.Greater(t, noOwners, 100, "service: and owners: are still asked for")
}
