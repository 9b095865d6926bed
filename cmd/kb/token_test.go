package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func kb(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, env(nil), testClock, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestTokenCommands(t *testing.T) {
	data := t.TempDir()
	secret, msg, err := kb(t, "", "token", "create", "jira", "--scope", "links:write", "--data", data)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(secret, "kb_"), "the secret is printed once on stdout")
	assert.Contains(t, msg, "shown only this once")

	_, _, err = kb(t, "", "token", "create", "jira", "--data", data)
	assert.ErrorContains(t, err, "already exists")

	list, _, err := kb(t, "", "token", "list", "--data", data)
	require.NoError(t, err)
	assert.Contains(t, list, "jira")
	assert.Contains(t, list, "links:write")
	assert.NotContains(t, list, strings.TrimSpace(secret), "list never shows secrets")

	_, _, err = kb(t, "", "token", "revoke", "jira", "--data", data)
	require.NoError(t, err)
	_, _, err = kb(t, "", "token", "revoke", "jira", "--data", data)
	assert.ErrorContains(t, err, "not found")
	_, _, err = kb(t, "", "token", "create", "x", "--scope", "admin", "--data", data)
	assert.ErrorContains(t, err, "scope")
	_, _, err = kb(t, "", "token", "frob", "--data", data)
	assert.Error(t, err)
}

func TestDatabaseLockedByAnotherKB(t *testing.T) {
	data := t.TempDir()
	db, err := openDB(data)
	require.NoError(t, err)
	defer db.Close()
	_, _, err = kb(t, "", "token", "list", "--data", data)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "locked by another kb")
}

func TestDamagedDatabaseIsNotTouched(t *testing.T) {
	data := t.TempDir()
	path := filepath.Join(data, dbFile)
	junk := bytes.Repeat([]byte("not a bbolt file "), 1000)
	require.NoError(t, os.WriteFile(path, junk, 0o600))
	_, _, err := kb(t, "", "token", "list", "--data", data)
	require.Error(t, err)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, junk, after)
}

func TestLinksExportImport(t *testing.T) {
	data := t.TempDir()
	line := `{"ticket":{"system":"jira","key":"OPS-1","url":"https://jira.example.com/browse/OPS-1"},"article":"disk-full","linked_by":"test"}` + "\n"
	_, msg, err := kb(t, line, "links", "import", "-", "--data", data)
	require.NoError(t, err)
	assert.Contains(t, msg, "1 links imported")
	out, _, err := kb(t, "", "links", "export", "--data", data)
	require.NoError(t, err)
	assert.Contains(t, out, `"key":"OPS-1"`)

	file := filepath.Join(t.TempDir(), "links.jsonl")
	_, _, err = kb(t, "", "links", "export", "--out", file, "--data", data)
	require.NoError(t, err)
	other := t.TempDir()
	_, _, err = kb(t, "", "links", "import", file, "--data", other)
	require.NoError(t, err)
	again, _, err := kb(t, "", "links", "export", "--data", other)
	require.NoError(t, err)
	assert.Equal(t, out, again)

	_, _, err = kb(t, "{broken\n", "links", "import", "-", "--data", data)
	assert.ErrorContains(t, err, "line 1")
	_, _, err = kb(t, "", "links", "import", "--data", data)
	assert.Error(t, err, "import needs a file")
}

// TestTokenReadPaths: --read-path is repeatable, listed, and a path with
// ".." is refused.
func TestTokenReadPaths(t *testing.T) {
	data := t.TempDir()
	_, _, err := kb(t, "", "token", "create", "sec", "--scope", "read", "--read-path", "security/**", "--read-path", "runbooks/db/*", "--data", data)
	require.NoError(t, err)
	out, _, err := kb(t, "", "token", "list", "--data", data)
	require.NoError(t, err)
	assert.Contains(t, out, "security/** runbooks/db/*")
	_, _, err = kb(t, "", "token", "create", "bad", "--read-path", "../etc/**", "--data", data)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "..")
}
