package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReplicasShareLinksAndTokens runs two kb serve processes on one
// PostgreSQL database: a token made with kb token works on both at once, a
// link written through one shows on the other's cached article page within
// a second, and a revoked token fails on both.
func TestReplicasShareLinksAndTokens(t *testing.T) {
	pg := testDatabase(t)
	bin := kbBinary(t)
	token := strings.TrimSpace(runKB(t, bin, "token", "create", "jira", "--store", pg))
	a := startChild(t, "--data", t.TempDir(), "--store", pg)
	b := startChild(t, "--data", t.TempDir(), "--store", pg)
	client := &http.Client{Timeout: 10 * time.Second}
	page := "/runbooks/etcd/no-leader"
	assert.Zero(t, solvedCount(client, b.base+page), "cached on b before the write")

	code, body := postLink(client, a.base, token, "OPS-1", "etcd-no-leader")
	require.Equal(t, http.StatusCreated, code, body)
	wrote := time.Now()
	require.Eventually(t, func() bool { return solvedCount(client, b.base+page) == 1 }, 5*time.Second, 10*time.Millisecond)
	assert.Less(t, time.Since(wrote), time.Second, "another replica's page shows the link within a second")
	code, body = postLink(client, b.base, token, "OPS-1", "etcd-no-leader")
	assert.Equal(t, http.StatusOK, code, "the same link through the other replica is the same link: %s", body)

	runKB(t, bin, "token", "revoke", "jira", "--store", pg)
	for _, c := range []*child{a, b} {
		code, _ := postLink(client, c.base, token, "OPS-2", "etcd-no-leader")
		assert.Equal(t, http.StatusUnauthorized, code, "a revoked token fails on every replica at once")
	}
}

// TestServePostgresDownThenUp starts kb serve on a database that does not
// exist yet: pages and search are served, link writes answer 503 with
// Retry-After and a JSON error, /readyz names the store; once the database
// exists kb uses it without a restart.
func TestServePostgresDownThenUp(t *testing.T) {
	pg := testDatabase(t)
	u, err := url.Parse(pg)
	require.NoError(t, err)
	name := strings.TrimPrefix(u.Path, "/")
	away := name + "_later"
	admin := *u
	admin.Path = "/postgres"
	pgExec(t, admin.String(), "ALTER DATABASE "+name+" RENAME TO "+away)
	t.Cleanup(func() { pgExec(t, admin.String(), "DROP DATABASE IF EXISTS "+away+" WITH (FORCE)") })

	c := startChild(t, "--data", t.TempDir(), "--store", pg)
	client := &http.Client{Timeout: 10 * time.Second}
	code, _ := fetch(client, http.MethodGet, c.base+"/runbooks/etcd/no-leader", "", "")
	assert.Equal(t, http.StatusOK, code, "pages are served")
	assert.Eventually(t, func() bool { // once the index is built, as always
		code, _ := fetch(client, http.MethodGet, c.base+"/api/v1/search?q=etcd", "", "")
		return code == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "search is served")
	code, body := fetch(client, http.MethodGet, c.base+"/readyz", "", "")
	assert.Equal(t, http.StatusOK, code, "a balancer keeps the replica: %s", body)
	assert.Contains(t, body, `"status":"unavailable","store":"postgres 127.0.0.1:5432/`+name+`","notifications":"reconnecting"`)

	req, err := http.NewRequest(http.MethodPost, c.base+"/api/v1/links", strings.NewReader(`{"ticket":{"system":"jira","key":"OPS-1"},"article":"etcd-no-leader"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer kb_whatever")
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Equal(t, "2", res.Header.Get("Retry-After"))
	assert.Equal(t, "application/json", strings.Split(res.Header.Get("Content-Type"), ";")[0])

	pgExec(t, admin.String(), "ALTER DATABASE "+away+" RENAME TO "+name)
	require.Eventually(t, func() bool {
		_, body := fetch(client, http.MethodGet, c.base+"/readyz", "", "")
		return strings.Contains(body, `"status":"ready"`) && strings.Contains(body, `"notifications":"listening"`)
	}, 20*time.Second, 100*time.Millisecond, "kb connects, migrates and listens by itself")
	token := strings.TrimSpace(runKB(t, kbBinary(t), "token", "create", "jira", "--store", pg))
	code, body = postLink(client, c.base, token, "OPS-1", "etcd-no-leader")
	assert.Equal(t, http.StatusCreated, code, body)
}
