package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The kb binary the child-process tests run, built once for the package.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		if err := os.RemoveAll(binDir); err != nil {
			fmt.Fprintln(os.Stderr, "remove the test binary:", err)
		}
	}
	os.Exit(code)
}

// kbBinary builds kb into a temporary folder on first use.
func kbBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "kb-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "kb")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// child is a kb serve process.
type child struct {
	cmd      *exec.Cmd
	base     string // http://127.0.0.1:PORT
	stderr   *syncBuffer
	done     chan error
	killOnce sync.Once
	exitErr  error // what Wait said after the kill: "signal: killed"
}

// startChild runs kb serve on a free port and waits until it listens.
func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	c := &child{stderr: &syncBuffer{}, done: make(chan error, 1)}
	c.cmd = exec.Command(kbBinary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	pr, pw := io.Pipe()
	c.cmd.Stderr = pw
	require.NoError(t, c.cmd.Start())
	go func() { c.done <- c.cmd.Wait(); _ = pw.Close() }() // a pipe's writer closes without error
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			_, _ = c.stderr.Write([]byte(line + "\n")) // a syncBuffer never fails
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case found <- "http://" + m[1]:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() { c.kill() })
	select {
	case c.base = <-found:
		return c
	case err := <-c.done:
		c.done <- err
		t.Fatalf("kb serve exited: %v\n%s", err, c.stderr.String())
	case <-time.After(time.Minute):
		t.Fatalf("kb serve did not start:\n%s", c.stderr.String())
	}
	return nil
}

// kill ends the process with SIGKILL: no shutdown, no flush, no close.
func (c *child) kill() {
	c.killOnce.Do(func() {
		_ = c.cmd.Process.Signal(syscall.SIGKILL) // an error means it has exited already
		c.exitErr = <-c.done
	})
}

var durableClient = &http.Client{Timeout: 10 * time.Second}

// exportKeys returns the ticket keys of every link of the server.
func exportKeys(t *testing.T, base, token string) map[string]bool {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, base+"/api/v1/links/export", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := durableClient.Do(req)
	require.NoError(t, err)
	defer func() { assert.NoError(t, res.Body.Close()) }()
	require.Equal(t, http.StatusOK, res.StatusCode)
	keys := map[string]bool{}
	dec := json.NewDecoder(res.Body)
	for dec.More() {
		var l struct {
			Ticket struct {
				Key string `json:"key"`
			} `json:"ticket"`
		}
		require.NoError(t, dec.Decode(&l))
		keys[l.Ticket.Key] = true
	}
	return keys
}

// durabilityRounds is 20, or KB_DURABILITY_ROUNDS for a longer run (make durability).
func durabilityRounds(t *testing.T) int {
	v := os.Getenv("KB_DURABILITY_ROUNDS")
	if v == "" {
		return 20
	}
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "KB_DURABILITY_ROUNDS")
	return n
}

// TestDurability proves that a 2xx means on disk: a child kb gets links
// from 20 concurrent writers and is killed with SIGKILL as soon as a number
// of answers have arrived, with more requests in flight; after a restart
// every acknowledged link is there. Round after round on the same file.
func TestDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills kb processes")
	}
	content, data := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(content, "disk-full.md"), []byte("---\nid: disk-full\n---\n# Disk full\n\nFree space.\n"), 0o644))
	out, _, err := kb(t, "", "token", "create", "durability", "--data", data)
	require.NoError(t, err)
	token := strings.TrimSpace(lastLine(out))
	require.True(t, strings.HasPrefix(token, "kb_"), out)

	const writers, killAfter = 20, 60
	acked := map[string]bool{}
	rounds := durabilityRounds(t)
	start := time.Now()
	for round := range rounds + 1 {
		c := startChild(t, "--content", content, "--data", data)
		stored := exportKeys(t, c.base, token)
		missing := 0
		for k := range acked {
			if !stored[k] {
				missing++
				t.Errorf("round %d: acknowledged link %s is missing after SIGKILL", round, k)
			}
		}
		require.Zero(t, missing, "acknowledged links lost")
		if round == rounds {
			c.kill()
			break
		}

		var mu sync.Mutex
		answers := 0
		stop := make(chan struct{})
		var once sync.Once
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key := fmt.Sprintf("R%d-W%d-%d", round, w, i)
					body := `{"ticket": {"system": "jira", "key": "` + key + `"}, "article": "disk-full"}`
					req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, c.base+"/api/v1/links", strings.NewReader(body))
					if err != nil {
						return
					}
					req.Header.Set("Authorization", "Bearer "+token)
					res, err := durableClient.Do(req)
					if err != nil {
						return // killed
					}
					_, _ = io.Copy(io.Discard, res.Body)
					_ = res.Body.Close() // the answer is read; the status is what counts
					if res.StatusCode != http.StatusCreated {
						t.Errorf("POST %s: %d", key, res.StatusCode)
						return
					}
					mu.Lock()
					acked[key] = true
					answers++
					n := answers
					mu.Unlock()
					if n >= killAfter {
						once.Do(func() { c.kill(); close(stop) }) // right after the answers, requests in flight
					}
				}
			})
		}
		wg.Wait()
		once.Do(func() { c.kill(); close(stop) })
	}
	t.Logf("%d rounds, %d acknowledged links, all present after SIGKILL; %s", rounds, len(acked), time.Since(start).Round(time.Millisecond))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestSecondServeExitsAtOnce runs a second kb serve on the data folder of a
// running one: it exits at once, saying why.
func TestSecondServeExitsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kb processes")
	}
	data := t.TempDir()
	startChild(t, "--data", data)
	// It gives up after the lock timeout (half a second) instead of waiting
	// for the first; the bound is generous for a loaded machine, and the
	// context ends a kb that waits forever.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, kbBinary(t), "serve", "--addr", "127.0.0.1:0", "--data", data)
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "the second kb exits")
	assert.Less(t, time.Since(start), 20*time.Second, "exits after the lock timeout")
	assert.Contains(t, string(out), "is locked by another kb")
}

// TestServeWithDamagedLinks starts kb on damaged links files (garbage, an
// empty file, a truncated database, which made bbolt fault and kb exit at
// every start): pages are served, the link API answers 503, /readyz names
// the damage, and the file is exactly as it was.
func TestServeWithDamagedLinks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kb processes")
	}
	good := realDB(t, 2000)
	for _, tc := range []struct {
		name string
		file []byte
	}{
		{"garbage", bytes.Repeat([]byte("not a bbolt file "), 1000)},
		{"empty", []byte{}},
		{"truncated", good[:len(good)/4]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			path := filepath.Join(data, dbFile)
			require.NoError(t, os.WriteFile(path, tc.file, 0o600))
			sum := sha256.Sum256(tc.file)
			c := startChild(t, "--data", data)

			status, body := get(t, c.base+"/")
			assert.Equal(t, http.StatusOK, status, "pages are served")
			assert.Contains(t, body, "Acme Platform Knowledge Base")
			res, err := durableClient.Post(c.base+"/api/v1/links", "application/json", strings.NewReader(`{}`))
			require.NoError(t, err)
			msg, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			require.NoError(t, res.Body.Close())
			assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
			assert.Contains(t, string(msg), "Ticket links are unavailable")
			status, body = get(t, c.base+"/readyz")
			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, body, `"status":"degraded"`)
			assert.Contains(t, body, `"links":{"status":"damaged"`)
			assert.Contains(t, body, "kb.db")
			c.kill()
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, sum, sha256.Sum256(after), "the file is never modified")
		})
	}
}
