package webhook

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
)

var testBase = Base{URL: "https://kb.example.com"}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// headers returns a header getter over name/value pairs.
func headers(kv ...string) func(string) string {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h.Get
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestParseSamples(t *testing.T) {
	tests := []struct {
		name    string
		source  string
		file    string
		header  func(string) string
		wantID  string // "hash" when the id must be a body hash
		want    []Resolution
		wantTxt []string // substrings each expected in some text of the first resolution
	}{
		{
			name: "jira resolved", source: Jira, file: "jira-resolved.json",
			header: headers("X-Atlassian-Webhook-Identifier", "wh-5f0c9a7e-3a21-4d0e-9b3c-1f2e3d4c5b6a"),
			wantID: "wh-5f0c9a7e-3a21-4d0e-9b3c-1f2e3d4c5b6a",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "jira", Key: "OPS-1234", URL: "https://acme.atlassian.net/browse/OPS-1234",
					Title: "etcd in prod-eu-1 has no leader", Status: "Done", ResolvedAt: at("2026-09-01T10:15:00.412Z"),
				},
				Resolved: true,
				Refs: []Ref{
					{Path: "/a/etcd-disk-latency"}, // newest comment first
					{Path: "/runbooks/etcd/no-leader", Anchor: "restore-quorum"},
				},
			}},
			wantTxt: []string{"Done", "Quorum is back", "Two members", "grafana.example.com"},
		},
		{
			name: "jira in progress", source: Jira, file: "jira-open.json", header: headers(), wantID: "hash",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "jira", Key: "OPS-1234", URL: "https://acme.atlassian.net/browse/OPS-1234",
					Title: "etcd in prod-eu-1 has no leader", Status: "In Progress",
				},
			}},
		},
		{
			name: "jira data center comment on a closed issue", source: Jira, file: "jira-comment.json", header: headers(), wantID: "hash",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "jira", Key: "SUP-88", URL: "https://jira.example.org/jira/browse/SUP-88",
					Title: "Orders are delayed by 20 minutes", Status: "Closed", ResolvedAt: at("2026-09-01T10:58:44Z"),
				},
				Resolved: true,
				Refs:     []Ref{{Path: "/runbooks/kafka/consumer-lag"}},
			}},
			wantTxt: []string{"Fixed", "Restart the stuck consumer"},
		},
		{
			name: "servicenow resolved", source: ServiceNow, file: "servicenow-resolved.json", header: headers(), wantID: "hash",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "servicenow", Key: "INC0012345", URL: "https://acme.service-now.com/incident.do?sys_id=9d385017c611228701d22104cc95c371",
					Title: "Checkout API returns 502 for EU customers", Status: "Resolved", ResolvedAt: at("2026-09-01T10:31:05Z"),
				},
				Resolved: true,
				Refs:     []Ref{{Path: "/runbooks/k8s/oomkilled"}, {Path: "/a/ingress-502"}},
			}},
			wantTxt: []string{"OOMKilled", "We are looking into it", "Work notes", "HTTP 502"},
		},
		{
			name: "servicenow in progress with a numeric state", source: ServiceNow, file: "servicenow-open.json", header: headers(), wantID: "hash",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "servicenow", Key: "INC0012345", URL: "https://acme.service-now.com/incident.do?sys_id=9d385017c611228701d22104cc95c371",
					Title: "Checkout API returns 502 for EU customers", Status: "In Progress",
				},
				Refs: []Ref{{Path: "/a/ingress-502"}}, // mentioned, not yet resolved
			}},
		},
		{
			name: "zendesk solved", source: Zendesk, file: "zendesk-resolved.json",
			header: headers("X-Zendesk-Webhook-Invocation-Id", "8350205582"), wantID: "8350205582",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "zendesk", Key: "48213", URL: "https://acme.zendesk.com/agent/tickets/48213",
					Title: "Password reset email never arrives", Status: "Solved", ResolvedAt: at("2026-09-02T14:07:00Z"),
				},
				Resolved: true,
				Refs:     []Ref{{Path: "/runbooks/mail/relay-throttling"}},
			}},
			wantTxt: []string{"rate limited", "three times"},
		},
		{
			// Zendesk's event webhooks (developer.zendesk.com/api-reference/webhooks/event-types/ticket-events):
			// the ticket in detail, the change in event; no ticket URL.
			name: "zendesk event: status changed to solved", source: Zendesk, file: "events/zendesk-event-solved.json",
			header: headers(), wantID: "3e9b7d2c-1f0a-4c6d-8e2b-5a4f3c2d1e09",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "zendesk", Key: "48213", Title: "Password reset email never arrives", Status: "SOLVED",
					ResolvedAt: at("2026-09-02T14:07:00Z"),
				},
				Resolved: true,
			}},
			wantTxt: []string{"three times"},
		},
		{
			name: "zendesk event: comment added", source: Zendesk, file: "events/zendesk-event-comment.json",
			header: headers(), wantID: "7c1f2a35-8f64-4a2b-9d0e-0a8b6c1e5f11",
			want: []Resolution{{
				Ticket: tickets.Ticket{System: "zendesk", Key: "48213", Title: "Password reset email never arrives", Status: "OPEN"},
				Refs:   []Ref{{Path: "/runbooks/mail/relay-throttling"}},
			}},
			wantTxt: []string{"relay throttling", "three times"},
		},
		{
			name: "zendesk open", source: Zendesk, file: "zendesk-open.json", header: headers(), wantID: "hash",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "zendesk", Key: "48213", URL: "https://acme.zendesk.com/agent/tickets/48213",
					Title: "Password reset email never arrives", Status: "Open",
				},
			}},
		},
		{
			name: "pagerduty resolved", source: PagerDuty, file: "pagerduty-resolved.json",
			header: headers("X-Webhook-Id", "ignored-when-the-event-has-an-id"), wantID: "01F3ZQ8Y4N2H7XK6B1T9WCM5RD",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "pagerduty", Key: "Q2X7LMN8RT5VW1", URL: "https://acme.pagerduty.com/incidents/Q2X7LMN8RT5VW1",
					Title: "Disk almost full on db-primary-2 (see https://kb.example.com/a/disk-full)", Status: "resolved",
					ResolvedAt: at("2026-09-03T02:41:17.512Z"),
				},
				Resolved: true,
				Refs:     []Ref{{Path: "/a/disk-full"}},
			}},
		},
		{
			name: "pagerduty acknowledged", source: PagerDuty, file: "pagerduty-open.json", header: headers(), wantID: "01F3ZNK2C8V5QJ0A7E4M6R9TYB",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "pagerduty", Key: "Q2X7LMN8RT5VW1", URL: "https://acme.pagerduty.com/incidents/Q2X7LMN8RT5VW1",
					Title: "Disk almost full on db-primary-2", Status: "acknowledged",
				},
			}},
		},
		{
			name: "pagerduty note", source: PagerDuty, file: "pagerduty-annotated.json", header: headers(), wantID: "01F3ZPA1W7D2R4K9N6B0XQ3TME",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "pagerduty", Key: "Q2X7LMN8RT5VW1", URL: "https://acme.pagerduty.com/incidents/Q2X7LMN8RT5VW1",
					Title: "Disk almost full on db-primary-2",
				},
				Refs: []Ref{{Path: "/runbooks/postgres/wal-disk-full", Anchor: "drop-old-slots"}},
			}},
			wantTxt: []string{"Vacuumed"},
		},
		{
			name: "alertmanager resolved group", source: Alertmanager, file: "alertmanager-resolved.json", header: headers(), wantID: "hash",
			want: []Resolution{
				{
					Ticket: tickets.Ticket{
						System: "alertmanager", Key: "etcdNoLeader-6f1c2b9a0d3e4f51-20260901T080015Z",
						URL:   "http://prometheus.example.com:9090/graph?g0.expr=etcd_server_has_leader%7Bjob%3D~%22.%2Aetcd.%2A%22%7D+%3D%3D+0&g0.tab=1",
						Title: "etcdNoLeader: etcd cluster has no leader.", Status: "resolved", ResolvedAt: at("2026-09-01T10:14:45.482Z"),
					},
					Resolved: true,
					Refs:     []Ref{{Path: "/alerts/etcdNoLeader"}},
				},
				{
					Ticket: tickets.Ticket{
						System: "alertmanager", Key: "KubePodCrashLooping-b03d7e19a4c25f86-20260901T091240Z",
						URL:   "http://prometheus.example.com:9090/graph?g0.expr=max_over_time%28kube_pod_container_status_waiting_reason%5B5m%5D%29+%3E%3D+1&g0.tab=1",
						Title: "KubePodCrashLooping: Pod is crash looping.", Status: "resolved", ResolvedAt: at("2026-09-01T09:58:10.001Z"),
					},
					Resolved: true,
					// runbook_url points outside kb: the alert name stands in
					Refs: []Ref{{Path: "/alerts/KubePodCrashLooping"}},
				},
			},
			wantTxt: []string{"has no leader", "https://kb.example.com/alerts/etcdNoLeader"},
		},
		{
			name: "alertmanager firing", source: Alertmanager, file: "alertmanager-open.json", header: headers(), wantID: "hash",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "alertmanager", Key: "etcdNoLeader-6f1c2b9a0d3e4f51-20260901T080015Z",
					URL:   "http://prometheus.example.com:9090/graph?g0.expr=etcd_server_has_leader%7Bjob%3D~%22.%2Aetcd.%2A%22%7D+%3D%3D+0&g0.tab=1",
					Title: "etcdNoLeader: etcd cluster has no leader.", Status: "firing",
				},
				Refs: []Ref{{Path: "/alerts/etcdNoLeader"}},
			}},
		},
		{
			name: "generic resolved", source: Generic, file: "generic-resolved.json", header: headers(), wantID: "gh-delivery-7c2f0e9a",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "github", Key: "acme-infra#412", URL: "https://github.com/acme/infra/issues/412",
					Title: "Nightly backup job fails with permission denied", Status: "closed", ResolvedAt: at("2026-09-04T07:30:00Z"),
				},
				Resolved: true,
				Refs: []Ref{
					{Path: "/a/backup-permissions"}, // refs first, then what the text names
					{Path: "/runbooks/backup/permission-denied", Anchor: "fix-the-role"},
				},
			}},
			wantTxt: []string{"Closed by the fix"},
		},
		{
			name: "generic open", source: Generic, file: "generic-open.json", header: headers(), wantID: "hash",
			want: []Resolution{{
				Ticket: tickets.Ticket{
					System: "github", Key: "acme-infra#412", URL: "https://github.com/acme/infra/issues/412",
					Title: "Nightly backup job fails with permission denied", Status: "open",
				},
				Refs: []Ref{{Path: "/a/backup-permissions"}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mustRead(t, tt.file)
			d, err := Parse(tt.source, tt.header, body, testBase)
			require.NoError(t, err)
			assert.Equal(t, tt.source, d.Source)
			if tt.wantID == "hash" {
				assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, d.ID)
			} else {
				assert.Equal(t, tt.wantID, d.ID)
			}
			require.Len(t, d.Tickets, len(tt.want))
			for i, want := range tt.want {
				got := d.Tickets[i]
				assert.Equal(t, want.Ticket, got.Ticket, "ticket %d", i)
				assert.Equal(t, want.Resolved, got.Resolved, "resolved %d", i)
				assert.Equal(t, want.Refs, got.Refs, "refs %d", i)
				l := tickets.Link{Ticket: got.Ticket, ArticleID: "some-article"}
				assert.NoError(t, l.Normalise(), "ticket %d must be storable as it is", i)
			}
			all := strings.Join(d.Tickets[0].Texts, "\n")
			for _, s := range tt.wantTxt {
				assert.Contains(t, all, s)
			}

			again, err := Parse(tt.source, tt.header, body, testBase)
			require.NoError(t, err)
			assert.Equal(t, d.ID, again.ID, "a retry has the same id")
		})
	}
}

func TestParseIDs(t *testing.T) {
	t.Run("different bodies, different hashes", func(t *testing.T) {
		a, err := Parse(ServiceNow, nil, mustRead(t, "servicenow-resolved.json"), testBase)
		require.NoError(t, err)
		b, err := Parse(ServiceNow, nil, mustRead(t, "servicenow-open.json"), testBase)
		require.NoError(t, err)
		assert.NotEqual(t, a.ID, b.ID)
	})
	t.Run("alertmanager HA pair sends one id", func(t *testing.T) {
		body := mustRead(t, "alertmanager-resolved.json")
		other := strings.Replace(string(body), "alertmanager-0.example.com", "alertmanager-1.example.com", 1)
		require.NotEqual(t, string(body), other)
		a, err := Parse(Alertmanager, nil, body, testBase)
		require.NoError(t, err)
		b, err := Parse(Alertmanager, nil, []byte(other), testBase)
		require.NoError(t, err)
		assert.Equal(t, a.ID, b.ID)
	})
	t.Run("unusable tool id falls back to the hash", func(t *testing.T) {
		d, err := Parse(Zendesk, headers("X-Zendesk-Webhook-Invocation-Id", "bad id\x7f"), mustRead(t, "zendesk-open.json"), testBase)
		require.NoError(t, err)
		assert.Regexp(t, `^sha256:`, d.ID)
	})
	t.Run("a tool id cannot pose as a hash", func(t *testing.T) {
		d, err := Parse(Jira, headers("X-Atlassian-Webhook-Identifier", "sha256:0000"), mustRead(t, "jira-open.json"), testBase)
		require.NoError(t, err)
		assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, d.ID)
	})
}

func TestParseWithoutBase(t *testing.T) {
	d, err := Parse(Jira, nil, mustRead(t, "jira-resolved.json"), Base{})
	require.NoError(t, err)
	// Without base_url only /a/ and /alerts/ URLs are known to be kb's.
	assert.Equal(t, []Ref{{Path: "/a/etcd-disk-latency"}}, d.Tickets[0].Refs)

	d, err = Parse(Alertmanager, nil, mustRead(t, "alertmanager-resolved.json"), Base{})
	require.NoError(t, err)
	assert.Equal(t, []Ref{{Path: "/alerts/etcdNoLeader"}}, d.Tickets[0].Refs)
	assert.Equal(t, []Ref{{Path: "/alerts/KubePodCrashLooping"}}, d.Tickets[1].Refs)
}

func TestParseIgnoredEvents(t *testing.T) {
	tests := []struct {
		name, source, body string
	}{
		{"jira project event", Jira, `{"webhookEvent": "project_created", "project": {"key": "NEW"}}`},
		{"jira issue deleted", Jira, `{"webhookEvent": "jira:issue_deleted", "issue": {"key": "OPS-1", "fields": {}}}`},
		{"pagerduty service change", PagerDuty, `{"event": {"id": "01X", "event_type": "service.updated", "resource_type": "service", "data": {"id": "PF9KMXH", "type": "service"}}}`},
		{"pagerduty ping", PagerDuty, `{"event": {"id": "01Y", "event_type": "pagey.ping", "resource_type": "pagey", "data": {"message": "Hello from your friend Pagey!", "type": "ping"}}}`},
		{"pagerduty responder", PagerDuty, `{"event": {"id": "01Z", "event_type": "incident.responder.added", "resource_type": "incident", "data": {"type": "incident_responder", "incident": {"id": "Q1"}}}}`},
		{"alertmanager empty group", Alertmanager, `{"version": "4", "status": "resolved", "alerts": []}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.source, nil, []byte(tt.body), testBase)
			require.NoError(t, err)
			assert.Empty(t, d.Tickets)
			assert.NotEmpty(t, d.ID)
		})
	}
}

func TestParseJiraResolution(t *testing.T) {
	tests := []struct {
		name, body string
		resolved   bool
	}{
		{
			name:     "resolution set by the changelog, status not done",
			body:     `{"webhookEvent": "jira:issue_updated", "issue": {"key": "OPS-1", "fields": {"status": {"name": "Verify", "statusCategory": {"key": "indeterminate"}}}}, "changelog": {"items": [{"field": "resolution", "to": "10000", "toString": "Fixed"}]}}`,
			resolved: true,
		},
		{
			name: "resolution cleared by a reopen",
			body: `{"webhookEvent": "jira:issue_updated", "issue": {"key": "OPS-1", "fields": {"status": {"name": "Done", "statusCategory": {"key": "done"}}}}, "changelog": {"items": [{"field": "resolution", "from": "10000", "to": null, "toString": null}]}}`,
		},
		{
			name:     "status category done",
			body:     `{"webhookEvent": "jira:issue_updated", "issue": {"key": "OPS-1", "fields": {"status": {"name": "Closed", "statusCategory": {"key": "done"}}}}}`,
			resolved: true,
		},
		{
			name: "no status",
			body: `{"webhookEvent": "jira:issue_created", "issue": {"key": "OPS-1", "fields": {}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(Jira, nil, []byte(tt.body), testBase)
			require.NoError(t, err)
			require.Len(t, d.Tickets, 1)
			assert.Equal(t, tt.resolved, d.Tickets[0].Resolved)
		})
	}
}

func TestParseJiraDocumentFormat(t *testing.T) {
	body := `{"webhookEvent": "jira:issue_updated", "issue": {"key": "OPS-7", "self": "https://acme.atlassian.net/rest/api/3/issue/7", "fields": {
		"status": {"name": "Done", "statusCategory": {"key": "done"}},
		"description": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
			{"type": "text", "text": "Fixed with "},
			{"type": "text", "text": "the runbook", "marks": [{"type": "link", "attrs": {"href": "https://kb.example.com/runbooks/dns/nxdomain"}}]},
			{"type": "inlineCard", "attrs": {"url": "https://kb.example.com/a/dns-cache"}}
		]}]}}}}`
	d, err := Parse(Jira, nil, []byte(body), testBase)
	require.NoError(t, err)
	assert.Equal(t, []Ref{{Path: "/runbooks/dns/nxdomain"}, {Path: "/a/dns-cache"}}, d.Tickets[0].Refs)
	assert.Contains(t, d.Tickets[0].Texts[0], "Fixed with the runbook")
}

func TestParseCleansFields(t *testing.T) {
	long := strings.Repeat("é", 400) // 800 bytes
	tests := []struct {
		name, source, body string
		check              func(t *testing.T, tk tickets.Ticket)
	}{
		{
			name: "zendesk title with newlines and controls", source: Zendesk,
			body: `{"id": 7, "status": "solved", "title": "Disk\nfull\u0000 on\t\u202edb", "url": "javascript:alert(1)"}`,
			check: func(t *testing.T, tk tickets.Ticket) {
				assert.Equal(t, "7", tk.Key)
				assert.Equal(t, "Disk full on db", tk.Title)
				assert.Empty(t, tk.URL, "a javascript: URL is dropped")
			},
		},
		{
			name: "zendesk data URL", source: Zendesk,
			body: `{"id": "8", "status": "open", "url": "data:text/html,<script>alert(1)</script>"}`,
			check: func(t *testing.T, tk tickets.Ticket) {
				assert.Empty(t, tk.URL)
			},
		},
		{
			name: "long title cut on a rune boundary", source: ServiceNow,
			body: `{"number": "INC1", "state": "7", "short_description": "` + long + `"}`,
			check: func(t *testing.T, tk tickets.Ticket) {
				assert.LessOrEqual(t, len(tk.Title), tickets.MaxTitle)
				assert.Equal(t, "Closed", tk.Status)
				assert.True(t, strings.HasPrefix(long, tk.Title))
			},
		},
		{
			name: "alert name with a slash and a newline", source: Alertmanager,
			body: `{"version": "4", "alerts": [{"status": "resolved", "labels": {"alertname": "disk/usage\nhigh"}, "annotations": {}, "startsAt": "2026-09-01T08:00:00Z"}]}`,
			check: func(t *testing.T, tk tickets.Ticket) {
				assert.True(t, strings.HasPrefix(tk.Key, "disk-usage high-"), tk.Key)
				assert.NotContains(t, tk.Key, "/")
			},
		},
		{
			name: "alert without name or fingerprint", source: Alertmanager,
			body: `{"version": "4", "alerts": [{"status": "resolved", "labels": {"job": "x"}}]}`,
			check: func(t *testing.T, tk tickets.Ticket) {
				assert.Regexp(t, `^alert-[0-9a-f]{16}$`, tk.Key)
			},
		},
		{
			name: "jira key with slashes", source: Jira,
			body: `{"issue": {"key": "OPS/1\\2", "self": "ftp://x/rest/api/2/issue/1", "fields": {}}}`,
			check: func(t *testing.T, tk tickets.Ticket) {
				assert.Equal(t, "OPS-1-2", tk.Key)
				assert.Empty(t, tk.URL, "only http(s) sites give a URL")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.source, nil, []byte(tt.body), testBase)
			require.NoError(t, err)
			require.Len(t, d.Tickets, 1)
			tt.check(t, d.Tickets[0].Ticket)
			l := tickets.Link{Ticket: d.Tickets[0].Ticket, ArticleID: "x"}
			assert.NoError(t, l.Normalise())
		})
	}
}

func TestParseAlertmanagerBounds(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"version": "4", "status": "resolved", "alerts": [`)
	for i := range maxAlerts + 20 {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`{"status": "resolved", "labels": {"alertname": "A` + strings.Repeat("x", i%7) + `", "i": "` + string(rune('a'+i%26)) + `"}, "startsAt": "2026-09-01T08:00:00Z"}`)
	}
	sb.WriteString("]}")
	d, err := Parse(Alertmanager, nil, []byte(sb.String()), testBase)
	require.NoError(t, err)
	assert.Len(t, d.Tickets, maxAlerts)
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	tests := []struct {
		name, source, body string
		field              string // the field the error names; "" for the body
		msg                string // a substring of the message
	}{
		{name: "empty", source: Jira, body: "  ", msg: "empty body"},
		{name: "not JSON", source: Jira, body: "<xml/>", msg: "invalid JSON"},
		{name: "two values", source: ServiceNow, body: `{"number": "INC1", "state": 6} {}`, msg: "more than one"},
		{name: "nested too deep", source: Alertmanager, body: `{"alerts": ` + deep + `}`, msg: "nested deeper"},
		{name: "jira without issue", source: Jira, body: `{"webhookEvent": "jira:issue_updated"}`, field: "issue"},
		{name: "jira without key", source: Jira, body: `{"issue": {"fields": {}}}`, field: "issue.key"},
		{name: "jira key of the wrong type", source: Jira, body: `{"issue": {"key": 12, "fields": {}}}`, field: "issue.key", msg: "want a string"},
		{name: "servicenow without number", source: ServiceNow, body: `{"state": "6"}`, field: "number"},
		{name: "servicenow without state", source: ServiceNow, body: `{"number": "INC1"}`, field: "state"},
		{name: "zendesk without id", source: Zendesk, body: `{"status": "solved"}`, field: "id"},
		{name: "zendesk without status", source: Zendesk, body: `{"id": "1"}`, field: "status"},
		{name: "pagerduty without event", source: PagerDuty, body: `{"messages": []}`, field: "event"},
		{name: "pagerduty without type", source: PagerDuty, body: `{"event": {"id": "1"}}`, field: "event.event_type"},
		{name: "pagerduty without data", source: PagerDuty, body: `{"event": {"id": "1", "event_type": "incident.resolved"}}`, field: "event.data"},
		{name: "pagerduty without incident id", source: PagerDuty, body: `{"event": {"id": "1", "event_type": "incident.resolved", "data": {"type": "incident"}}}`, field: "event.data.id"},
		{name: "alertmanager without alerts", source: Alertmanager, body: `{"version": "4", "status": "firing"}`, field: "alerts"},
		{name: "alertmanager labels of the wrong type", source: Alertmanager, body: `{"alerts": [{"labels": ["a"]}]}`, field: "alerts.labels"},
		{name: "generic without ticket", source: Generic, body: `{"resolved": true}`, field: "ticket"},
		{name: "generic without resolved", source: Generic, body: `{"ticket": {"key": "A-1"}}`, field: "resolved"},
		{name: "generic unknown field", source: Generic, body: `{"ticket": {"key": "A-1"}, "resolved": true, "reslved": true}`, field: "reslved", msg: "unknown field"},
		{name: "generic javascript URL", source: Generic, body: `{"ticket": {"key": "A-1", "url": "javascript:alert(1)"}, "resolved": true}`, field: "ticket.url"},
		{name: "generic newline in key", source: Generic, body: `{"ticket": {"key": "A-1\nB"}, "resolved": true}`, field: "ticket.key"},
		{name: "generic slash in key", source: Generic, body: `{"ticket": {"key": "a/b"}, "resolved": true}`, field: "ticket.key"},
		{name: "generic bad system", source: Generic, body: `{"ticket": {"system": "Big Tool", "key": "A-1"}, "resolved": true}`, field: "ticket.system"},
		{name: "generic bad time", source: Generic, body: `{"ticket": {"key": "A-1", "resolved_at": "yesterday"}, "resolved": true}`, field: "ticket.resolved_at"},
		{name: "generic bad ref", source: Generic, body: `{"ticket": {"key": "A-1"}, "resolved": true, "refs": ["x", "javascript:alert(1)"]}`, field: "refs[1]"},
		{name: "generic ref on another host", source: Generic, body: `{"ticket": {"key": "A-1"}, "resolved": true, "refs": ["https://evil.example.net/a/x"]}`, field: "refs[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.source, nil, []byte(tt.body), testBase)
			var pe *PayloadError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.source, pe.Source)
			assert.Equal(t, tt.field, pe.Field, pe.Error())
			assert.Contains(t, pe.Error(), tt.msg)
			assert.True(t, strings.HasPrefix(pe.Error(), tt.source+" payload: "), pe.Error())
		})
	}

	t.Run("unknown source", func(t *testing.T) {
		_, err := Parse("github", nil, []byte(`{}`), testBase)
		assert.ErrorIs(t, err, ErrUnknownSource)
		assert.Contains(t, err.Error(), "jira, servicenow")
	})
	t.Run("body too large", func(t *testing.T) {
		_, err := Parse(Generic, nil, make([]byte, MaxBody+1), testBase)
		var pe *PayloadError
		require.ErrorAs(t, err, &pe)
		assert.Contains(t, pe.Error(), "body over")
	})
	t.Run("JSON errors unwrap", func(t *testing.T) {
		_, err := Parse(Jira, nil, []byte(`{"issue": `), testBase)
		var pe *PayloadError
		require.ErrorAs(t, err, &pe)
		assert.NotNil(t, errors.Unwrap(pe))
	})
}

func TestSources(t *testing.T) {
	assert.Equal(t, []string{"jira", "servicenow", "zendesk", "pagerduty", "alertmanager", "generic"}, Sources())
	for _, s := range Sources() {
		_, err := os.Stat(filepath.Join("testdata", s+"-resolved.json"))
		assert.NoError(t, err, "every source has a resolved sample")
	}
}

func TestParseAlertmanagerRunbookForms(t *testing.T) {
	tests := []struct {
		runbook string
		want    []Ref
	}{
		{"/runbooks/etcd/no-leader-old", []Ref{{Path: "/runbooks/etcd/no-leader-old"}}}, // an old alias, resolved by the server
		{"https://kb.example.com/a/etcd-no-leader#check-members", []Ref{{Path: "/a/etcd-no-leader", Anchor: "check-members"}}},
		{"https://kb.example.com/runbooks/etcd/no-leader", []Ref{{Path: "/runbooks/etcd/no-leader"}}},
		{"runbooks/etcd/no-leader", []Ref{{Path: "/alerts/etcdNoLeader"}}}, // not a kb reference: the alert name stands in
		{"javascript:alert(1)", []Ref{{Path: "/alerts/etcdNoLeader"}}},
	}
	for _, tt := range tests {
		t.Run(tt.runbook, func(t *testing.T) {
			body := `{"version": "4", "alerts": [{"status": "resolved", "labels": {"alertname": "etcdNoLeader"}, "annotations": {"runbook_url": "` + tt.runbook + `"}}]}`
			d, err := Parse(Alertmanager, nil, []byte(body), testBase)
			require.NoError(t, err)
			assert.Equal(t, tt.want, d.Tickets[0].Refs)
		})
	}
}

// TestJiraDoneWithoutStatusCategory: a Done transition whose payload has no
// status category (and no resolution in the changelog) still resolves the
// issue when its resolution field is set; an open issue without one does not.
func TestJiraDoneWithoutStatusCategory(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "jira-resolved.json"))
	require.NoError(t, err)
	var p map[string]any
	require.NoError(t, json.Unmarshal(raw, &p))
	fields := p["issue"].(map[string]any)["fields"].(map[string]any)
	fields["status"] = map[string]any{"name": "Done"} // no statusCategory
	p["changelog"] = map[string]any{"items": []any{map[string]any{"field": "status", "fieldId": "status", "to": "10002", "toString": "Done"}}}
	body, err := json.Marshal(p)
	require.NoError(t, err)
	d, err := Parse(Jira, headers(), body, Base{})
	require.NoError(t, err)
	require.Len(t, d.Tickets, 1)
	assert.True(t, d.Tickets[0].Resolved, "the resolution field decides")

	fields["resolution"] = nil
	body, err = json.Marshal(p)
	require.NoError(t, err)
	d, err = Parse(Jira, headers(), body, Base{})
	require.NoError(t, err)
	assert.False(t, d.Tickets[0].Resolved, "no category, no resolution: not resolved")
}

// TestAlertmanagerNamelessRunbookURL: Prometheus expands
// {{ $labels.alertname }} to "" in annotations, so the captured resolution
// of KubePodCrashLooping carries runbook_url /alerts/?namespace=shop&pod=cart-1;
// the alert's name stands in for the missing one.
func TestAlertmanagerNamelessRunbookURL(t *testing.T) {
	body, err := os.ReadFile("../../shared/fixtures/alertmanager-0.25/delivery-5.json")
	if err != nil {
		t.Skipf("fixtures not available: %v", err)
	}
	d, err := Parse(Alertmanager, nil, body, Base{URL: "http://127.0.0.1:19300"})
	require.NoError(t, err)
	require.Len(t, d.Tickets, 1)
	assert.True(t, d.Tickets[0].Resolved)
	assert.Equal(t, []Ref{{Path: "/alerts/KubePodCrashLooping"}}, d.Tickets[0].Refs)
}
