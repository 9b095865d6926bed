package alertrules

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

func load(t *testing.T, files fstest.MapFS) *content.Snapshot {
	t.Helper()
	snap, err := content.Load(context.Background(), files, content.Options{})
	require.NoError(t, err)
	return snap
}

func md(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func TestCoverage(t *testing.T) {
	snap := load(t, fstest.MapFS{
		"kb.yaml":                              md("base_url: https://kb.example.com/docs\n"),
		"runbooks/etcd/no-leader.md":           md("---\nalerts: [etcdNoLeader, etcdGoneAlert]\n---\n## Meaning\n\nx\n"),
		"runbooks/kube/KubePodCrashLooping.md": md("# Pod crash looping\n\n## Diagnosis\n"),
		"runbooks/old.md":                      md("---\nalerts: [RemovedLongAgo]\n---\nold\n"),
		"articles/intro.md":                    md("# Intro\n"),
	})
	rules, err := Parse("rules.yaml", []byte(`groups:
- name: g
  rules:
  - alert: etcdNoLeader
    labels: {severity: critical}
    annotations: {runbook_url: "https://kb.example.com/docs/runbooks/etcd/no-leader#meaning"}
  - alert: kubepodcrashlooping
    annotations: {runbook_url: "https://KB.example.com/docs/runbooks/kube/kubepodcrashlooping"}
  - alert: NoRunbook
    labels: {severity: warning}
    annotations: {runbook_url: "https://kb.example.com/docs/runbooks/no-runbook"}
  - alert: NoRunbook
    labels: {severity: critical}
  - alert: BadAnchor
    annotations: {runbook_url: "/runbooks/etcd/no-leader#nowhere"}
  - alert: Templated
    annotations: {runbook_url: "https://kb.example.com/docs/alerts/{{ $labels.alertname }}"}
  - alert: OtherTemplate
    annotations: {runbook_url: "https://kb.example.com/docs/{{ $labels.team }}/x"}
  - alert: Elsewhere
    annotations: {runbook_url: "https://runbooks.example.org/x"}
  - alert: OutsidePrefix
    annotations: {runbook_url: "https://kb.example.com/other/runbooks/old"}
  - alert: ByID
    annotations: {runbook_url: "articles-intro"}
  - alert: etcdNoLeader
    annotations: {runbook_url: "https://kb.example.com/docs/alerts/etcdNoLeader?job={{ $labels.job }}"}
  - alert: Mailto
    annotations: {runbook_url: "mailto:oncall@example.com"}
`))
	require.NoError(t, err)
	r := Coverage(snap, rules)

	assert.Equal(t, 12, r.Rules)
	assert.Equal(t, 10, r.Alerts)
	assert.Equal(t, 3, r.Runbooks)
	var missing []string
	for _, m := range r.Missing {
		missing = append(missing, m.Alert)
	}
	assert.Equal(t, []string{"BadAnchor", "ByID", "Elsewhere", "Mailto", "NoRunbook", "OtherTemplate", "OutsidePrefix", "Templated"}, missing)
	assert.Equal(t, 2, r.Covered)
	for _, m := range r.Missing {
		if m.Alert == "NoRunbook" {
			assert.Equal(t, 2, m.Rules)
			assert.Equal(t, 9, m.Line)
			assert.Equal(t, "warning", m.Severity)
		}
	}
	assert.Equal(t, []RunbookFor{
		{Alert: "etcdNoLeader", Path: "runbooks/etcd/no-leader.md", URL: "/runbooks/etcd/no-leader"},
		{Alert: "kubepodcrashlooping", Path: "runbooks/kube/KubePodCrashLooping.md", URL: "/runbooks/kube/KubePodCrashLooping"},
	}, r.Found)

	assert.Equal(t, []Orphan{
		{Path: "runbooks/etcd/no-leader.md", Alerts: []string{"etcdGoneAlert"}},
		{Path: "runbooks/old.md", Alerts: []string{"RemovedLongAgo"}},
	}, r.Orphaned)

	broken := map[string]string{}
	for _, b := range r.BrokenURLs {
		broken[b.Alert] = b.Problem
	}
	assert.Equal(t, map[string]string{
		"NoRunbook": "no article at /runbooks/no-runbook",
		"BadAnchor": "no heading #nowhere in runbooks/etcd/no-leader.md",
		"Mailto":    "not an http(s) URL",
		"Templated": EmptyAlertname,
	}, broken)

	reasons := map[string]int{}
	for _, u := range r.Unchecked {
		reasons[u.Reason] = u.Count
	}
	assert.Equal(t, map[string]int{
		"templated: kb cannot tell where it lands":                      1,
		"on runbooks.example.org: another host than kb.yaml's base_url": 1,
		"on kb.example.com: another host than kb.yaml's base_url":       1,
	}, reasons)
}

func TestCoverageWithoutBaseURL(t *testing.T) {
	snap := load(t, fstest.MapFS{"runbooks/a.md": md("---\nalerts: [A]\n---\n")})
	rules, err := Parse("r.yaml", []byte("groups:\n- name: g\n  rules:\n  - alert: A\n    annotations: {runbook_url: 'https://runbooks.example.com/a'}\n"))
	require.NoError(t, err)
	r := Coverage(snap, rules)
	assert.Empty(t, r.Missing)
	assert.Empty(t, r.BrokenURLs)
	require.Len(t, r.Unchecked, 1)
	assert.Contains(t, r.Unchecked[0].Reason, "no base_url")
}

func TestCoverageNoRulesNoOrphans(t *testing.T) {
	snap := load(t, fstest.MapFS{"runbooks/a.md": md("---\nalerts: [A]\n---\n")})
	r := Coverage(snap, nil)
	assert.Empty(t, r.Orphaned, "without rule files, no runbook is known to be orphaned")
}
