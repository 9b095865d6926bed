package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/reports"
)

func TestCoverageNotConfigured(t *testing.T) {
	site := newTestSite(t)
	res := site.get(t, "/reports/coverage")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, "No rule files are configured")
	assert.Contains(t, res.body, "rules:")
}

func TestCoverageReport(t *testing.T) {
	site := newTestSite(t)
	write := func(name, body string) {
		p := filepath.Join(site.dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	write("kb.yaml", "title: Test KB\nrules: [rules/etcd.yaml, rules/broken.yaml, ../outside.yaml, rules/none.yaml]\n")
	write("rules/etcd.yaml", "groups:\n- name: etcd\n  rules:\n  - alert: etcdNoLeader\n    expr: up == 0\n"+
		"  - alert: EtcdDiskAlmostFull\n    expr: x > 1\n    labels: {severity: warning}\n")
	write("rules/broken.yaml", "groups:\n- name: x\n  rules: [\n")
	require.NoError(t, site.lib.Load(context.Background()))

	var r reports.CoverageReport
	res := site.get(t, "/reports/coverage?format=json")
	require.Equal(t, http.StatusOK, res.status, res.body)
	require.NoError(t, jsonUnmarshal(res.body, &r))
	assert.True(t, r.Configured)
	require.NotNil(t, r.Report)
	assert.Equal(t, 2, r.Report.Alerts)
	assert.Equal(t, 1, r.Report.Covered)
	require.Len(t, r.Report.Missing, 1)
	assert.Equal(t, "EtcdDiskAlmostFull", r.Report.Missing[0].Alert)
	require.Len(t, r.Errors, 3)
	assert.Contains(t, r.Errors[0], "rules/broken.yaml:")
	assert.Contains(t, r.Errors[1], "inside the content folder")
	assert.Contains(t, r.Errors[2], "no such file")

	page := site.get(t, "/reports/coverage")
	assert.Contains(t, page.body, `href="/alerts/EtcdDiskAlmostFull"`)
	assert.Contains(t, page.body, "1 of 2 alerts have a runbook")
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
