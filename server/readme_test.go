package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"kb/alertrules"
	"kb/webhook"
)

// snippet is one fenced code block of README.md, without its indentation.
type snippet struct {
	lang, text string
}

// readmeSnippets returns the fenced code blocks of the README, those inside
// list items too.
func readmeSnippets(t *testing.T) []snippet {
	t.Helper()
	src, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	var out []snippet
	var cur *snippet
	indent := ""
	for line := range strings.SplitSeq(string(src), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		if strings.HasPrefix(trimmed, "```") {
			if cur == nil {
				cur, indent = &snippet{lang: strings.TrimPrefix(trimmed, "```")}, line[:len(line)-len(trimmed)]
			} else {
				out = append(out, *cur)
				cur = nil
			}
			continue
		}
		if cur != nil {
			cur.text += strings.TrimPrefix(line, indent) + "\n"
		}
	}
	return out
}

// readmeSnippet returns the one snippet in lang that contains marker.
func readmeSnippet(t *testing.T, lang, marker string) string {
	t.Helper()
	var found []string
	for _, s := range readmeSnippets(t) {
		if s.lang == lang && strings.Contains(s.text, marker) {
			found = append(found, s.text)
		}
	}
	require.Len(t, found, 1, "README.md has one %s snippet with %q", lang, marker)
	return found[0]
}

// hookPath checks that raw is the kb.example.com URL of source's webhook.
func hookPath(t *testing.T, raw, source string) {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	assert.Equal(t, "kb.example.com", u.Host)
	assert.Equal(t, "/api/v1/hooks/"+source, u.Path)
	assert.Contains(t, webhook.Sources(), source)
}

// TestReadmeSnippets: the set-up snippets of the README are the ones the
// tests use: the Prometheus rule and alertmanager.yml go through promtool and
// amtool (where installed) and make/make e2e feed them to real tools; the
// ticket tools' snippets are parsed and what each makes its tool send is
// posted to a real kb.
func TestReadmeSnippets(t *testing.T) {
	site := newLinkSite(t)
	dir := t.TempDir()

	t.Run("prometheus rule", func(t *testing.T) {
		src := readmeSnippet(t, "yaml", "# prometheus rules")
		rules, err := alertrules.Parse("README.md", []byte(src))
		require.NoError(t, err)
		require.Len(t, rules, 1)
		assert.Contains(t, rules[0].RunbookURL(), "/alerts/"+rules[0].Alert+"?")
		assert.NotContains(t, rules[0].RunbookURL(), "alertname", "Prometheus leaves it empty in annotations")
		if promtool, err := exec.LookPath("promtool"); err == nil {
			f := filepath.Join(dir, "rules.yml")
			require.NoError(t, os.WriteFile(f, []byte(src), 0o644))
			out, err := exec.CommandContext(t.Context(), promtool, "check", "rules", f).CombinedOutput()
			assert.NoError(t, err, "%s", out)
		}
	})

	t.Run("alertmanager", func(t *testing.T) {
		src := readmeSnippet(t, "yaml", "# alertmanager.yml")
		var cfg struct {
			Route     struct{ Receiver string } `yaml:"route"`
			Receivers []struct {
				Name           string `yaml:"name"`
				WebhookConfigs []struct {
					URL          string `yaml:"url"`
					SendResolved bool   `yaml:"send_resolved"`
					HTTPConfig   struct {
						Authorization struct {
							CredentialsFile string `yaml:"credentials_file"`
						} `yaml:"authorization"`
					} `yaml:"http_config"`
				} `yaml:"webhook_configs"`
			} `yaml:"receivers"`
		}
		require.NoError(t, yaml.Unmarshal([]byte(src), &cfg))
		require.Len(t, cfg.Receivers, 1)
		assert.Equal(t, cfg.Route.Receiver, cfg.Receivers[0].Name)
		wc := cfg.Receivers[0].WebhookConfigs
		require.Len(t, wc, 1)
		hookPath(t, wc[0].URL, webhook.Alertmanager)
		assert.True(t, wc[0].SendResolved, "resolutions are what kb links")
		secretFile := wc[0].HTTPConfig.Authorization.CredentialsFile
		require.NotEmpty(t, secretFile)
		if amtool, err := exec.LookPath("amtool"); err == nil {
			f := filepath.Join(dir, "alertmanager.yml")
			local := filepath.Join(dir, "kb-secret")
			require.NoError(t, os.WriteFile(local, []byte(hookSecret), 0o600))
			require.NoError(t, os.WriteFile(f, []byte(strings.ReplaceAll(src, secretFile, local)), 0o644))
			out, err := exec.CommandContext(t.Context(), amtool, "check-config", f).CombinedOutput()
			assert.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), "SUCCESS")
		}
	})

	t.Run("jira", func(t *testing.T) {
		var hook struct {
			URL    string   `json:"url"`
			Events []string `json:"events"`
			Secret string   `json:"secret"`
		}
		require.NoError(t, json.Unmarshal([]byte(readmeSnippet(t, "json", "/api/v1/hooks/jira")), &hook))
		hookPath(t, hook.URL, webhook.Jira)
		assert.NotEmpty(t, hook.Secret)
		body := samples(t)["jira-resolved.json"]
		var event struct {
			WebhookEvent string `json:"webhookEvent"`
		}
		require.NoError(t, json.Unmarshal(body, &event))
		assert.Contains(t, hook.Events, event.WebhookEvent, "the event kb reads is subscribed")
		res := site.post(t, "/api/v1/hooks/jira", "", string(body), signed("jira", hookSecret, body)...)
		assert.Equal(t, http.StatusOK, res.status, res.body)
	})

	t.Run("servicenow", func(t *testing.T) {
		src := readmeSnippet(t, "js", "/api/v1/hooks/servicenow")
		assert.Contains(t, src, "setRequestHeader('X-KB-Secret'")
		assert.Contains(t, src, "setRequestHeader('Content-Type', 'application/json')")
		m := regexp.MustCompile(`(?s)JSON\.stringify\(\{(.*)\}\)\);`).FindStringSubmatch(src)
		require.NotNil(t, m, "the body the business rule sends")
		var keys []string
		for _, k := range regexp.MustCompile(`(\w+):\s`).FindAllStringSubmatch(m[1], -1) {
			keys = append(keys, k[1])
		}
		var sample map[string]any
		require.NoError(t, json.Unmarshal(samples(t)["servicenow-resolved.json"], &sample))
		var sampleKeys []string
		for k := range sample {
			sampleKeys = append(sampleKeys, k)
		}
		slices.Sort(keys)
		slices.Sort(sampleKeys)
		assert.Equal(t, sampleKeys, keys, "the rule sends the fields of the sample delivery")
		body := map[string]any{}
		for _, k := range keys {
			body[k] = sample[k]
		}
		b, err := json.Marshal(body)
		require.NoError(t, err)
		res := site.post(t, "/api/v1/hooks/servicenow", "", string(b), "X-KB-Secret", hookSecret)
		require.Equal(t, http.StatusOK, res.status, res.body)
		assert.Contains(t, res.body, `"resolved":true`)
	})

	t.Run("zendesk", func(t *testing.T) {
		src := readmeSnippet(t, "json", "{{ticket.id}}")
		var sample map[string]string
		require.NoError(t, json.Unmarshal(samples(t)["zendesk-resolved.json"], &sample))
		// Zendesk's placeholders, as it fills them in a JSON body (escaped).
		values := map[string]string{
			"ticket.id": sample["id"], "ticket.title": sample["title"], "ticket.status": sample["status"],
			"ticket.url": sample["url"], "ticket.updated_at_with_timestamp": sample["updated_at"],
			"ticket.latest_comment_formatted": sample["latest_comment"], "ticket.description": sample["description"],
		}
		body := regexp.MustCompile(`\{\{([a-z_.]+)\}\}`).ReplaceAllStringFunc(src, func(p string) string {
			v, ok := values[strings.Trim(p, "{}")]
			assert.True(t, ok, "a placeholder kb knows: %s", p)
			b, err := json.Marshal(v)
			require.NoError(t, err)
			return string(b[1 : len(b)-1])
		})
		require.True(t, json.Valid([]byte(body)), body)
		res := site.post(t, "/api/v1/hooks/zendesk", "", body, signed("zendesk", hookSecret, []byte(body))...)
		require.Equal(t, http.StatusOK, res.status, res.body)
		assert.Contains(t, res.body, `"resolved":true`)
	})

	t.Run("pagerduty", func(t *testing.T) {
		var sub struct {
			WebhookSubscription struct {
				DeliveryMethod struct {
					URL string `json:"url"`
				} `json:"delivery_method"`
				Events []string `json:"events"`
			} `json:"webhook_subscription"`
		}
		require.NoError(t, json.Unmarshal([]byte(readmeSnippet(t, "json", "/api/v1/hooks/pagerduty")), &sub))
		hookPath(t, sub.WebhookSubscription.DeliveryMethod.URL, webhook.PagerDuty)
		for _, f := range []string{"pagerduty-annotated.json", "pagerduty-resolved.json"} {
			body := samples(t)[f]
			var ev struct {
				Event struct {
					EventType string `json:"event_type"`
				} `json:"event"`
			}
			require.NoError(t, json.Unmarshal(body, &ev))
			assert.Contains(t, sub.WebhookSubscription.Events, ev.Event.EventType, f)
			res := site.post(t, "/api/v1/hooks/pagerduty", "", string(body), signed("pagerduty", hookSecret, body)...)
			assert.Equal(t, http.StatusOK, res.status, res.body)
		}
	})
}
