package alertrules

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		alerts []string
		lines  []int
	}{
		{
			name: "prometheus rule file",
			src: `groups:
- name: etcd
  rules:
  - alert: etcdNoLeader
    expr: etcd_server_has_leader == 0
    for: 1m
    labels: {severity: critical}
    annotations:
      runbook_url: https://kb.example.com/runbooks/etcd/no-leader
  - record: job:up:sum
    expr: sum by (job) (up)
  - alert: etcdHighFsyncDurations
    expr: "1"
`,
			alerts: []string{"etcdNoLeader", "etcdHighFsyncDurations"},
			lines:  []int{4, 12},
		},
		{
			name: "PrometheusRule object",
			src: `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {name: kube}
spec:
  groups:
  - name: kube
    rules:
    - alert: KubePodCrashLooping
      expr: x > 0
`,
			alerts: []string{"KubePodCrashLooping"},
			lines:  []int{8},
		},
		{
			name: "several documents, other objects skipped",
			src: `---
apiVersion: v1
kind: ConfigMap
data: {a: b}
---
groups:
- name: a
  rules:
  - alert: A
---
# only a comment
---
kind: PrometheusRule
spec:
  groups:
  - name: b
    rules:
    - alert: B
`,
			alerts: []string{"A", "B"},
			lines:  []int{9, 18},
		},
		{
			name: "kubectl list",
			src: `apiVersion: v1
kind: List
items:
- kind: PrometheusRule
  spec:
    groups:
    - name: g
      rules:
      - alert: Listed
`,
			alerts: []string{"Listed"},
			lines:  []int{9},
		},
		{
			name:   "empty groups",
			src:    "groups:\n",
			alerts: nil,
		},
		{
			name: "anchors and aliases",
			src: `groups:
- name: g
  rules:
  - alert: First
    labels: &common {severity: warning, team: db}
  - alert: Second
    labels: *common
`,
			alerts: []string{"First", "Second"},
			lines:  []int{4, 6},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := Parse("rules.yaml", []byte(tt.src))
			require.NoError(t, err)
			var alerts []string
			var lines []int
			for _, r := range rules {
				alerts = append(alerts, r.Alert)
				lines = append(lines, r.Line)
				assert.Equal(t, "rules.yaml", r.File)
			}
			assert.Equal(t, tt.alerts, alerts)
			assert.Equal(t, tt.lines, lines)
		})
	}
}

func TestParseFields(t *testing.T) {
	rules, err := Parse("r.yml", []byte(`groups:
- name: etcd
  rules:
  - alert: etcdNoLeader
    expr: |
      etcd_server_has_leader == 0
    labels:
      severity: critical
    annotations:
      summary: no leader
      runbook_url: " https://kb.example.com/runbooks/etcd/no-leader "
  - alert: Other
    annotations: {runbook: /runbooks/other}
`))
	require.NoError(t, err)
	require.Len(t, rules, 2)
	r := rules[0]
	assert.Equal(t, "etcd", r.Group)
	assert.Equal(t, "etcd_server_has_leader == 0", r.Expr)
	assert.Equal(t, "critical", r.Severity())
	assert.Equal(t, "https://kb.example.com/runbooks/etcd/no-leader", r.RunbookURL())
	assert.Equal(t, "/runbooks/other", rules[1].RunbookURL(), "the runbook annotation is accepted too")
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{name: "not YAML", src: "groups:\n- name: a\n  rules: [\n", line: 3, msg: "not valid YAML"},
		{name: "tabs", src: "groups:\n\t- name: a\n", line: 2, msg: "not valid YAML"},
		{name: "a list at the top", src: "- alert: A\n", line: 1, msg: "not a rule file"},
		{name: "a scalar at the top", src: "hello\n", line: 1, msg: "not a rule file"},
		{name: "no groups", src: "rules:\n- alert: A\n", line: 1, msg: "want groups:"},
		{name: "groups is a mapping", src: "groups:\n  name: a\n", line: 2, msg: "groups: want a list"},
		{name: "rules is a mapping", src: "groups:\n- name: a\n  rules:\n    alert: A\n", line: 4, msg: `group "a": rules: want a list`},
		{name: "rule without alert", src: "groups:\n- name: a\n  rules:\n  - expr: up\n", line: 4, msg: "needs alert:"},
		{name: "alert is a list", src: "groups:\n- name: a\n  rules:\n  - alert: [A, B]\n", line: 4, msg: "alert: want a single value"},
		{name: "labels is a list", src: "groups:\n- name: a\n  rules:\n  - alert: A\n    labels: [x]\n", line: 5, msg: "alert A: labels: want name: value pairs"},
		{name: "annotation value is a mapping", src: "groups:\n- name: a\n  rules:\n  - alert: A\n    annotations:\n      runbook_url: {a: b}\n", line: 6, msg: "annotations"},
		{name: "second document broken", src: "groups: []\n---\ngroups: [\n", line: 3, msg: "not valid YAML"},
		{name: "group is a scalar", src: "groups:\n- etcd\n", line: 2, msg: "want each group to be a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.src))
			require.Error(t, err)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "bad.yaml", e.File)
			assert.Equal(t, tt.line, e.Line, err.Error())
			assert.Contains(t, err.Error(), tt.msg)
			assert.Contains(t, err.Error(), "bad.yaml:")
		})
	}
}

func TestParseKeepsGoodRulesBesideBadOnes(t *testing.T) {
	rules, err := Parse("r.yaml", []byte("groups:\n- name: a\n  rules:\n  - alert: Good\n  - alert: [bad]\n  - alert: AlsoGood\n"))
	require.Error(t, err)
	require.Len(t, rules, 2)
	assert.Equal(t, "AlsoGood", rules[1].Alert)
}

func TestParseBoundsErrors(t *testing.T) {
	src := "groups:\n- name: a\n  rules:\n"
	for range 100 {
		src += "  - expr: up\n"
	}
	_, err := Parse("r.yaml", []byte(src))
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined))
	assert.Len(t, joined.Unwrap(), maxErrors)
}

func FuzzParseRules(f *testing.F) {
	f.Add([]byte("groups:\n- name: a\n  rules:\n  - alert: A\n    labels: {severity: x}\n    annotations: {runbook_url: /a}\n"))
	f.Add([]byte("kind: PrometheusRule\nspec:\n  groups:\n  - name: b\n    rules:\n    - alert: B\n"))
	f.Add([]byte("kind: List\nitems:\n- spec: {groups: [{name: c, rules: [{alert: C}]}]}\n---\n---\ngroups:\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("groups: [\n"))
	f.Add([]byte("x: &x {y: *x}\ngroups: [{rules: [{alert: *x}]}]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		rules, err := Parse("f.yaml", src)
		for _, e := range unwrapAll(err) {
			var pe *Error
			require.ErrorAs(t, e, &pe, "failures are always positioned")
			assert.GreaterOrEqual(t, pe.Line, 1)
			assert.Equal(t, "f.yaml", pe.File)
		}
		for _, r := range rules {
			assert.NotEmpty(t, r.Alert)
			assert.GreaterOrEqual(t, r.Line, 1)
		}
	})
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err != nil {
		return []error{err}
	}
	return nil
}
