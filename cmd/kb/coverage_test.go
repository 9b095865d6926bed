package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"kb/alertrules"
)

// corpusDir returns a folder of ../shared/corpus, skipping the test when the
// shared corpus is not beside the repository (a user's clone).
func corpusDir(tb testing.TB, name string) string {
	tb.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus", name))
	require.NoError(tb, err)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("corpus %s not available: %v", name, err)
	}
	return dir
}

type tsvAlert struct{ name, severity, runbook, summary string }

func readAlertsTSV(t *testing.T, path string) []tsvAlert {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []tsvAlert
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		require.Len(t, c, 4, sc.Text())
		out = append(out, tsvAlert{c[0], c[1], c[2], c[3]})
	}
	require.NoError(t, sc.Err())
	return out
}

// ruleFile builds a Prometheus rule file as kube-prometheus writes one: one
// rule per alert and severity, runbook_url pointing at the public runbook
// site (lower-cased, as its generator writes). path builds each URL.
func ruleFile(t *testing.T, alerts []tsvAlert, url func(tsvAlert) string) []byte {
	t.Helper()
	type rule struct {
		Alert       string            `yaml:"alert"`
		Expr        string            `yaml:"expr"`
		For         string            `yaml:"for,omitempty"`
		Labels      map[string]string `yaml:"labels"`
		Annotations map[string]string `yaml:"annotations"`
	}
	type group struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	}
	var groups []group
	for _, a := range alerts {
		g := "unowned"
		if parts := strings.Split(a.runbook, "/"); len(parts) > 2 {
			g = parts[1] // runbooks/<group>/<alert>.md
		}
		if len(groups) == 0 || groups[len(groups)-1].Name != g {
			groups = append(groups, group{Name: g})
		}
		r := rule{Alert: a.name, Expr: "vector(1)", For: "15m", Labels: map[string]string{"severity": a.severity},
			Annotations: map[string]string{"summary": a.summary, "description": a.summary + " {{ $labels.namespace }}"}}
		if u := url(a); u != "" {
			r.Annotations["runbook_url"] = u
		}
		groups[len(groups)-1].Rules = append(groups[len(groups)-1].Rules, r)
	}
	src, err := yaml.Marshal(map[string]any{"groups": groups})
	require.NoError(t, err)
	return src
}

// TestCoverageOfPrometheusOperatorRunbooks: kb coverage on a rule file built
// from alerts.tsv lists exactly the alerts without runbooks.
func TestCoverageOfPrometheusOperatorRunbooks(t *testing.T) {
	dir := corpusDir(t, "runbooks-prometheus-operator")
	alerts := readAlertsTSV(t, filepath.Join(dir, "alerts.tsv"))
	require.Greater(t, len(alerts), 100)
	extra := []tsvAlert{
		{"KbTestDiskOnFire", "critical", "", "A disk is on fire."},
		{"KbTestQueueStuck", "warning", "", "The queue does not move."},
		{"KbTestCertificateExpiredYesterday", "critical", "", "Too late."},
	}
	alerts = append(alerts, extra...)
	var want, have []string
	for _, a := range alerts {
		if a.runbook == "" && !slices.Contains(want, a.name) {
			want = append(want, a.name)
		}
		if a.runbook != "" && !slices.Contains(have, a.name) {
			have = append(have, a.name)
		}
	}
	public := func(a tsvAlert) string {
		p := a.runbook
		if p == "" {
			p = "runbooks/unknown/" + a.name + ".md"
		}
		return "https://runbooks.prometheus-operator.dev/" + strings.ToLower(strings.TrimSuffix(p, ".md"))
	}
	tmp := t.TempDir()
	rules := filepath.Join(tmp, "kube-prometheus-rules.yaml")
	require.NoError(t, os.WriteFile(rules, ruleFile(t, alerts, public), 0o644))

	out, _, err := kb(t, "", "coverage", "--rules", rules, "--content", dir, "--format", "json")
	require.NoError(t, err, "runbook URLs on another host are not checked, so nothing fails")
	var r alertrules.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	var missing, found []string
	for _, m := range r.Missing {
		missing = append(missing, m.Alert)
		assert.Equal(t, rules, m.File)
		assert.Positive(t, m.Line)
	}
	for _, f := range r.Found {
		found = append(found, f.Alert)
	}
	assert.ElementsMatch(t, want, missing, "exactly the alerts without runbooks")
	assert.ElementsMatch(t, have, found, "every alert with a runbook finds it")
	for _, f := range r.Found {
		for _, a := range alerts {
			if a.name == f.Alert {
				assert.Equal(t, a.runbook, f.Path, "the runbook alerts.tsv names for %s", a.name)
			}
		}
	}
	assert.Empty(t, r.Orphaned, "the corpus's runbooks name no alerts in front matter")
	require.Len(t, r.Unchecked, 1)
	assert.Equal(t, len(alerts), r.Unchecked[0].Count)
	assert.Contains(t, r.Unchecked[0].Reason, "no base_url")

	// The same rules with kb's own paths, as a rule set pointing at kb writes
	// them: every URL of an alert with a runbook resolves, the others do not.
	own := func(a tsvAlert) string {
		return strings.TrimPrefix(public(a), "https://runbooks.prometheus-operator.dev")
	}
	require.NoError(t, os.WriteFile(rules, ruleFile(t, alerts, own), 0o644))
	out, _, err = kb(t, "", "coverage", "--rules", rules, "--content", dir)
	require.Error(t, err, "runbook URLs that land on no article fail")
	assert.Contains(t, err.Error(), "runbook_url annotations land on no article")
	for _, name := range want {
		assert.Contains(t, out, name)
	}
	assert.Contains(t, out, "no article at /runbooks/unknown/kbtestdiskonfire")
	assert.NotContains(t, out, "no article at /runbooks/node/", "lower-cased paths of existing runbooks resolve")
	assert.Contains(t, out, "Alerts without a runbook (36):")
}

func TestCoverageCommand(t *testing.T) {
	content := t.TempDir()
	writeFiles(t, content, map[string]string{
		"kb.yaml":           "base_url: https://kb.example.com\n",
		"runbooks/disk.md":  "---\nalerts: [DiskFull, DiskGone]\nservice: disk\nowners: [a]\n---\n## Meaning\n",
		"runbooks/queue.md": "---\nalerts: [QueueStuck]\n---\n",
	})
	rules := t.TempDir()
	writeFiles(t, rules, map[string]string{
		"a.yaml":    "groups:\n- name: disk\n  rules:\n  - alert: DiskFull\n    annotations: {runbook_url: 'https://kb.example.com/runbooks/disk#meaning'}\n",
		"b.yaml":    "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n  groups:\n  - name: q\n    rules:\n    - alert: QueueStuck\n    - alert: NoBook\n",
		"bad.yaml":  "groups:\n- name: x\n  rules:\n    alert: A\n",
		"tabs.yaml": "groups:\n\t- x\n",
	})
	a, b := filepath.Join(rules, "a.yaml"), filepath.Join(rules, "b.yaml")

	out, _, err := kb(t, "", "coverage", "--rules", a, b, "--content", content)
	require.NoError(t, err, "missing runbooks and orphans are reported, not failed")
	assert.Contains(t, out, "Alerts without a runbook (1):\n  "+b+":8:")
	assert.Contains(t, out, "NoBook")
	assert.Contains(t, out, "Runbooks for alerts that no rule defines (1):\n  runbooks/disk.md:")
	assert.Contains(t, out, "DiskGone")
	assert.Contains(t, out, "3 alerts in 3 rules from 2 files: 2 have a runbook (66%), 1 do not; 2 runbooks in the content.")

	_, _, err = kb(t, "", "coverage", "--rules", a, "--rules", b, "--content", content, "--strict")
	assert.ErrorContains(t, err, "1 alerts without a runbook, 1 runbooks for alerts no rule defines (--strict)")

	_, _, err = kb(t, "", "coverage", "--rules", filepath.Join(rules, "bad.yaml"), "--rules", filepath.Join(rules, "tabs.yaml"), "--content", content)
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(rules, "bad.yaml")+":4: group \"x\": rules: want a list")
	assert.Contains(t, err.Error(), filepath.Join(rules, "tabs.yaml")+":2: not valid YAML")
	var pe *alertrules.Error
	assert.ErrorAs(t, err, &pe)

	_, _, err = kb(t, "", "coverage", "--content", content)
	assert.ErrorContains(t, err, "needs rule files")
	_, _, err = kb(t, "", "coverage", "--rules", filepath.Join(rules, "none.yaml"))
	assert.ErrorContains(t, err, "none.yaml")
	_, _, err = kb(t, "", "coverage", "--rules", a, "--format", "github")
	assert.ErrorContains(t, err, "want text or json")
}

// TestCoverageAlertnameTemplate: the rules of the captured Prometheus 2.42 →
// Alertmanager 0.25 chain build one runbook_url from {{ $labels.alertname }},
// which arrived as /alerts/?namespace=... (no name); kb coverage fails on it.
func TestCoverageAlertnameTemplate(t *testing.T) {
	rules, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "fixtures", "alertmanager-0.25", "prometheus-rules.yml"))
	require.NoError(t, err)
	if _, err := os.Stat(rules); err != nil {
		t.Skipf("fixtures not available: %v", err)
	}
	content := t.TempDir()
	writeFiles(t, content, map[string]string{
		"kb.yaml":                              "base_url: http://127.0.0.1:19300\n",
		"runbooks/etcd/etcdNoLeader.md":        "# etcd has no leader\n",
		"runbooks/kube/KubePodCrashLooping.md": "# Pod crash looping\n",
		"runbooks/node/NodeFilesystemSpace.md": "# Filesystem\n",
	})
	out, _, err := kb(t, "", "coverage", "--rules", rules, "--content", content)
	require.Error(t, err)
	assert.ErrorContains(t, err, "1 runbook_url annotations")
	assert.Contains(t, out, "KubePodCrashLooping")
	assert.Contains(t, out, "$labels.alertname")
	assert.Contains(t, out, "spell the alert name out")
}

// kbRules is the rule file kb ships for watching kb itself.
const kbRules = "../../deploy/prometheus/kb-rules.yml"

// TestKbRulesCovered: every alert of deploy/prometheus/kb-rules.yml has a
// runbook in the example knowledge base, and every runbook_url spells the
// alert's name out.
func TestKbRulesCovered(t *testing.T) {
	out, _, err := kb(t, "", "coverage", "--rules", kbRules, "--format", "json")
	require.NoError(t, err)
	var r alertrules.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.GreaterOrEqual(t, r.Alerts, 10)
	assert.Equal(t, r.Alerts, r.Covered, "full coverage")
	assert.Empty(t, r.Missing)
	assert.Empty(t, r.BrokenURLs)
	for _, f := range r.Found {
		assert.True(t, strings.HasPrefix(f.Path, "runbooks/kb/"), f)
	}
	src, err := os.ReadFile(kbRules)
	require.NoError(t, err)
	rules, err := alertrules.Parse(kbRules, src)
	require.NoError(t, err)
	for _, rule := range rules {
		assert.Contains(t, rule.RunbookURL(), "/alerts/"+rule.Alert+"?", rule.Alert)
		assert.NotContains(t, rule.RunbookURL(), "alertname", rule.Alert)
	}
}

// TestKbRulesPromtool: promtool accepts kb's rule file (apt-get install -y
// prometheus gives promtool); skipped without it.
func TestKbRulesPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install -y prometheus)")
	}
	out, err := exec.CommandContext(t.Context(), promtool, "check", "rules", kbRules).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "SUCCESS")
}
