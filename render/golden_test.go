package render_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/render"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.html")

// TestRenderGolden renders every testdata/*.md as testPath against testSite
// and compares the HTML with testdata/*.golden.html. Review the diff of
// go test -run TestRenderGolden -update before committing it.
func TestRenderGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.md")
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	r := render.New(render.Options{})
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			doc := renderWith(t, r, render.Input{Path: testPath, Source: mustRead(t, in), Links: testSite})
			golden := strings.TrimSuffix(in, ".md") + ".golden.html"
			if *update {
				require.NoError(t, os.WriteFile(golden, doc.HTML, 0o644))
			}
			assert.Equal(t, string(mustRead(t, golden)), string(doc.HTML))
		})
	}
}
