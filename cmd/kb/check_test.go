package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFiles writes files (slash paths → contents) below dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
}

const cleanRunbook = "---\ntitle: Disk full\nservice: disk\nalerts: [DiskFull]\nowners: [team-a]\n---\n## Meaning\n\nx\n"

func TestCheckExampleHasNoErrors(t *testing.T) {
	out, msg, err := kb(t, "", "check")
	require.NoError(t, err, out)
	assert.NotContains(t, out, ": error:")
	assert.Contains(t, msg, "0 errors")
	assert.Contains(t, msg, "built-in example")
}

func TestCheckExitCodes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"runbooks/disk/full.md": cleanRunbook})
	out, msg, err := kb(t, "", "check", "--content", dir)
	require.NoError(t, err)
	assert.Empty(t, out)
	assert.Contains(t, msg, "kb check: 0 errors, 0 warnings in 1 file of")

	writeFiles(t, dir, map[string]string{"runbooks/disk/bare.md": "# Bare runbook\n"})
	out, msg, err = kb(t, "", "check", "--content", dir)
	require.NoError(t, err, "warnings alone pass")
	assert.Contains(t, out, "/runbooks/disk/bare.md: warning: runbook without alerts:")
	assert.Contains(t, msg, "0 errors, 1 warning in 2 files")

	_, _, err = kb(t, "", "check", "--content", dir, "--strict")
	var failed *checkFailed
	require.ErrorAs(t, err, &failed, "--strict fails on warnings")
	assert.Contains(t, err.Error(), "--strict")

	writeFiles(t, dir, map[string]string{"runbooks/disk/broken.md": strings.Replace(cleanRunbook, "DiskFull", "DiskBroken", 1) + "\n[x](missing.md)\n"})
	out, _, err = kb(t, "", "check", "--content", dir)
	require.ErrorAs(t, err, &failed, "errors fail")
	assert.Contains(t, err.Error(), "1 error, 1 warning in 3 files")
	assert.Contains(t, out, filepath.ToSlash(dir)+"/runbooks/disk/broken.md:11: error: broken link \"missing.md\"")
}

func TestCheckFormats(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"kb/runbooks/disk/broken.md": cleanRunbook + "\n[x](missing.md)\n"})
	t.Chdir(dir)

	out, _, err := kb(t, "", "check", "--content", "kb", "--format", "github")
	require.Error(t, err)
	assert.Equal(t, "::error file=kb/runbooks/disk/broken.md,line=11,title=kb check%3A broken-link::broken link \"missing.md\": no article runbooks/disk/missing.md\n", out,
		"paths are relative to the working folder, as GitHub wants them")

	out, _, err = kb(t, "", "check", "--content", "./kb/", "--format", "json")
	require.Error(t, err)
	var findings []struct {
		Path, Level, Kind, Message string
		Line                       int
	}
	require.NoError(t, json.Unmarshal([]byte(out), &findings))
	require.Len(t, findings, 1)
	assert.Equal(t, "kb/runbooks/disk/broken.md", findings[0].Path)
	assert.Equal(t, 11, findings[0].Line)
	assert.Equal(t, "error", findings[0].Level)
	assert.Equal(t, "broken-link", findings[0].Kind)

	_, _, err = kb(t, "", "check", "--content", "kb", "--format", "xml")
	assert.ErrorContains(t, err, "want text, json, github")
	_, _, err = kb(t, "", "check", "kb")
	assert.ErrorContains(t, err, "--content")
	_, _, err = kb(t, "", "check", "--content", "nowhere")
	assert.Error(t, err)
}

func TestCheckEnvironment(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"runbooks/bare.md": "# Bare\n"})
	var out strings.Builder
	err := run(context.Background(), []string{"check"}, env(map[string]string{"KB_CONTENT": dir, "KB_STRICT": "true", "KB_FORMAT": "json"}), testClock, nil, &out, &strings.Builder{})
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(out.String(), "["))
	err = run(context.Background(), []string{"check"}, env(map[string]string{"KB_STRICT": "maybe"}), testClock, nil, &out, &strings.Builder{})
	assert.ErrorContains(t, err, "KB_STRICT")
}
