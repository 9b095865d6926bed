package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// e2eDeadline bounds each wait of the end-to-end test: the machine is shared.
const e2eDeadline = 3 * time.Minute

// e2eRunbook is the runbook of the README's example alert, named after it
// and without front matter (the file name answers the alert), its commands
// written with a {{pod}} placeholder and a shell variable.
const e2eRunbook = "# KubePodCrashLooping\n\n## Diagnosis\n\n```sh\nkubectl -n $NAMESPACE describe pod {{pod}}\nkubectl -n ${NAMESPACE} logs {{pod}} --previous\n```\n"

// TestE2EAlertChain runs the chain an on-call engineer relies on, with the
// real tools from Debian's prometheus and prometheus-alertmanager packages on
// loopback: Prometheus evaluates the README's alert rule (its expression made
// to fire for a while, then resolve) and kb's own rules
// (deploy/prometheus/kb-rules.yml) while scraping kb; Alertmanager, with the
// README's alertmanager.yml, delivers to kb. The runbook_url Prometheus
// expands lands on the runbook with the labels filled in, and the resolution
// becomes a ticket link. make e2e runs it (KB_E2E=1).
func TestE2EAlertChain(t *testing.T) {
	if os.Getenv("KB_E2E") == "" {
		t.Skip("the end-to-end test runs with make e2e (KB_E2E=1)")
	}
	prometheus, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus is not installed (apt-get install -y prometheus): skipping the end-to-end test")
	}
	alertmanager, err := exec.LookPath("prometheus-alertmanager")
	if err != nil {
		if alertmanager, err = exec.LookPath("alertmanager"); err != nil {
			t.Skip("alertmanager is not installed (apt-get install -y prometheus-alertmanager): skipping the end-to-end test")
		}
	}
	dir := t.TempDir()
	const secret = "e2e-alertmanager-secret"
	content := filepath.Join(dir, "content")
	writeFiles(t, content, map[string]string{"runbooks/shop/KubePodCrashLooping.md": e2eRunbook})
	kbBase, _ := startServeWith(t, map[string]string{"KB_WEBHOOK_SECRET_ALERTMANAGER": secret}, time.Now, "--content", content)
	kbAddr := strings.TrimPrefix(kbBase, "http://")

	// Alertmanager with the README's alertmanager.yml, pointed at this kb.
	amAddr := freeAddr(t)
	amSrc := readmeBlock(t, "yaml", "# alertmanager.yml")
	secretFile := filepath.Join(dir, "kb-secret")
	require.NoError(t, os.WriteFile(secretFile, []byte(secret), 0o600))
	amSrc = strings.ReplaceAll(amSrc, "https://kb.example.com", kbBase)
	amSrc = strings.ReplaceAll(amSrc, "/etc/alertmanager/kb-secret", secretFile)
	var am map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(amSrc), &am))
	route := am["route"].(map[string]any)
	route["group_wait"], route["group_interval"], route["repeat_interval"] = "1s", "1s", "1h" // the test's pace, not a set-up to copy
	writeYAML(t, filepath.Join(dir, "alertmanager.yml"), am)
	startTool(t, alertmanager, "http://"+amAddr, "--config.file="+filepath.Join(dir, "alertmanager.yml"),
		"--storage.path="+filepath.Join(dir, "am-data"), "--web.listen-address="+amAddr, "--cluster.listen-address=")

	// Prometheus with the README's rule, firing for fireFor, and kb's rules.
	const fireFor = 45 * time.Second
	var rules map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(readmeBlock(t, "yaml", "# prometheus rules")), &rules))
	rule := rules["groups"].([]any)[0].(map[string]any)["rules"].([]any)[0].(map[string]any)
	alert := rule["alert"].(string)
	end := time.Now().Add(fireFor).Unix()
	rule["expr"] = fmt.Sprintf(`label_replace(label_replace(vector(1), "namespace", "shop", "", ""), "pod", "cart-1", "", "") and on() (vector(time()) < %d)`, end)
	rule["for"] = "0s"
	ann := rule["annotations"].(map[string]any)
	ann["runbook_url"] = strings.ReplaceAll(ann["runbook_url"].(string), "https://kb.example.com", kbBase)
	writeYAML(t, filepath.Join(dir, "rules.yml"), rules)
	kbRules, err := filepath.Abs(kbRules)
	require.NoError(t, err)
	promAddr := freeAddr(t)
	writeYAML(t, filepath.Join(dir, "prometheus.yml"), map[string]any{
		"global":         map[string]any{"scrape_interval": "1s", "evaluation_interval": "1s"},
		"rule_files":     []string{filepath.Join(dir, "rules.yml"), kbRules},
		"alerting":       map[string]any{"alertmanagers": []any{map[string]any{"static_configs": []any{map[string]any{"targets": []string{amAddr}}}}}},
		"scrape_configs": []any{map[string]any{"job_name": "kb", "static_configs": []any{map[string]any{"targets": []string{kbAddr}}}}},
	})
	start := time.Now()
	startTool(t, prometheus, "http://"+promAddr, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "prom-data"), "--web.listen-address="+promAddr,
		"--rules.alert.resend-delay=1s") // the test's pace: an alert dropped before Alertmanager is discovered is sent again within a second
	t.Logf("prometheus %s, alertmanager %s and kb %s started in %s", promAddr, amAddr, kbAddr, time.Since(start).Round(time.Millisecond))

	// Firing: the runbook_url, as Prometheus expanded it, lands on the runbook with the labels filled.
	var runbookURL string
	waitFor(t, "Prometheus fires "+alert, func() bool {
		var res struct {
			Data struct {
				Alerts []struct {
					Labels      map[string]string `json:"labels"`
					Annotations map[string]string `json:"annotations"`
					State       string            `json:"state"`
				} `json:"alerts"`
			} `json:"data"`
		}
		if !getJSON("http://"+promAddr+"/api/v1/alerts", &res) {
			return false
		}
		for _, a := range res.Data.Alerts {
			if a.Labels["alertname"] == alert && a.State == "firing" {
				runbookURL = a.Annotations["runbook_url"]
				return true
			}
		}
		return false
	})
	fired := time.Now()
	t.Logf("%s fires after %s; runbook_url %s", alert, fired.Sub(start).Round(time.Millisecond), runbookURL)
	require.Equal(t, kbBase+"/alerts/"+alert+"?namespace=shop&pod=cart-1", runbookURL)
	res, err := http.Get(runbookURL)
	require.NoError(t, err)
	page, err := io.ReadAll(res.Body)
	require.NoError(t, res.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "/runbooks/shop/KubePodCrashLooping", res.Request.URL.Path, "the alert link lands on the runbook")
	assert.Contains(t, string(page), `title="$NAMESPACE">shop</mark>`)
	assert.Contains(t, string(page), `title="${NAMESPACE}">shop</mark>`)
	assert.Contains(t, string(page), `title="{{pod}}">cart-1</mark>`)
	assert.Contains(t, string(page), "Highlighted values in the commands are these labels")

	accepted := regexp.MustCompile(`(?m)^kb_webhook_deliveries_total\{result="accepted",source="alertmanager"\} (\d+)$`)
	t.Cleanup(func() {
		if t.Failed() {
			_, body := getText(kbBase + "/metrics")
			t.Logf("kb's webhook counts:\n%s", grepLines(body, "kb_webhook_deliveries_total{", `source="alertmanager"`))
			t.Logf("kb's requests:\n%s", grepLines(body, "kb_http_requests_total{"))
			_, ams := getText("http://" + promAddr + "/api/v1/alertmanagers")
			_, alerts := getText("http://" + amAddr + "/api/v2/alerts")
			t.Logf("Prometheus' alertmanagers: %s\nAlertmanager's alerts: %s", ams, alerts)
			_, pm := getText("http://" + promAddr + "/metrics")
			_, amm := getText("http://" + amAddr + "/metrics")
			t.Logf("Prometheus notifications:\n%s\nAlertmanager:\n%s\n%s", grepLines(pm, "prometheus_notifications_"), grepLines(amm, "alertmanager_alerts_received"), grepLines(amm, "alertmanager_notifications"))
		}
	})
	waitFor(t, "Alertmanager delivers the firing alert to kb", func() bool {
		_, body := getText(kbBase + "/metrics")
		m := accepted.FindStringSubmatch(body)
		n := 0
		if m != nil {
			n, _ = strconv.Atoi(m[1])
		}
		return n >= 1
	})
	t.Logf("firing delivery accepted by kb %s after the alert fired", time.Since(fired).Round(time.Millisecond))

	// Resolved: the resolution becomes a link of the runbook.
	var links struct {
		Links []struct {
			Ticket struct {
				System, Key, Status string
			} `json:"ticket"`
		} `json:"links"`
	}
	waitFor(t, "the resolution links the runbook", func() bool {
		return getJSON(kbBase+"/api/v1/articles/runbooks-shop-kubepodcrashlooping/tickets", &links) && len(links.Links) > 0
	})
	resolvedAt := time.Unix(end, 0)
	t.Logf("resolution linked %s after the alert stopped firing: %+v", time.Since(resolvedAt).Round(time.Millisecond), links.Links[0].Ticket)
	assert.Equal(t, "alertmanager", links.Links[0].Ticket.System)
	assert.True(t, strings.HasPrefix(links.Links[0].Ticket.Key, alert+"-"), links.Links[0].Ticket.Key)

	// kb's own rules evaluate against the kb Prometheus scrapes, and none fires.
	var ruleRes struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name, Health, State, LastError string
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	require.True(t, getJSON("http://"+promAddr+"/api/v1/rules", &ruleRes))
	n := 0
	for _, g := range ruleRes.Data.Groups {
		if g.Name != "kb" {
			continue
		}
		for _, r := range g.Rules {
			n++
			assert.Equal(t, "ok", r.Health, "%s: %s", r.Name, r.LastError)
			if r.Name != "KbAlertsWithoutRunbooks" {
				assert.Equal(t, "inactive", r.State, r.Name)
			}
		}
	}
	assert.GreaterOrEqual(t, n, 10, "kb's rules are loaded")
	_, metrics := getText(kbBase + "/metrics")
	t.Logf("kb's %d rules evaluated by Prometheus; kb counted deliveries:\n%s", n, grepLines(metrics, `kb_webhook_deliveries_total{`, `source="alertmanager"`))
}

// readmeBlock returns the one fenced block of README.md in lang that
// contains marker, without the indentation of a list item.
func readmeBlock(t *testing.T, lang, marker string) string {
	t.Helper()
	src, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	var found []string
	var cur *strings.Builder
	var curLang, indent string
	for line := range strings.SplitSeq(string(src), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "```") {
			if cur == nil {
				cur, curLang, indent = &strings.Builder{}, strings.TrimPrefix(trimmed, "```"), line[:len(line)-len(trimmed)]
			} else {
				if curLang == lang && strings.Contains(cur.String(), marker) {
					found = append(found, cur.String())
				}
				cur = nil
			}
			continue
		}
		if cur != nil {
			cur.WriteString(strings.TrimPrefix(line, indent) + "\n")
		}
	}
	require.Len(t, found, 1, "README.md has one %s block with %q", lang, marker)
	return found[0]
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, for tools that take no port 0.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func writeYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// startTool starts a Prometheus-style tool and waits until base/-/ready
// answers 200; the process is stopped (SIGTERM, then killed) when the test ends.
func startTool(t *testing.T, bin, base string, args ...string) {
	t.Helper()
	logs := &syncBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // an error means it has exited already
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill() // it did not stop by itself
			<-done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(bin), logs.String())
		}
	})
	deadline := time.Now().Add(e2eDeadline)
	for time.Now().Before(deadline) {
		if status, _ := getText(base + "/-/ready"); status == http.StatusOK {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("%s exited: %v\n%s", bin, err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("%s not ready after %s:\n%s", bin, e2eDeadline, logs.String())
}

// waitFor polls cond until it holds, failing the test after e2eDeadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(e2eDeadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, e2eDeadline)
		}
		time.Sleep(200 * time.Millisecond) // polling interval, not an assertion's wait
	}
}

var e2eClient = &http.Client{Timeout: 10 * time.Second}

// getText returns the status and body of a GET, 0 when it failed.
func getText(url string) (int, string) {
	res, err := e2eClient.Get(url)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, ""
	}
	return res.StatusCode, string(b)
}

// getJSON decodes the body of a 200 answer into v.
func getJSON(url string, v any) bool {
	status, body := getText(url)
	return status == http.StatusOK && json.Unmarshal([]byte(body), v) == nil
}

// grepLines returns the lines of text that contain every one of subs.
func grepLines(text string, subs ...string) string {
	var out []string
	for line := range strings.SplitSeq(text, "\n") {
		ok := true
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			out = append(out, "  "+line)
		}
	}
	return strings.Join(out, "\n")
}
