package scale

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// memoryRound is a round of the memory rows alone (KB_SCALE_ROWS=memory):
// kb serve cold on an empty --data until it is searchable and has gone
// quiet (highlighting and the index build done), then 200 page views and
// 200 searches, as the anchor gets; its peak RSS, its RSS and its live heap
// then (a heap profile after a collection, through --debug-addr). With
// KB_SCALE_BASE naming other kb binaries (main's; several, separated by
// commas), those run first in every round, the same way, for a before and
// after in the same run.
// KB_SCALE_HEAP=DIR writes heap profiles there, when searchable and when
// measured (BINARY-searchable.pprof, BINARY-steady.pprof). Then
// the anchors: the bare bleve build (peak) and the bare server (steady).
func memoryRound(t *testing.T, tab *table, kb, self, content, page, work string) {
	var kbs []struct{ name, bin string }
	for _, base := range strings.Split(os.Getenv("KB_SCALE_BASE"), ",") {
		if base != "" {
			kbs = append(kbs, struct{ name, bin string }{filepath.Base(base), base})
		}
	}
	kbs = append(kbs, struct{ name, bin string }{"kb", kb})
	type mem struct{ peak, steady, heap, ready float64 }
	got := map[string]mem{}
	flags := os.Getenv("KB_SCALE_FLAGS")
	for _, k := range kbs {
		data := filepath.Join(work, "data-"+filepath.Base(k.bin))
		require.NoError(t, os.RemoveAll(data))
		debug := freeAddr(t)
		t.Setenv("KB_SCALE_FLAGS", flags+" --debug-addr "+debug)
		p := startKB(t, k.bin, content, data)
		ready := until(t, p.start, k.name+" searchable", searchable(p.addr))
		saveHeap(t, debug, k.bin, "searchable")
		quietLong(t, p)
		for range 200 {
			get("http://" + p.addr + page)
			get("http://" + p.addr + "/search?q=etcd")
		}
		m := mem{peak: p.status("VmHWM"), steady: p.status("VmRSS"), heap: liveHeapMB(t, debug), ready: ready.Seconds()}
		saveHeap(t, debug, k.bin, "steady")
		got[k.name] = m
		rssLine := fmt.Sprintf("anonymous %.0f, files mapped %.0f", p.status("RssAnon"), p.status("RssFile"))
		p.stop(t)
		t.Logf("%s: searchable %.1f s, peak RSS %.0f MB, steady RSS %.0f MB (%s), live heap %.0f MB", k.name, m.ready, m.peak, m.steady, rssLine, m.heap)
	}

	var b struct {
		BuildS float64 `json:"build_s"`
	}
	require.NoError(t, os.RemoveAll(filepath.Join(work, "bleve"))) // the last round's
	_, bleveRSS, bleveWall := runAnchor2(t, self, "bleve", &b, "KB_SCALE_DIR="+content, "KB_SCALE_INDEX="+filepath.Join(work, "bleve"))
	w := startAnchor(t, self, "warm", "KB_SCALE_DIR="+content, "KB_SCALE_INDEX="+filepath.Join(work, "bleve"))
	until(t, w.start, "bare warm server", func() bool { c, _ := get("http://" + w.addr + page); return c == 200 })
	for range 200 {
		get("http://" + w.addr + page)
		get("http://" + w.addr + "/search?q=etcd")
	}
	anchorRSS := w.status("VmRSS")
	anchorLine := fmt.Sprintf("anonymous %.0f, files mapped %.0f", w.status("RssAnon"), w.status("RssFile"))
	w.stop(t)
	t.Logf("anchors: bleve build peak RSS %.0f MB, bare server RSS %.0f MB (%s)", bleveRSS, anchorRSS, anchorLine)

	for _, k := range kbs {
		m := got[k.name]
		tab.add(k.name+": cold start → searchable (anchor: bleve build)", "s", false, m.ready, bleveWall)
		tab.add(k.name+": peak RSS (cold start; anchor: bleve build)", "MB", false, m.peak, bleveRSS)
		tab.add(k.name+": steady RSS while serving", "MB", false, m.steady, anchorRSS)
		tab.add(k.name+": live heap while serving (anchor: bare server RSS)", "MB", false, m.heap, anchorRSS)
	}
}

// quietLong waits until p has been quiet (edit_test.go's quiet) in three
// half-seconds running: its background work (highlighting, the index build
// and its merges) is over.
func quietLong(t *testing.T, p *proc) {
	calm, q := 0, quiet(p)
	until(t, p.start, "kb quiet", func() bool {
		if q() {
			calm++
		} else {
			calm = 0
		}
		return calm >= 3
	})
}

var heapAlloc = regexp.MustCompile(`(?m)^# HeapAlloc = (\d+)$`)

// liveHeapMB is the heap in use right after a collection, from the heap
// profile of the kb serve whose --debug-addr is addr.
func liveHeapMB(t *testing.T, addr string) float64 {
	code, body := get(fmt.Sprintf("http://%s/debug/pprof/heap?gc=1&debug=1", addr))
	require.Equal(t, 200, code, "heap profile")
	m := heapAlloc.FindStringSubmatch(body)
	require.NotNil(t, m, "HeapAlloc in the heap profile: %s", strings.TrimSpace(body[max(0, len(body)-500):]))
	n, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	var where []string // where the rest of the RSS is
	for _, f := range []string{"HeapSys", "HeapIdle", "HeapReleased", "Sys", "NextGC"} {
		if m := regexp.MustCompile(`(?m)^# ` + f + ` = (\d+)$`).FindStringSubmatch(body); m != nil {
			v, _ := strconv.ParseFloat(m[1], 64)
			where = append(where, fmt.Sprintf("%s %.0f MB", f, v/(1<<20)))
		}
	}
	t.Logf("heap after a collection: HeapAlloc %.0f MB, %s", n/(1<<20), strings.Join(where, ", "))
	return n / (1 << 20)
}

// saveHeap writes a heap profile of the kb serve whose --debug-addr is addr
// into KB_SCALE_HEAP, when set, named after its binary and when it was taken.
func saveHeap(t *testing.T, addr, bin, when string) {
	dir := os.Getenv("KB_SCALE_HEAP")
	if dir == "" {
		return
	}
	code, body := get(fmt.Sprintf("http://%s/debug/pprof/heap", addr))
	require.Equal(t, 200, code, "heap profile")
	require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(bin)+"-"+when+".pprof"), []byte(body), 0o644))
}
