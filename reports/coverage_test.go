package reports

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/alertrules"
)

func TestCoverage(t *testing.T) {
	snap := loadSite(t, map[string]string{
		"kb.yaml": "title: Test KB\nrules: [rules/etcd.yaml, rules/broken.yaml, ../outside.yaml, rules/none.yaml, ' ', ./rules/big.yaml]\n",
		"rules/etcd.yaml": "groups:\n- name: etcd\n  rules:\n  - alert: etcdNoLeader\n    expr: up == 0\n" +
			"  - alert: EtcdDiskAlmostFull\n    expr: x > 1\n    labels: {severity: warning}\n",
		"rules/broken.yaml":          "groups:\n- name: x\n  rules:\n  - alert: ZooKeeperQuorum\n- name: y\n  rules:\n    alert: A\n",
		"rules/big.yaml":             strings.Repeat("#", alertrules.MaxFileSize+1),
		"runbooks/etcd/no-leader.md": "---\ntitle: etcd has no leader\nid: etcd-no-leader\nalerts: [etcdNoLeader]\n---\n",
	})
	r := Coverage(snap)
	assert.True(t, r.Configured)
	assert.Equal(t, []string{"rules/etcd.yaml", "rules/broken.yaml", "../outside.yaml", "rules/none.yaml", "./rules/big.yaml"}, r.Files)
	assert.Equal(t, []string{
		"rules/broken.yaml:7: group \"y\": rules: want a list of rules, found a mapping",
		"../outside.yaml: kb.yaml rules: lists paths inside the content folder, such as rules/alerts.yaml",
		"rules/none.yaml: no such file in the content folder (kb.yaml rules:)",
		"./rules/big.yaml: larger than 8388608 bytes",
	}, r.Errors, "in the order of kb.yaml")
	require.NotNil(t, r.Report, "the files that could be read are covered")
	assert.Equal(t, 3, r.Report.Alerts, "with the rules of a file before its errors")
	assert.Equal(t, 1, r.Report.Covered)
	var missing []string
	for _, m := range r.Report.Missing {
		missing = append(missing, m.Alert)
	}
	assert.ElementsMatch(t, []string{"EtcdDiskAlmostFull", "ZooKeeperQuorum"}, missing)
	assert.NotNil(t, r.Report.Orphaned, "empty lists are [] in JSON")
	assert.NotNil(t, r.Report.BrokenURLs)
	assert.NotNil(t, r.Report.Unchecked)
}

func TestCoverageNotConfigured(t *testing.T) {
	r := Coverage(loadSite(t, nil))
	assert.False(t, r.Configured)
	assert.Equal(t, []string{}, r.Files)
	assert.Equal(t, []string{}, r.Errors)
	assert.Nil(t, r.Report)
}

func TestCoverageNothingReadable(t *testing.T) {
	r := Coverage(loadSite(t, map[string]string{"kb.yaml": "title: Test KB\nrules: [rules/none.yaml]\n"}))
	assert.True(t, r.Configured)
	assert.Len(t, r.Errors, 1)
	assert.Nil(t, r.Report, "no report over no rules")
}
