package scale

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"kb/internal/gen"
)

// The anchors run in child processes (this test binary again, with
// KB_SCALE_ANCHOR set) so that each one's time, CPU and peak RSS are its own.
func TestMain(m *testing.M) {
	if a := os.Getenv("KB_SCALE_ANCHOR"); a != "" {
		if err := runAnchor(a); err != nil {
			fmt.Fprintln(os.Stderr, "anchor", a+":", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const seed = 16

// edits is how many single-file edits each round times.
const edits = 5

// figures collects one figure's kb and anchor values, round by round.
type figures struct {
	name, unit string
	higher     bool // higher is better (req/s); the ratio is kb/anchor either way
	kb, anchor []float64
}

type table struct {
	rows  []*figures
	index map[string]*figures
}

func (t *table) add(name, unit string, higher bool, kb, anchor float64) {
	if t.index == nil {
		t.index = map[string]*figures{}
	}
	f := t.index[name]
	if f == nil {
		f = &figures{name: name, unit: unit, higher: higher}
		t.index[name] = f
		t.rows = append(t.rows, f)
	}
	f.kb = append(f.kb, kb)
	f.anchor = append(f.anchor, anchor)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func (t *table) print(w io.Writer, title string) {
	fmt.Fprintf(w, "\n%s\n\n| figure | kb median (min–max) | anchor median (min–max) | kb/anchor min / median / max |\n|---|---|---|---|\n", title)
	for _, f := range t.rows {
		ratios := make([]float64, len(f.kb))
		for i := range f.kb {
			if f.anchor[i] > 0 {
				ratios[i] = f.kb[i] / f.anchor[i]
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.2f / %.2f / %.2f |\n", f.name,
			spread(f.kb, f.unit), spread(f.anchor, f.unit), slices.Min(ratios), median(ratios), slices.Max(ratios))
	}
}

func spread(v []float64, unit string) string {
	return fmt.Sprintf("%s %s (%s–%s)", num(median(v)), unit, num(slices.Min(v)), num(slices.Max(v)))
}

func num(x float64) string {
	switch {
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	default:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
}

// TestScale is make bench-scale. KB_SCALE_SIZES (default 10000,50000) and
// KB_SCALE_ROUNDS (default 3) shorten it; KB_SCALE_FLAGS adds flags to kb
// serve. KB_SCALE_ROWS=search runs the search rows alone, on one kb index
// and one bleve index kept for every round; KB_SCALE_ROWS=memory the
// memory rows alone (memoryRound). KB_SCALE_WORK names a folder
// to work in instead of a temporary one: the collections, query files and
// the search rows' indexes in it are kept and used again by the next run.
func TestScale(t *testing.T) {
	if os.Getenv("KB_SCALE") == "" {
		t.Skip("make bench-scale runs this (KB_SCALE=1)")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not installed: apt-get install -y wrk")
	}
	sizes := []int{10000, 50000}
	if s := os.Getenv("KB_SCALE_SIZES"); s != "" {
		sizes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			require.NoError(t, err, "KB_SCALE_SIZES")
			sizes = append(sizes, n)
		}
	}
	rounds := 3
	if s := os.Getenv("KB_SCALE_ROUNDS"); s != "" {
		var err error
		rounds, err = strconv.Atoi(s)
		require.NoError(t, err, "KB_SCALE_ROUNDS")
	}
	rows := os.Getenv("KB_SCALE_ROWS")
	if rows != "" && rows != "all" && rows != "search" && rows != "memory" {
		t.Fatalf("KB_SCALE_ROWS=%q: want all, search or memory", rows)
	}
	tmp := os.Getenv("KB_SCALE_WORK")
	if tmp == "" {
		tmp = t.TempDir()
	}
	kb := filepath.Join(tmp, "kb")
	build := exec.Command("go", "build", "-o", kb, "../../cmd/kb")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run(), "building kb")
	self, err := os.Executable()
	require.NoError(t, err)
	host, _ := os.Hostname()
	var out strings.Builder
	for _, n := range sizes {
		dir := filepath.Join(tmp, fmt.Sprintf("content-%d", n))
		page := collection(t, dir, n)
		qf := writeQueryFile(t, filepath.Join(tmp, fmt.Sprintf("queries-%d.tsv", n)))
		var tab table
		for r := range rounds {
			t.Logf("%d articles, round %d of %d", n, r+1, rounds)
			if rows == "search" {
				searchRound(t, &tab, kb, self, dir, filepath.Join(tmp, fmt.Sprintf("search-%d", n)), qf, r)
				continue
			}
			if rows == "memory" {
				memoryRound(t, &tab, kb, self, dir, page, filepath.Join(tmp, fmt.Sprintf("memory-%d", n)))
				continue
			}
			work := filepath.Join(tmp, fmt.Sprintf("r%d-%d", n, r))
			require.NoError(t, os.RemoveAll(work)) // a kept folder's last run: start cold
			scaleRound(t, &tab, kb, self, dir, page, work, qf, r)
		}
		tab.print(&out, fmt.Sprintf("%d articles, %d rounds, %s, %d cores, %s", n, rounds, host, nproc(), time.Now().UTC().Format("2006-01-02")))
		fmt.Print(out.String()) // each size as soon as it is done: 50k takes long
		out.Reset()
	}
}

func nproc() int {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return 0
	}
	return bytes.Count(b, []byte("\nprocessor")) + 1
}

// collection writes the collection of n articles under dir, unless a
// previous run in the same KB_SCALE_WORK wrote it whole, and returns the
// URL path of one article page.
func collection(t *testing.T, dir string, n int) string {
	done := dir + ".page"
	if b, err := os.ReadFile(done); err == nil {
		return string(b)
	}
	require.NoError(t, os.RemoveAll(dir))
	page := writeCollection(t, dir, n)
	require.NoError(t, os.WriteFile(done, []byte(page), 0o644))
	return page
}

// writeCollection writes n articles under dir and returns the URL path of
// one article page. gen's articles are short (2.4 KB); real documentation
// sets run 10-15 KB an article (the PowerShell docs: 13 KB), so each article
// here is one of gen's with the bodies of three more appended (~10 KB, four
// times the headings, code blocks and error lines). Each round of gen is
// written before the next is made, so 50,000 articles never sit in memory whole.
func writeCollection(t *testing.T, dir string, n int) string {
	var paths []string
	for part := range uint64(4) {
		fsys := gen.Files(n, seed+part)
		names := make([]string, 0, n)
		for p := range fsys {
			names = append(names, p)
		}
		slices.Sort(names)
		if part == 0 {
			paths = names
		}
		for i, p := range names {
			full := filepath.Join(dir, filepath.FromSlash(paths[i]))
			data := fsys[p].Data
			if part == 0 {
				require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
				require.NoError(t, os.WriteFile(full, data, 0o644))
				continue
			}
			f, err := os.OpenFile(full, os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.Write(append([]byte("\n"), body(data)...))
			require.NoError(t, err)
			require.NoError(t, f.Close())
		}
	}
	return "/" + strings.TrimSuffix(paths[len(paths)/2], ".md")
}

// body is a Markdown file without its front matter.
func body(b []byte) []byte {
	if rest, ok := bytes.CutPrefix(b, []byte("---\n")); ok {
		if _, after, ok := bytes.Cut(rest, []byte("\n---\n")); ok {
			return after
		}
	}
	return b
}

// proc is a running child with its start time.
type proc struct {
	cmd     *exec.Cmd
	start   time.Time
	addr    string
	stopped bool
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func startKB(t *testing.T, kb, content, data string) *proc {
	addr := freeAddr(t)
	args := []string{"serve", "--content", content, "--data", data, "--addr", addr, "--watch", "--log-level", "error"}
	args = append(args, strings.Fields(os.Getenv("KB_SCALE_FLAGS"))...)
	cmd := exec.Command(kb, args...)
	cmd.Stderr = os.Stderr
	p := &proc{cmd: cmd, addr: addr, start: time.Now()}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { p.stop(t) }) // a failed run leaves no kb holding its --data
	return p
}

func startAnchor(t *testing.T, self, mode string, env ...string) *proc {
	addr := freeAddr(t)
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), append(env, "KB_SCALE_ANCHOR="+mode, "KB_SCALE_ADDR="+addr)...)
	cmd.Stderr = os.Stderr
	p := &proc{cmd: cmd, addr: addr, start: time.Now()}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends p with SIGTERM (as systemd does) and waits for it; once
// stopped, it does nothing.
func (p *proc) stop(t *testing.T) {
	if p.stopped {
		return
	}
	p.stopped = true
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// status reads a field of /proc/PID/status in MB (VmRSS, VmHWM).
func (p *proc) status(field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// cpu is the CPU seconds p has used so far (utime + stime of /proc/PID/stat).
func (p *proc) cpu() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100 // USER_HZ
}

var client = &http.Client{Timeout: 10 * time.Second}

func get(url string) (int, string) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// until polls ok every few milliseconds and returns the time since start
// at which it first held.
func until(t *testing.T, start time.Time, what string, ok func() bool) time.Duration {
	deadline := time.Now().Add(30 * time.Minute)
	for time.Now().Before(deadline) {
		if ok() {
			return time.Since(start)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s: not within 30 minutes", what)
	return 0
}

func healthz(addr string) func() bool {
	return func() bool { c, _ := get("http://" + addr + "/healthz"); return c == 200 }
}

func searchable(addr string) func() bool {
	return func() bool {
		_, body := get("http://" + addr + "/readyz")
		return strings.Contains(body, `"search":{"ready":true`)
	}
}

func found(addr, word string) func() bool {
	return func() bool {
		code, body := get("http://" + addr + "/api/v1/search?q=" + word)
		var res struct{ Total int }
		return code == 200 && json.Unmarshal([]byte(body), &res) == nil && res.Total > 0
	}
}

func scaleRound(t *testing.T, tab *table, kb, self, content, page, work string, qf queryFile, round int) {
	require.NoError(t, os.MkdirAll(work, 0o755))
	data := filepath.Join(work, "data")

	// A: kb cold, then edits, then wrk, then a warm restart.
	p := startKB(t, kb, content, data)
	coldHealth := until(t, p.start, "kb /healthz", healthz(p.addr))
	firstPage := until(t, p.start, "kb first page", func() bool { c, _ := get("http://" + p.addr + page); return c == 200 })
	ready := until(t, p.start, "kb searchable", searchable(p.addr))
	coldCPU := p.cpu()
	coldPeak := p.status("VmHWM")

	files := editTargets(t, content)
	originals := map[string][]byte{}
	var editSearch, editPage []float64
	for i, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		originals[f] = b
		word := editWord(round, i)
		url := "http://" + p.addr + "/" + strings.TrimSuffix(strings.TrimPrefix(f, content+"/"), ".md")
		start := time.Now()
		require.NoError(t, os.WriteFile(f, append(slices.Clone(b), "\n\nEdited: "+word+".\n"...), 0o644))
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
		editSearch = append(editSearch, ms(sDone))
		editPage = append(editPage, ms(pDone))
	}

	code, body := get("http://" + p.addr + page)
	require.Equal(t, 200, code)
	pageFile := filepath.Join(work, "page.html")
	require.NoError(t, os.WriteFile(pageFile, []byte(body), 0o644))
	runWrk(t, "http://"+p.addr+page, "2s") // warm up
	kbRPS, kbP99 := runWrk(t, "http://"+p.addr+page, "5s")
	steady := p.status("VmRSS")
	peak := p.status("VmHWM")
	p.stop(t)

	bare := startAnchor(t, self, "http", "KB_SCALE_FILE="+pageFile)
	until(t, bare.start, "bare http", func() bool { c, _ := get("http://" + bare.addr + "/"); return c == 200 })
	runWrk(t, "http://"+bare.addr+"/", "2s")
	bareRPS, bareP99 := runWrk(t, "http://"+bare.addr+"/", "5s")
	bare.stop(t)

	p = startKB(t, kb, content, data)
	warmHealth := until(t, p.start, "kb warm /healthz", healthz(p.addr))
	warmPage := until(t, p.start, "kb warm first page", func() bool { c, _ := get("http://" + p.addr + page); return c == 200 })
	warmReady := until(t, p.start, "kb warm searchable", searchable(p.addr))
	kbSearch := measureSearch(t, searchTarget{base: "http://" + p.addr, kb: true}, qf)
	p.stop(t)
	for f, b := range originals {
		require.NoError(t, os.WriteFile(f, b, 0o644))
	}

	// B: the anchors.
	index := filepath.Join(work, "bleve")
	var b struct {
		BuildS   float64   `json:"build_s"`
		UpdateMS []float64 `json:"update_ms"`
	}
	bleveCPU, bleveRSS, bleveWall := runAnchor2(t, self, "bleve", &b, "KB_SCALE_DIR="+content, "KB_SCALE_INDEX="+index)
	var rnd struct {
		RenderS float64 `json:"render_s"`
	}
	runAnchor2(t, self, "render", &rnd, "KB_SCALE_DIR="+content)
	w := startAnchor(t, self, "warm", "KB_SCALE_DIR="+content, "KB_SCALE_INDEX="+index)
	anchorWarm := until(t, w.start, "bare warm server", func() bool { c, _ := get("http://" + w.addr + page); return c == 200 })
	for range 200 {
		get("http://" + w.addr + page)
		get("http://" + w.addr + "/search?q=etcd")
	}
	anchorRSS := w.status("VmRSS")
	anchorSearch := measureSearch(t, searchTarget{base: "http://" + w.addr}, qf)
	w.stop(t)

	tab.add("cold start → /healthz (listener open)", "s", false, coldHealth.Seconds(), rnd.RenderS)
	tab.add("cold start → first page", "s", false, firstPage.Seconds(), rnd.RenderS)
	tab.add("cold start → searchable", "s", false, ready.Seconds(), bleveWall)
	tab.add("cold start CPU to searchable", "CPU-s", false, coldCPU, bleveCPU)
	tab.add("peak RSS (cold start; anchor: bleve build)", "MB", false, max(coldPeak, peak), bleveRSS)
	tab.add("warm restart → /healthz (listener open)", "s", false, warmHealth.Seconds(), anchorWarm.Seconds())
	tab.add("warm restart → first page", "s", false, warmPage.Seconds(), anchorWarm.Seconds())
	tab.add("warm restart → searchable", "s", false, warmReady.Seconds(), anchorWarm.Seconds())
	tab.add("cached page, wrk -c64: req/s (goal kb/anchor ≥ 0.8)", "req/s", true, kbRPS, bareRPS)
	tab.add("cached page, wrk -c64: p99", "ms", false, kbP99, bareP99)
	tab.add("edit one file → searchable, p50", "ms", false, median(editSearch), median(b.UpdateMS))
	tab.add("edit one file → searchable, max", "ms", false, slices.Max(editSearch), slices.Max(b.UpdateMS))
	tab.add("edit one file → page shows it, p50", "ms", false, median(editPage), median(b.UpdateMS))
	tab.add("steady RSS while serving", "MB", false, steady, anchorRSS)
	searchRows(tab, kbSearch, anchorSearch)
	t.Logf("round %d: first page %.1fs, searchable %.1fs (bleve %.1fs), warm %.2fs, wrk %.0f vs %.0f req/s, edit p50 %.0f ms, RSS %.0f MB (peak %.0f)",
		round+1, firstPage.Seconds(), ready.Seconds(), bleveWall, warmPage.Seconds(), kbRPS, bareRPS, median(editSearch), steady, peak)
	logSearch(t, round, kbSearch, anchorSearch)
}

// editWord is a word found nowhere else and far from every other edit's
// word: kb's search is fuzzy, so scaleedit0x1 would find scaleedit0x0.
func editWord(round, i int) string {
	const letters = "bcdfghjklmnpqrstvwxz"
	return strings.Repeat(letters[i%len(letters):][:1], 4) + "edit" + strings.Repeat(letters[(round+7)%len(letters):][:1], 4)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// editTargets picks the files edited in a round, spread over the collection.
func editTargets(t *testing.T, content string) []string {
	var all []string
	require.NoError(t, filepath.WalkDir(content, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			all = append(all, p)
		}
		return err
	}))
	slices.Sort(all)
	var out []string
	for i := range edits {
		out = append(out, all[(i*2+1)*len(all)/(2*edits)])
	}
	return out
}

// runAnchor2 runs an anchor to its end and decodes its JSON answer into v;
// it returns the child's CPU seconds, peak RSS in MB and wall seconds.
func runAnchor2(t *testing.T, self, mode string, v any, env ...string) (cpu, rssMB, wall float64) {
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), append(env, "KB_SCALE_ANCHOR="+mode)...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	require.NoError(t, err, "anchor %s", mode)
	wall = time.Since(start).Seconds()
	require.NoError(t, json.Unmarshal(out, v), "anchor %s: %s", mode, out)
	st := cmd.ProcessState
	ru := st.SysUsage().(*syscall.Rusage)
	return (st.UserTime() + st.SystemTime()).Seconds(), float64(ru.Maxrss) / 1024, wall
}

// runWrk loads url with wrk -t2 -c64 and returns requests/s and p99 in ms.
func runWrk(t *testing.T, url, d string) (rps, p99 float64) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "wrk", "-t2", "-c64", "-d"+d, "--latency", url).Output()
	require.NoError(t, err, "wrk")
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			rps, _ = strconv.ParseFloat(f[1], 64)
		case len(f) == 2 && f[0] == "99%":
			p99 = wrkMS(f[1])
		}
	}
	require.NotZero(t, rps, "wrk output: %s", out)
	return rps, p99
}

func wrkMS(v string) float64 {
	for _, u := range []struct {
		suffix string
		scale  float64
	}{{"us", 0.001}, {"ms", 1}, {"s", 1000}} {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			x, _ := strconv.ParseFloat(n, 64)
			return x * u.scale
		}
	}
	return 0
}
