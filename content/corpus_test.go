package content

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/internal/race"
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

// sampleFS lists one Markdown file in every (the first, the every+1st, ...)
// of each folder of an fs.FS, and all its other entries.
type sampleFS struct {
	fs.FS
	every int
}

func (s sampleFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(s.FS, name)
	out := entries[:0]
	md := 0
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".md") {
			if md++; (md-1)%s.every != 0 {
				continue
			}
		}
		out = append(out, e)
	}
	return out, err
}

// TestLoadCorpora loads real documentation sets with BOMs, CRLF, Hugo front
// matter and callouts: every file must load and render without a front-matter
// or render error. Under -race, where the whole PowerShell corpus takes
// minutes on a loaded machine, it loads every sixth file of each folder.
func TestLoadCorpora(t *testing.T) {
	every := 1
	if race.Enabled {
		every = 6
	}
	for _, tc := range []struct {
		name     string
		minFiles int
	}{
		{"runbooks-prometheus-operator", 100},
		{"powershell-docs", 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := corpusDir(t, tc.name)
			s, err := Load(context.Background(), sampleFS{rootFS(t, dir), every}, Options{})
			require.NoError(t, err)
			assert.GreaterOrEqual(t, len(s.Articles), tc.minFiles/every)
			for _, a := range s.Articles {
				assert.Empty(t, a.Unrendered, a.Path)
				assert.NotEmpty(t, a.Title, a.Path)
				for _, w := range a.Warnings {
					assert.NotContains(t, w.Message, "render:", w.String())
					if strings.Contains(w.Message, "front matter:") {
						// The corpus has a few real YAML mistakes (aliases "- %" and
						// "- ?", a Hugo "type: docs"); they must be reported, and
						// nothing else may be.
						assert.Contains(t, knownFrontMatterFaults, filepath.Base(a.Path), w.String())
					}
				}
			}
			t.Logf("%d articles, %d warnings, loaded in %v", len(s.Articles), s.WarningCount(), s.LoadTime)
		})
	}
}

var knownFrontMatterFaults = []string{"ForEach-Object.md", "Where-Object.md", "_index.md"}

func TestPrometheusRunbookURLs(t *testing.T) {
	dir := corpusDir(t, "runbooks-prometheus-operator")
	s, err := Load(context.Background(), rootFS(t, dir), Options{})
	require.NoError(t, err)
	tsv, err := os.ReadFile(filepath.Join(dir, "alerts.tsv"))
	require.NoError(t, err)
	for _, line := range strings.Split(strings.TrimSpace(string(tsv)), "\n")[1:] {
		cols := strings.Split(line, "\t")
		if len(cols) < 3 || cols[2] == "" {
			continue
		}
		url := "/" + strings.TrimSuffix(cols[2], ".md")
		a, ok := s.ByURL(url)
		if assert.True(t, ok, url) {
			assert.Equal(t, TypeRunbook, a.Type, url)
		}
	}
}
