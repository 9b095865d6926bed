package check

import (
	"context"
	"os"
	"path/filepath"
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
	start := time.Now()
	snap, err := content.Load(context.Background(), root.FS(), content.Options{})
	require.NoError(t, err)
	loaded := time.Now()
	findings, err := Run(context.Background(), snap, Options{Files: root.FS()})
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
	assert.Less(t, len(findings), 600, "summarised, not one line per use of a foreign key or scheme")
}
