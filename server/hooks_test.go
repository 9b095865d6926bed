package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/reports"
	"kb/webhook"
)

// signed returns the headers with which source's tool would send body,
// signed with secret the way that tool signs (or sends its secret).
func signed(source, secret string, body []byte) []string {
	mac := func(msg []byte) []byte {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(msg)
		return m.Sum(nil)
	}
	switch source {
	case "jira":
		return []string{"X-Hub-Signature", "sha256=" + hex.EncodeToString(mac(body))}
	case "generic":
		return []string{"X-KB-Signature", "sha256=" + hex.EncodeToString(mac(body))}
	case "pagerduty":
		return []string{"X-PagerDuty-Signature", "v1=" + hex.EncodeToString(mac(body))}
	case "zendesk":
		ts := "2026-09-02T14:07:03Z"
		return []string{"X-Zendesk-Webhook-Signature", base64.StdEncoding.EncodeToString(mac(append([]byte(ts), body...))),
			"X-Zendesk-Webhook-Signature-Timestamp", ts}
	}
	return []string{"X-KB-Secret", secret} // servicenow, alertmanager
}

// samples are the payloads of package webhook's testdata, each with its source.
func samples(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../webhook/testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		out[filepath.Base(f)] = b
	}
	return out
}

func sourceOf(file string) string {
	src, _, _ := strings.Cut(file, "-")
	return src
}

// TestWebhookSamples sends every sample payload through the real endpoint:
// resolved tickets that name articles become links, the others knowledge
// gaps, and the report shows both.
func TestWebhookSamples(t *testing.T) {
	site := newLinkSite(t)
	all := samples(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range all {
			if !yield(k) {
				return
			}
		}
	})
	results := map[string]webhook.Result{}
	for _, name := range names {
		body, src := all[name], sourceOf(name)
		res := site.post(t, "/api/v1/hooks/"+src, "", string(body), signed(src, hookSecret, body)...)
		require.Equal(t, http.StatusOK, res.status, "%s: %s", name, res.body)
		var r webhook.Result
		require.NoError(t, json.Unmarshal([]byte(res.body), &r))
		assert.False(t, r.Duplicate, name)
		assert.NotEmpty(t, r.Delivery, name)
		results[name] = r
	}

	jira := results["jira-resolved.json"].Tickets
	require.Len(t, jira, 1)
	assert.Equal(t, []string{"etcd-no-leader"}, jira[0].Linked)
	assert.Equal(t, []string{"/a/etcd-disk-latency"}, jira[0].Unresolved, "a reference to no article is listed")
	assert.False(t, jira[0].Gap)
	am := results["alertmanager-resolved.json"].Tickets
	require.Len(t, am, 2)
	assert.Equal(t, []string{"etcd-no-leader"}, am[0].Linked, "the alert name finds its runbook")
	assert.True(t, am[1].Gap, "an alert without a runbook is a gap")
	assert.True(t, results["zendesk-resolved.json"].Tickets[0].Gap)
	assert.False(t, results["pagerduty-annotated.json"].Tickets[0].Resolved, "a note on an open incident links nothing yet")
	assert.Empty(t, results["pagerduty-annotated.json"].Tickets[0].Linked)
	pd := results["pagerduty-resolved.json"].Tickets[0]
	assert.Equal(t, []string{"runbooks-postgres-wal-disk-full"}, pd.Linked, "the runbook a note named before the resolution")
	assert.Equal(t, []string{"/a/disk-full"}, pd.Unresolved)

	var ta ticketArticles
	site.getJSON(t, "/api/v1/tickets/jira/OPS-1234", &ta)
	require.Len(t, ta.Links, 1)
	assert.Equal(t, "restore-quorum", ta.Links[0].Anchor, "the URL's section is kept")
	assert.Equal(t, "webhook:jira", ta.Links[0].LinkedBy)
	site.getJSON(t, "/api/v1/tickets/github/acme-infra%23412", &ta)
	require.Len(t, ta.Links, 1, "an id and a path of the same article are one link")
	assert.Equal(t, "backup-permissions", ta.Links[0].ArticleID)

	var r reports.TicketsReport
	site.getJSON(t, "/reports/tickets?format=json", &r)
	assert.Equal(t, 5, r.Links)
	assert.Equal(t, 8, r.LinkRate.Resolved)
	assert.Equal(t, 5, r.LinkRate.Linked)
	assert.InDelta(t, 5.0/8, r.LinkRate.Rate, 1e-9)
	assert.Equal(t, 3, r.Gaps.Total)
	var gapSystems []string
	for _, g := range r.Gaps.BySystem {
		gapSystems = append(gapSystems, g.Name)
	}
	assert.ElementsMatch(t, []string{"alertmanager", "servicenow", "zendesk"}, gapSystems)
	var sn reports.GapTicket
	for _, g := range r.Gaps.BySystem {
		if g.Name == "servicenow" {
			sn = g.Tickets[0]
		}
	}
	assert.Equal(t, []string{"/runbooks/k8s/oomkilled", "/a/ingress-502"}, sn.Unresolved)
	require.NotEmpty(t, r.Gaps.ByWord)
	html := site.get(t, "/reports/tickets").body
	for _, want := range []string{"Knowledge gaps: 3 resolved tickets without an article", "Password reset email never arrives",
		"Checkout API returns 502 for EU customers", "62%", "etcd has no leader", "Never linked to a ticket"} {
		assert.Contains(t, html, want)
	}
	assert.Contains(t, site.get(t, "/runbooks/etcd/no-leader").body, "Solved 2 tickets")

	// Retries change nothing.
	before := site.export(t)
	for _, name := range names {
		body, src := all[name], sourceOf(name)
		res := site.post(t, "/api/v1/hooks/"+src, "", string(body), signed(src, hookSecret, body)...)
		require.Equal(t, http.StatusOK, res.status)
		var r webhook.Result
		require.NoError(t, json.Unmarshal([]byte(res.body), &r))
		assert.True(t, r.Duplicate, name)
	}
	assert.Equal(t, before, site.export(t))
}

func TestWebhookRefusals(t *testing.T) {
	site := newLinkSite(t, func(d *Deps) { d.WebhookSecrets = map[string]string{"generic": "from-the-environment"} })
	body := samples(t)["jira-resolved.json"]
	for _, tt := range []struct {
		name    string
		headers []string
	}{
		{"wrong key", signed("jira", "not-the-secret", body)},
		{"no signature", nil},
		{"tampered", []string{"X-Hub-Signature", "sha256=" + strings.Repeat("00", 32)}},
		{"bearer of another secret", []string{"Authorization", "Bearer " + site.write}},
	} {
		res := site.post(t, "/api/v1/hooks/jira", "", string(body), tt.headers...)
		assert.Equal(t, http.StatusUnauthorized, res.status, tt.name)
		assert.Contains(t, errorOf(t, res), "signature", tt.name)
	}
	assert.Empty(t, site.export(t), "nothing stored")
	var r reports.TicketsReport
	site.getJSON(t, "/reports/tickets?format=json", &r)
	assert.Zero(t, r.LinkRate.Resolved, "no resolved ticket recorded")

	generic := samples(t)["generic-resolved.json"]
	res := site.post(t, "/api/v1/hooks/generic", "", string(generic), signed("generic", hookSecret, generic)...)
	assert.Equal(t, http.StatusUnauthorized, res.status, "the environment's secret wins over kb.yaml's")
	res = site.post(t, "/api/v1/hooks/generic", "", string(generic), signed("generic", "from-the-environment", generic)...)
	assert.Equal(t, http.StatusOK, res.status, res.body)

	res = site.post(t, "/api/v1/hooks/github", "", "{}")
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Contains(t, errorOf(t, res), "Unknown webhook source")
	bad := []byte(`{"ticket": {"system": "github", "key": "x"}, "resolved": true, "evil": 1}`)
	res = site.post(t, "/api/v1/hooks/generic", "", string(bad), signed("generic", "from-the-environment", bad)...)
	assert.Equal(t, http.StatusBadRequest, res.status)
	assert.Contains(t, errorOf(t, res), "evil")
	big := []byte(`{"text": "` + strings.Repeat("a", 1<<20) + `"}`)
	res = site.post(t, "/api/v1/hooks/generic", "", string(big), signed("generic", "from-the-environment", big)...)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.status)
}

func TestWebhookSourceOff(t *testing.T) {
	site := newLinkSite(t)
	require.NoError(t, os.WriteFile(filepath.Join(site.dir, "kb.yaml"), []byte("title: Test KB\n"), 0o644))
	_, err := site.lib.Sync(t.Context())
	require.NoError(t, err)
	res := site.post(t, "/api/v1/hooks/zendesk", "", "{}", "X-KB-Secret", hookSecret)
	assert.Equal(t, http.StatusNotFound, res.status)
	assert.Contains(t, errorOf(t, res), "KB_WEBHOOK_SECRET_ZENDESK")
}

// TestAlertmanagerRealDeliveries sends the six deliveries captured from a
// real Prometheus 2.42 → Alertmanager 0.25 chain, authenticated the ways
// Alertmanager's http_config can (basic_auth, authorization Bearer): every
// one is accepted, and the resolution of etcdNoLeader links its runbook.
func TestAlertmanagerRealDeliveries(t *testing.T) {
	dir := "../../shared/fixtures/alertmanager-0.25"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/fixtures not found")
	}
	site := newLinkSite(t)
	auth := []string{
		"Basic " + base64.StdEncoding.EncodeToString([]byte("alertmanager:"+hookSecret)),
		"Bearer " + hookSecret,
	}
	for i := 1; i <= 6; i++ {
		body, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("delivery-%d.json", i)))
		require.NoError(t, err)
		res := site.post(t, "/api/v1/hooks/alertmanager", "", string(body), "Authorization", auth[i%2], "User-Agent", "Alertmanager/0.25.0")
		require.Equal(t, http.StatusOK, res.status, "delivery %d: %s", i, res.body)
	}
	var ta ticketArticles
	site.getJSON(t, "/api/v1/articles/etcd-no-leader/tickets", &ta)
	require.NotEmpty(t, ta.Links, "the resolved etcdNoLeader alert links its runbook")
	assert.Equal(t, "alertmanager", ta.Links[0].Ticket.System)
	res := site.post(t, "/api/v1/hooks/alertmanager", "", `{}`, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alertmanager:wrong")))
	assert.Equal(t, http.StatusUnauthorized, res.status)
}

// metricValue reads one sample of /metrics, -1 when absent.
func metricValue(t *testing.T, site *testSite, series string) float64 {
	t.Helper()
	for line := range strings.SplitSeq(site.get(t, "/metrics").body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err, line)
			return f
		}
	}
	return -1
}

// TestWebhookOutcomesCounted: every delivery is counted on /metrics by
// source and result, so that a broken integration shows on a dashboard.
func TestWebhookOutcomesCounted(t *testing.T) {
	dir := "../../shared/fixtures/alertmanager-0.25"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/fixtures not found")
	}
	site := newLinkSite(t)
	count := func(source, result string) float64 {
		return metricValue(t, site.testSite, `kb_webhook_deliveries_total{result="`+result+`",source="`+source+`"}`)
	}
	assert.Zero(t, count("jira", "accepted"), "every series exists from the start")
	auth := "Bearer " + hookSecret
	for i := 1; i <= 6; i++ {
		body, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("delivery-%d.json", i)))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, site.post(t, "/api/v1/hooks/alertmanager", "", string(body), "Authorization", auth).status)
	}
	body, err := os.ReadFile(filepath.Join(dir, "delivery-4.json"))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, site.post(t, "/api/v1/hooks/alertmanager", "", string(body), "Authorization", auth).status, "a retry")
	require.Equal(t, http.StatusUnauthorized, site.post(t, "/api/v1/hooks/alertmanager", "", string(body), "Authorization", "Bearer wrong").status)
	require.Equal(t, http.StatusBadRequest, site.post(t, "/api/v1/hooks/alertmanager", "", `{"alerts": 3}`, "Authorization", auth).status)
	require.Equal(t, http.StatusBadRequest, site.post(t, "/api/v1/hooks/alertmanager", "", `not json`, "Authorization", auth).status)

	// Firing alerts (1-3) and the resolution of etcdNoLeader (4) link or
	// wait; the two other resolutions (5, 6) name no runbook of this site.
	assert.Equal(t, 4.0, count("alertmanager", "accepted"))
	assert.Equal(t, 2.0, count("alertmanager", "no_article"))
	assert.Equal(t, 1.0, count("alertmanager", "duplicate"))
	assert.Equal(t, 1.0, count("alertmanager", "bad_signature"))
	assert.Equal(t, 2.0, count("alertmanager", "unparsable"))
	assert.Equal(t, 2.0, metricValue(t, site.testSite, `kb_knowledge_gaps_open{system="alertmanager"}`))
	assert.Zero(t, metricValue(t, site.testSite, `kb_knowledge_gaps_open{system="jira"}`))
	assert.Equal(t, -1.0, metricValue(t, site.testSite, "kb_content_git_fetch_age_seconds"), "a folder is never fetched")
	assert.Equal(t, 1.0, metricValue(t, site.testSite, `kb_links_store_state{state="ok"}`))
}

// TestMetricsPromtool runs promtool's linter over /metrics (apt-get install
// prometheus gives promtool); skipped without it.
func TestMetricsPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install -y prometheus)")
	}
	site := newLinkSite(t)
	site.post(t, "/api/v1/hooks/alertmanager", "", `{"alerts": []}`, "Authorization", "Bearer "+hookSecret)
	site.get(t, "/runbooks/etcd/no-leader")
	body := site.get(t, "/metrics").body
	for _, m := range []string{"kb_webhook_deliveries_total", "kb_knowledge_gaps_open", "kb_content_git_fetch_age_seconds", "kb_alerts_without_runbook", "kb_links_store_state"} {
		assert.Contains(t, body, "# HELP "+m+" ", m)
	}
	cmd := exec.CommandContext(t.Context(), promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "%s", out)
	assert.Empty(t, strings.TrimSpace(string(out)), "promtool check metrics finds nothing to say")
}
