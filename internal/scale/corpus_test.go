package scale

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// corpusDir is the PowerShell docs (3,091 files) of the shared corpus, from
// this package's folder.
const corpusDir = "../../../shared/corpus/powershell-docs"

// TestStartCorpus is make bench's start-up figure (issue 10): kb serve on
// the PowerShell docs with an empty --data, time to its first article page
// and to searchable, next to a bare goldmark render of the same files and
// a bare bleve build of them, alternating kb and the anchors round by
// round (KB_SCALE_ROUNDS, default 3), then a restart on the same --data.
// KB_SCALE_BASE names another kb binary (main's) started cold first in
// every round, for a comparison in the same run. Behind KB_SCALE=1; skipped
// without the corpus.
func TestStartCorpus(t *testing.T) {
	if os.Getenv("KB_SCALE") == "" {
		t.Skip("make bench runs this (KB_SCALE=1)")
	}
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("the shared corpus is absent:", err)
	}
	content, err := filepath.Abs(corpusDir)
	require.NoError(t, err)
	rounds := 3
	if s := os.Getenv("KB_SCALE_ROUNDS"); s != "" {
		_, err := fmt.Sscan(s, &rounds)
		require.NoError(t, err, "KB_SCALE_ROUNDS")
	}
	files, err := markdownFiles(content)
	require.NoError(t, err)
	slices.Sort(files)
	rel, err := filepath.Rel(content, files[len(files)/2])
	require.NoError(t, err)
	page := "/" + strings.TrimSuffix(filepath.ToSlash(rel), ".md")

	tmp := t.TempDir()
	kb := filepath.Join(tmp, "kb")
	build := exec.Command("go", "build", "-o", kb, "../../cmd/kb")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run(), "building kb")
	self, err := os.Executable()
	require.NoError(t, err)
	var tab table
	for r := range rounds {
		work := filepath.Join(tmp, fmt.Sprintf("r%d", r))
		require.NoError(t, os.MkdirAll(work, 0o755))

		var base struct{ firstPage, ready time.Duration }
		if other := os.Getenv("KB_SCALE_BASE"); other != "" {
			// another kb binary (main's, say) cold on its own --data, in the same round
			p := startKB(t, other, content, filepath.Join(work, "base-data"))
			base.firstPage = until(t, p.start, "base kb first page "+page, func() bool { c, _ := get("http://" + p.addr + page); return c == 200 })
			base.ready = until(t, p.start, "base kb searchable", searchable(p.addr))
			p.stop(t)
		}

		p := startKB(t, kb, content, filepath.Join(work, "data"))
		health := until(t, p.start, "kb /healthz", healthz(p.addr))
		firstPage := until(t, p.start, "kb first page "+page, func() bool { c, _ := get("http://" + p.addr + page); return c == 200 })
		ready := until(t, p.start, "kb searchable", searchable(p.addr))
		cpu := p.cpu()
		p.stop(t)
		// a restart on the same --data: the index and the rendered pages are there
		p = startKB(t, kb, content, filepath.Join(work, "data"))
		warmPage := until(t, p.start, "kb warm first page "+page, func() bool { c, _ := get("http://" + p.addr + page); return c == 200 })
		warmReady := until(t, p.start, "kb warm searchable", searchable(p.addr))
		p.stop(t)

		var rnd struct {
			RenderS float64 `json:"render_s"`
		}
		runAnchor2(t, self, "render", &rnd, "KB_SCALE_DIR="+content)
		var b struct {
			BuildS float64 `json:"build_s"`
		}
		bleveCPU, _, bleveWall := runAnchor2(t, self, "bleve", &b, "KB_SCALE_DIR="+content, "KB_SCALE_INDEX="+filepath.Join(work, "bleve"))

		tab.add("cold start → /healthz answers", "s", false, health.Seconds(), rnd.RenderS)
		tab.add("cold start → first page (goal ≤ 2 s)", "s", false, firstPage.Seconds(), rnd.RenderS)
		tab.add("cold start → searchable (goal ≤ 60 s)", "s", false, ready.Seconds(), bleveWall)
		tab.add("CPU to searchable", "CPU-s", false, cpu, bleveCPU)
		if base.firstPage > 0 {
			tab.add("KB_SCALE_BASE's kb: cold start → first page", "s", false, base.firstPage.Seconds(), rnd.RenderS)
			tab.add("KB_SCALE_BASE's kb: cold start → searchable", "s", false, base.ready.Seconds(), bleveWall)
			t.Logf("round %d: KB_SCALE_BASE's kb: first page %.2fs, searchable %.1fs", r+1, base.firstPage.Seconds(), base.ready.Seconds())
		}
		tab.add("restart, index and renders kept → first page", "s", false, warmPage.Seconds(), rnd.RenderS)
		tab.add("restart, index and renders kept → searchable", "s", false, warmReady.Seconds(), bleveWall)
		t.Logf("round %d: healthz %.2fs, first page %.2fs (goldmark %.2fs), searchable %.1fs (bleve %.1fs), restart: page %.2fs, searchable %.2fs",
			r+1, health.Seconds(), firstPage.Seconds(), rnd.RenderS, ready.Seconds(), bleveWall, warmPage.Seconds(), warmReady.Seconds())
	}
	host, _ := os.Hostname()
	var out strings.Builder
	tab.print(&out, fmt.Sprintf("PowerShell docs, %d files, %d rounds, %s, %d cores, %s", len(files), rounds, host, nproc(), time.Now().UTC().Format("2006-01-02")))
	fmt.Print(out.String())
}
