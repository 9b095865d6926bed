package scale

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestScaleEdit is bench-scale's edit row alone, with more edits and the
// machine quiet: kb serve --watch on KB_SCALE_SIZES articles (default
// 10000), searchable and done with its background work (highlighting,
// the index build), then KB_SCALE_EDITS single-file edits (default 30), each
// timed until the search API finds its new word and its page shows it. With
// KB_SCALE_PROFILE=FILE a CPU profile of kb serve over the edits is written
// to FILE, with KB_SCALE_ALLOCS=FILE what it allocated meanwhile.
// KB_SCALE_BUSY starts the edits as soon as kb serve is searchable, as
// bench-scale does, while highlighting may still run.
// KB_SCALE_BIN runs that kb binary instead of building this one (another
// commit's, for a before and after in the same hour). Run with KB_SCALE_EDIT=1 (make bench-edit).
func TestScaleEdit(t *testing.T) {
	if os.Getenv("KB_SCALE_EDIT") == "" {
		t.Skip("make bench-edit runs this (KB_SCALE_EDIT=1)")
	}
	n := 10000
	if s := os.Getenv("KB_SCALE_SIZES"); s != "" {
		var err error
		n, err = strconv.Atoi(strings.Split(s, ",")[0])
		require.NoError(t, err, "KB_SCALE_SIZES")
	}
	count := 30
	if s := os.Getenv("KB_SCALE_EDITS"); s != "" {
		var err error
		count, err = strconv.Atoi(s)
		require.NoError(t, err, "KB_SCALE_EDITS")
	}
	tmp := t.TempDir()
	kb := os.Getenv("KB_SCALE_BIN")
	if kb == "" {
		kb = filepath.Join(tmp, "kb")
		build := exec.Command("go", "build", "-o", kb, "../../cmd/kb")
		build.Stderr = os.Stderr
		require.NoError(t, build.Run(), "building kb")
	}
	dir := filepath.Join(tmp, "content")
	writeCollection(t, dir, n)

	debug := freeAddr(t)
	t.Setenv("KB_SCALE_FLAGS", os.Getenv("KB_SCALE_FLAGS")+" --debug-addr "+debug)
	p := startKB(t, kb, dir, filepath.Join(tmp, "data"))
	defer p.stop(t)
	ready := until(t, p.start, "kb searchable", searchable(p.addr))
	idle := ready
	if os.Getenv("KB_SCALE_BUSY") == "" {
		idle = until(t, p.start, "kb idle", quiet(p))
	}
	t.Logf("%d articles: searchable after %.1f s, idle after %.1f s", n, ready.Seconds(), idle.Seconds())

	for _, prof := range []struct{ env, kind string }{{"KB_SCALE_PROFILE", "profile"}, {"KB_SCALE_ALLOCS", "allocs"}} {
		out := os.Getenv(prof.env)
		if out == "" {
			continue
		}
		got := make(chan []byte, 1)
		secs := max(5, count/2)
		go func() {
			resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/%s?seconds=%d", debug, prof.kind, secs))
			if err != nil {
				got <- nil
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			got <- b
		}()
		defer func() {
			b := <-got
			require.NotEmpty(t, b, prof.kind)
			require.NoError(t, os.WriteFile(out, b, 0o644))
		}()
	}

	files := editTargetsN(t, dir, count)
	var search, page []float64
	for i, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		word := editWord(i/20, i%20)
		url := "http://" + p.addr + "/" + strings.TrimSuffix(strings.TrimPrefix(f, dir+"/"), ".md")
		start := time.Now()
		require.NoError(t, os.WriteFile(f, append(b, "\n\nEdited: "+word+".\n"...), 0o644))
		var sDone, pDone time.Duration
		until(t, start, "edit searchable and on its page", func() bool {
			if sDone == 0 && found(p.addr, word)() {
				sDone = time.Since(start)
			}
			if pDone == 0 {
				if _, body := get(url); strings.Contains(body, word) {
					pDone = time.Since(start)
				}
			}
			return sDone > 0 && pDone > 0
		})
		search = append(search, ms(sDone))
		page = append(page, ms(pDone))
	}
	slices.Sort(search)
	slices.Sort(page)
	pct := func(v []float64, q float64) float64 { return v[min(len(v)-1, int(q*float64(len(v))))] }
	t.Logf("%d edits of %d articles: searchable p50 %.0f ms, p90 %.0f ms, max %.0f ms; page p50 %.0f ms, max %.0f ms",
		len(search), n, pct(search, 0.5), pct(search, 0.9), search[len(search)-1], pct(page, 0.5), page[len(page)-1])
	require.Len(t, search, count)
}

// editTargetsN picks n distinct files spread over the collection.
func editTargetsN(t *testing.T, content string, n int) []string {
	var all []string
	require.NoError(t, filepath.WalkDir(content, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			all = append(all, p)
		}
		return err
	}))
	slices.Sort(all)
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, all[(i*2+1)*len(all)/(2*n)])
	}
	return out
}

// quiet reports whether p used under a tenth of a core over the last half
// second: its background work after the start is done.
func quiet(p *proc) func() bool {
	return func() bool {
		before := p.cpu()
		time.Sleep(500 * time.Millisecond)
		return p.cpu()-before < 0.05
	}
}
