package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/postgres"
)

// The loopback ports of the fleet test: HAProxy, its stats page and three
// replicas.
const (
	fleetListen = 18250
	fleetStats  = 18254
	fleetFirst  = 18251 // replicas on 18251, 18252, 18253
)

// fleetReport is what TestFleet measures; make fleet prints it and the
// README quotes it.
type fleetReport struct {
	Seconds        int     `json:"seconds"`
	Pages          int     `json:"pages"`
	PagesFailed    int     `json:"pages_failed"`
	Searches       int     `json:"searches"`
	SearchesFailed int     `json:"searches_failed"`
	LinkWrites     int     `json:"link_writes"`
	LinksAcked     int     `json:"links_acked"`
	LinkWrites503  int     `json:"link_writes_503"` // refused while PostgreSQL restarted: not acknowledged, retried by the client
	LinksLost      int     `json:"links_lost"`
	LinksTwice     int     `json:"links_recorded_twice"`
	Commits        int     `json:"commits"`
	CommitP50      float64 `json:"commit_seconds_p50"`
	CommitP99      float64 `json:"commit_seconds_p99"`
	LinkProbes     int     `json:"link_probes"`
	LinkP50        float64 `json:"link_seconds_p50"`
	LinkP99        float64 `json:"link_seconds_p99"`
	KillAt         float64 `json:"kill_at_seconds"`
	PostgresAt     float64 `json:"postgres_restart_at_seconds"`
	PostgresTook   float64 `json:"postgres_restart_seconds"`
}

// TestFleet runs PostgreSQL, three kb replicas in git mode on one bare
// repository (each with its own clone and --data) and HAProxy in front,
// all on loopback, under constant load through the balancer: it commits to
// the repository every few seconds, kills one replica with SIGKILL and
// starts it again, and restarts PostgreSQL once. Run it with make fleet
// (KB_FLEET=1 and KB_TEST_POSTGRES; KB_FLEET_SECONDS sets the length, 60 by
// default; KB_FLEET_REPORT names a file for the figures as JSON).
func TestFleet(t *testing.T) {
	if os.Getenv("KB_FLEET") == "" {
		t.Skip("the fleet test runs with make fleet (KB_FLEET=1)")
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy is not installed (apt-get install -y haproxy): skipping the fleet test")
	}
	pgURL := testDatabase(t)
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		t.Skip("pg_ctlcluster (Debian's postgresql-common) is missing: the fleet test restarts PostgreSQL with it")
	}
	seconds := 60
	if v := os.Getenv("KB_FLEET_SECONDS"); v != "" {
		seconds, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	bin := kbBinary(t)
	dir := t.TempDir()
	repo := newFleetRepo(t, dir)
	t.Setenv("KB_WEBHOOK_SECRET_GIT", "fleet-push-secret")
	token := strings.TrimSpace(runKB(t, bin, "token", "create", "load", "--store", pgURL))

	replicas := make([]*fleetReplica, 3)
	for i := range replicas {
		replicas[i] = &fleetReplica{t: t, dir: dir, n: i + 1, addr: fmt.Sprintf("127.0.0.1:%d", fleetFirst+i), store: pgURL, origin: repo.bare}
		replicas[i].clone()
		replicas[i].start()
	}
	startHAProxy(t, haproxy)
	lb := fmt.Sprintf("http://127.0.0.1:%d", fleetListen)
	client := &http.Client{Timeout: 10 * time.Second}
	require.Eventually(t, func() bool {
		for _, r := range replicas {
			if code, _ := fetch(client, http.MethodGet, r.base()+"/readyz", "", ""); code != http.StatusOK {
				return false
			}
		}
		code, _ := fetch(client, http.MethodGet, lb+"/readyz", "", "")
		return code == http.StatusOK
	}, time.Minute, 100*time.Millisecond, "the fleet did not come up")
	time.Sleep(3 * time.Second) // HAProxy marks every server up after two good checks

	var rep fleetReport
	rep.Seconds = seconds
	start := time.Now()
	ctx, stop := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second)
	defer stop()
	var wg sync.WaitGroup
	var mu sync.Mutex // guards rep's counters and the acked map
	acked := map[string]int{}
	created := map[string]int{}

	// Pages and searches through the balancer: goal, no failure at all.
	for w := range 3 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for ctx.Err() == nil {
				path := repo.pages[r.IntN(len(repo.pages))]
				code, body := fetch(client, http.MethodGet, lb+path, "", "")
				mu.Lock()
				rep.Pages++
				if code != http.StatusOK {
					rep.PagesFailed++
					t.Logf("page %s: %d %.200s", path, code, body)
				}
				mu.Unlock()
				pause(ctx, 20*time.Millisecond)
			}
		})
	}
	for w := range 2 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 11))
			for ctx.Err() == nil {
				q := fleetWords[r.IntN(len(fleetWords))]
				code, body := fetch(client, http.MethodGet, lb+"/api/v1/search?q="+q, "", "")
				mu.Lock()
				rep.Searches++
				if code != http.StatusOK {
					rep.SearchesFailed++
					t.Logf("search %s: %d %.200s", q, code, body)
				}
				mu.Unlock()
				pause(ctx, 20*time.Millisecond)
			}
		})
	}
	// Link writes through the balancer, each with a key of its own.
	var seq atomic.Int64
	for range 2 {
		wg.Go(func() {
			for ctx.Err() == nil {
				key := fmt.Sprintf("LOAD-%d", seq.Add(1))
				code, body := postLink(client, lb, token, key, "svc-1-disk-full")
				mu.Lock()
				rep.LinkWrites++
				switch code {
				case http.StatusCreated, http.StatusOK:
					acked[key]++
					if code == http.StatusCreated {
						created[key]++
					}
				case http.StatusServiceUnavailable:
					rep.LinkWrites503++
				default:
					t.Logf("link write %s: %d %.200s", key, code, body)
				}
				mu.Unlock()
				pause(ctx, 25*time.Millisecond)
			}
		})
	}
	// Probes: a link written on one replica, timed until the article page of
	// both others shows it ("Solved N tickets" is a cached page).
	var linkLat []float64
	wg.Go(func() {
		written := map[string]int{} // links written to each probe article so far
		for i := 0; ctx.Err() == nil; i++ {
			a := replicas[i%3]
			others := []*fleetReplica{replicas[(i+1)%3], replicas[(i+2)%3]}
			if !a.up() || !others[0].up() || !others[1].up() {
				pause(ctx, 200*time.Millisecond)
				continue
			}
			article := repo.probes[i%len(repo.probes)]
			for _, o := range others { // the page is cached on both before the write
				solvedCount(client, o.base()+repo.path[article])
			}
			code, _ := postLink(client, a.base(), token, fmt.Sprintf("PROBE-%d", i), article)
			if code != http.StatusCreated {
				pause(ctx, time.Second) // PostgreSQL restarting: retry later
				continue
			}
			wrote := time.Now()
			written[article]++
			ok := true
			for _, o := range others {
				for solvedCount(client, o.base()+repo.path[article]) < written[article] {
					if time.Since(wrote) > 10*time.Second || !o.up() {
						ok = false
						break
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			if ok {
				mu.Lock()
				linkLat = append(linkLat, time.Since(wrote).Seconds())
				mu.Unlock()
			}
			pause(ctx, 500*time.Millisecond)
		}
	})
	// Commits every 3 s, pushed, announced with the push webhook through the
	// balancer, timed until every live replica serves them.
	var commitLat []float64
	wg.Go(func() {
		for i := 0; ctx.Err() == nil; i++ {
			pause(ctx, 3*time.Second)
			if ctx.Err() != nil {
				return
			}
			marker := fmt.Sprintf("marker-%d-%d", i, time.Now().UnixNano())
			live := slices.DeleteFunc(slices.Clone(replicas), func(r *fleetReplica) bool { return !r.up() })
			repo.commit(marker)
			pushed := time.Now()
			if code, body := fetch(client, http.MethodPost, lb+"/api/v1/hooks/git", "", `{}`, "X-KB-Secret", "fleet-push-secret"); code != http.StatusAccepted {
				t.Logf("push webhook: %d %.200s", code, body)
			}
			ok := true
			for _, r := range live {
				for {
					if _, body := fetch(client, http.MethodGet, r.base()+"/fleet/marker", "", ""); strings.Contains(body, marker) {
						break
					}
					if time.Since(pushed) > 15*time.Second || !r.up() {
						ok = false
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			if ok && len(live) == 3 {
				mu.Lock()
				commitLat = append(commitLat, time.Since(pushed).Seconds())
				mu.Unlock()
			}
		}
	})
	// Chaos: kill -9 a replica at a quarter of the run, start it again 5 s
	// later; restart PostgreSQL at 60%.
	wg.Go(func() {
		pause(ctx, time.Duration(seconds)*time.Second/4)
		if ctx.Err() != nil {
			return
		}
		rep.KillAt = time.Since(start).Seconds()
		replicas[1].kill()
		pause(ctx, 5*time.Second)
		replicas[1].start()
		pause(ctx, time.Duration(seconds)*time.Second*6/10-time.Since(start))
		if ctx.Err() != nil {
			return
		}
		rep.PostgresAt = time.Since(start).Seconds()
		out, err := exec.Command("pg_ctlcluster", "15", "main", "restart").CombinedOutput()
		rep.PostgresTook = time.Since(start).Seconds() - rep.PostgresAt
		assert.NoError(t, err, "pg_ctlcluster: %s", out)
	})
	wg.Wait()

	// Every acknowledged link is in the database, exactly once.
	db, err := postgres.Open(context.Background(), pgURL, postgres.Options{})
	require.NoError(t, err)
	defer db.Close()
	require.Eventually(t, func() bool { return db.Health() == nil }, 30*time.Second, 100*time.Millisecond)
	for key, n := range acked {
		links, err := db.Links().ByTicket(context.Background(), "jira", key)
		require.NoError(t, err)
		switch {
		case len(links) == 0:
			rep.LinksLost++
		case len(links) > 1:
			rep.LinksTwice++
		}
		if created[key] > 1 || n > 1 {
			rep.LinksTwice++ // recorded as new twice, or acknowledged twice for one request
		}
	}
	rep.LinksAcked = len(acked)
	rep.Commits, rep.LinkProbes = len(commitLat), len(linkLat)
	rep.CommitP50, rep.CommitP99 = percentile(commitLat, 50), percentile(commitLat, 99)
	rep.LinkP50, rep.LinkP99 = percentile(linkLat, 50), percentile(linkLat, 99)
	out, err := json.MarshalIndent(rep, "", "  ")
	require.NoError(t, err)
	t.Logf("fleet figures:\n%s", out)
	if path := os.Getenv("KB_FLEET_REPORT"); path != "" {
		require.NoError(t, os.WriteFile(path, append(out, '\n'), 0o644))
	}
	assert.Zero(t, rep.PagesFailed, "pages failed at the balancer")
	assert.Zero(t, rep.SearchesFailed, "searches failed at the balancer")
	assert.Zero(t, rep.LinksLost, "acknowledged links lost")
	assert.Zero(t, rep.LinksTwice, "links recorded twice")
	assert.NotZero(t, rep.LinksAcked)
	assert.GreaterOrEqual(t, rep.Commits, seconds/6, "too few commits were measured")
	assert.LessOrEqual(t, rep.CommitP99, 2.0, "seconds until a commit is served by all three")
	assert.GreaterOrEqual(t, rep.LinkProbes, seconds/6, "too few link probes were measured")
	assert.LessOrEqual(t, rep.LinkP99, 1.0, "seconds until a link written on one replica shows on the others")
}

// fleetWords are searched for by the load.
var fleetWords = []string{"disk", "etcd", "leader", "certificate", "latency", "queue", "memory", "restart"}

// fleetRepo is the bare repository the replicas pull and a clone the test
// commits from.
type fleetRepo struct {
	t      *testing.T
	bare   string
	work   string
	pages  []string          // URLs of articles the load reads
	probes []string          // ids of the articles the link probes write to
	path   map[string]string // URL of an article by id
}

func newFleetRepo(t *testing.T, dir string) *fleetRepo {
	r := &fleetRepo{t: t, bare: filepath.Join(dir, "origin.git"), work: filepath.Join(dir, "work"), path: map[string]string{}}
	git(t, dir, "init", "--quiet", "--bare", "--initial-branch=main", r.bare)
	git(t, dir, "clone", "--quiet", r.bare, r.work)
	topics := []string{"disk-full", "etcd-no-leader", "certificate-expiring", "high-latency", "queue-backlog", "memory-high", "pod-restarts"}
	for s := 1; s <= 5; s++ {
		for _, topic := range topics {
			id := fmt.Sprintf("svc-%d-%s", s, topic)
			words := strings.ReplaceAll(topic, "-", " ")
			text := fmt.Sprintf("---\ntitle: Service %d %s\nid: %s\nservice: svc-%d\n---\n\n# Service %d %s\n\nWhat to do when service %d has %s: check, restart, escalate.\n", s, words, id, s, s, words, s, words)
			rel := fmt.Sprintf("runbooks/svc-%d/%s.md", s, topic)
			require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(r.work, rel)), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(r.work, rel), []byte(text), 0o644))
			url := "/" + strings.TrimSuffix(rel, ".md")
			r.pages = append(r.pages, url)
			r.path[id] = url
		}
	}
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("probe-%d", i)
		rel := fmt.Sprintf("runbooks/probe/%s.md", id)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(r.work, rel)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(r.work, rel), fmt.Appendf(nil, "---\ntitle: Probe %d\nid: %s\n---\n\n# Probe %d\n\nWritten to by the fleet test.\n", i, id, i), 0o644))
		r.probes = append(r.probes, id)
		r.path[id] = "/" + strings.TrimSuffix(rel, ".md")
	}
	r.commit("marker-start")
	return r
}

// commit writes marker into fleet/marker.md, commits and pushes.
func (r *fleetRepo) commit(marker string) {
	t := r.t
	require.NoError(t, os.MkdirAll(filepath.Join(r.work, "fleet"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(r.work, "fleet", "marker.md"), []byte("# Marker\n\n"+marker+"\n"), 0o644))
	git(t, r.work, "add", "-A")
	git(t, r.work, "commit", "--quiet", "-m", marker)
	git(t, r.work, "push", "--quiet", "origin", "HEAD:main")
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=fleet", "GIT_AUTHOR_EMAIL=fleet@example.com", "GIT_COMMITTER_NAME=fleet", "GIT_COMMITTER_EMAIL=fleet@example.com")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}

// fleetReplica is one kb serve of the fleet, with its clone and --data.
type fleetReplica struct {
	t                        *testing.T
	dir, addr, store, origin string
	n                        int
	mu                       sync.Mutex
	c                        *child
	alive                    atomic.Bool
}

func (r *fleetReplica) clone() {
	git(r.t, r.dir, "clone", "--quiet", r.origin, r.content())
}

func (r *fleetReplica) content() string { return filepath.Join(r.dir, fmt.Sprintf("replica-%d", r.n)) }

func (r *fleetReplica) base() string { return "http://" + r.addr }

func (r *fleetReplica) up() bool { return r.alive.Load() }

func (r *fleetReplica) start() {
	c := startChild(r.t, "--addr", r.addr, "--content", r.content(), "--git-ref", "origin/main", "--pull-interval", "1s",
		"--data", filepath.Join(r.dir, fmt.Sprintf("data-%d", r.n)), "--store", r.store)
	r.mu.Lock()
	r.c = c
	r.mu.Unlock()
	client := &http.Client{Timeout: 2 * time.Second}
	require.Eventually(r.t, func() bool {
		code, _ := fetch(client, http.MethodGet, r.base()+"/readyz", "", "")
		return code == http.StatusOK
	}, time.Minute, 50*time.Millisecond)
	r.alive.Store(true)
}

func (r *fleetReplica) kill() {
	r.alive.Store(false)
	r.mu.Lock()
	c := r.c
	r.mu.Unlock()
	c.kill()
}

// startHAProxy runs deploy/haproxy/haproxy.cfg on the fleet's ports.
func startHAProxy(t *testing.T, bin string) {
	cfg, err := filepath.Abs("../../deploy/haproxy/haproxy.cfg")
	require.NoError(t, err)
	out, err := exec.Command(bin, "-c", "-f", cfg).CombinedOutput()
	require.NoError(t, err, "haproxy -c: %s", out)
	cmd := exec.Command(bin, "-db", "-f", cfg)
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("KB_LISTEN=127.0.0.1:%d", fleetListen), fmt.Sprintf("KB_STATS=127.0.0.1:%d", fleetStats),
		fmt.Sprintf("KB_REPLICA_1=127.0.0.1:%d", fleetFirst), fmt.Sprintf("KB_REPLICA_2=127.0.0.1:%d", fleetFirst+1), fmt.Sprintf("KB_REPLICA_3=127.0.0.1:%d", fleetFirst+2))
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }() // its exit is the end of the test
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // an error means it has exited already
		<-done
		if t.Failed() {
			t.Logf("haproxy:\n%s", logs.String())
		}
	})
}

// runKB runs the kb binary and returns its standard output.
func runKB(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "kb %v: %s", args, stderr.String())
	return string(out)
}

// fetch sends one request; headers are name, value pairs. A transport
// error is status 0.
func fetch(client *http.Client, method, url, token, body string, headers ...string) (int, string) {
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err.Error()
	}
	return res.StatusCode, string(b)
}

func postLink(client *http.Client, base, token, key, article string) (int, string) {
	return fetch(client, http.MethodPost, base+"/api/v1/links", token,
		fmt.Sprintf(`{"ticket": {"system": "jira", "key": %q, "title": "fleet load"}, "article": %q}`, key, article))
}

var solvedRE = regexp.MustCompile(`Solved (\d+) ticket`)

// solvedCount reads "Solved N tickets" from an article page; -1 when the
// page does not say.
func solvedCount(client *http.Client, url string) int {
	code, body := fetch(client, http.MethodGet, url, "", "")
	if code != http.StatusOK {
		return -1
	}
	m := solvedRE.FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1]) // the pattern matched digits
	return n
}

// pause waits d or until ctx ends.
func pause(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// percentile returns the p-th percentile of xs (nearest rank), 0 for none.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
