package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRunbookAndArticle(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"kb.yaml": "owners: [team-platform, team-sre]\n"})

	out, msg, err := kb(t, "", "new", "runbook", "etcd", "has", "no", "leader", "--service", "etcd", "--alerts", "etcdNoLeader,etcdInsufficientMembers", "--content", dir)
	require.NoError(t, err)
	want := filepath.Join(dir, "runbooks", "etcd", "etcd-has-no-leader.md")
	assert.Equal(t, want+"\n", out, "prints the path")
	assert.Contains(t, msg, "built-in template")
	src, err := os.ReadFile(want)
	require.NoError(t, err)
	assert.Contains(t, string(src), "title: etcd has no leader\nid: etcd-has-no-leader\ntype: runbook\n")
	assert.Contains(t, string(src), "alerts: [etcdNoLeader, etcdInsufficientMembers]\n")
	assert.Contains(t, string(src), "owners: [team-platform, team-sre]\n")
	assert.Contains(t, string(src), "reviewed: "+testClock().Format(time.DateOnly)+"\n")
	assert.Contains(t, string(src), "{{namespace}}")

	out, _, err = kb(t, "", "new", "article", "How we rotate credentials", "--content", dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "articles", "how-we-rotate-credentials.md")+"\n", out)

	out, _, err = kb(t, "", "new", "runbook", "Odd one", "--dir", "runbooks/misc/deeper", "--content", dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "runbooks", "misc", "deeper", "odd-one.md")+"\n", out)

	// What kb new writes is valid, but kb check fails a page that still
	// holds the template's guidance: it was never filled in.
	checkOut, _, err := kb(t, "", "check", "--content", dir)
	require.Error(t, err, checkOut)
	assert.Contains(t, checkOut, "etcd-has-no-leader.md:16: error: 7 paragraphs are still the kb new template's text")
	assert.Contains(t, checkOut, "how-we-rotate-credentials.md")
	assert.NotContains(t, checkOut, "error: front matter", "the front matter kb new writes is fine")

	// Filled in, the runbook passes.
	filled := "---\ntitle: etcd has no leader\nservice: etcd\nalerts: [etcdNoLeader]\n---\n\n## Meaning\n\nThe member lost its leader.\n\n## Mitigation\n\n- [ ] Restart the member.\n"
	require.NoError(t, os.WriteFile(want, []byte(filled), 0o644))
	require.NoError(t, os.Remove(filepath.Join(dir, "articles", "how-we-rotate-credentials.md")))
	require.NoError(t, os.Remove(filepath.Join(dir, "runbooks", "misc", "deeper", "odd-one.md")))
	checkOut, _, err = kb(t, "", "check", "--content", dir)
	require.NoError(t, err, checkOut)
	assert.NotContains(t, checkOut, "error")
}

func TestNewRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	_, _, err := kb(t, "", "new", "runbook", "Disk full", "--service", "disk", "--content", dir)
	require.NoError(t, err)
	path := filepath.Join(dir, "runbooks", "disk", "disk-full.md")
	require.NoError(t, os.WriteFile(path, []byte("# mine\n"), 0o644))

	_, _, err = kb(t, "", "new", "runbook", "Disk full", "--service", "disk", "--content", dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "already")
	assert.Contains(t, err.Error(), "never overwrites")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "# mine\n", string(after), "the file is untouched")

	_, _, err = kb(t, "", "new", "runbook", "DISK FULL", "--service", "disk", "--id", "other-id", "--content", dir)
	assert.ErrorContains(t, err, "never overwrites", "a file that differs only in case is the same file on many disks")

	_, _, err = kb(t, "", "new", "article", "First", "--content", dir)
	require.NoError(t, err)
	_, _, err = kb(t, "", "new", "runbook", "Second", "--id", "First", "--content", dir)
	assert.ErrorContains(t, err, `id "first" is already articles/first.md's`)
}

func TestNewTemplateOverride(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{".kb/templates/runbook.md": "---\nseverity: critical\n---\n## Our sections\n\n`kubectl -n {{namespace}} get pods`\n"})
	out, msg, err := kb(t, "", "new", "runbook", "Queue stuck", "--service", "queue", "--content", dir)
	require.NoError(t, err)
	assert.Contains(t, msg, ".kb/templates/runbook.md template")
	src, err := os.ReadFile(strings.TrimSpace(out))
	require.NoError(t, err)
	assert.Equal(t, "---\ntitle: Queue stuck\nid: queue-stuck\ntype: runbook\nservice: queue\nseverity: critical\nreviewed: "+
		testClock().Format(time.DateOnly)+"\n---\n## Our sections\n\n`kubectl -n {{namespace}} get pods`\n", string(src))
}

func TestNewOddTitles(t *testing.T) {
	dir := t.TempDir()
	out, _, err := kb(t, "", "new", "article", `../../etc/passwd: "quoted" & <b>bold</b>`, "--content", dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "articles", "etc-passwd-quoted-b-bold-b.md")+"\n", out)
	src, err := os.ReadFile(strings.TrimSpace(out))
	require.NoError(t, err)
	assert.Contains(t, string(src), "id: etc-passwd-quoted-b-bold-b\n")

	_, _, err = kb(t, "", "new", "article", "日本語", "--content", dir)
	assert.ErrorContains(t, err, "--id")
	out, _, err = kb(t, "", "new", "article", "日本語", "--id", "japanese-title", "--content", dir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "articles", "japanese-title.md")+"\n", out)
}

func TestNewNeedsAContentFolder(t *testing.T) {
	_, _, err := kb(t, "", "new", "runbook", "Disk full")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "built-in example")
	assert.Contains(t, err.Error(), "--content")

	dir := t.TempDir()
	_, _, err = kb(t, "", "new", "page", "Disk full", "--content", dir)
	assert.ErrorContains(t, err, "kb new needs a type and a title")
	_, _, err = kb(t, "", "new", "runbook", "--content", dir)
	assert.ErrorContains(t, err, "kb new needs a type and a title")
	_, _, err = kb(t, "", "new", "runbook", "x", "--dir", "../out", "--content", dir)
	assert.ErrorContains(t, err, "..")
	_, _, err = kb(t, "", "new", "runbook", "x", "--content", filepath.Join(dir, "missing"))
	assert.ErrorContains(t, err, "not a folder")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing written on failure")
}
