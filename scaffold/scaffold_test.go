package scaffold

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

var today = time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)

// loadOne loads a folder holding only f and returns its article.
func loadOne(t *testing.T, f File) *content.Article {
	t.Helper()
	snap, err := content.Load(context.Background(), fstest.MapFS{f.Path: {Data: f.Source}}, content.Options{})
	require.NoError(t, err)
	a, ok := snap.ByPath(f.Path)
	require.True(t, ok)
	return a
}

func TestNewRunbook(t *testing.T) {
	tmpl, source, err := Template(nil, content.TypeRunbook)
	require.NoError(t, err)
	assert.Equal(t, "built-in", source)
	f, err := New(tmpl, Params{
		Type: content.TypeRunbook, Title: "etcd has no leader", Service: "etcd",
		Alerts: []string{"etcdNoLeader", " etcdInsufficientMembers ", ""}, Owners: []string{"team-platform"}, Reviewed: today,
	})
	require.NoError(t, err)
	assert.Equal(t, "runbooks/etcd/etcd-has-no-leader.md", f.Path)
	assert.Equal(t, "etcd-has-no-leader", f.ID, "the title already starts with the service")
	src := string(f.Source)
	assert.True(t, strings.HasPrefix(src, `---
title: etcd has no leader
id: etcd-has-no-leader
type: runbook
summary: ""
service: etcd
alerts: [etcdNoLeader, etcdInsufficientMembers]
severity: warning
tags: []
owners: [team-platform]
reviewed: 2026-05-04
---
`), src)
	for _, h := range []string{"## Meaning", "## Impact", "## Diagnosis", "## Mitigation", "## Escalation", "{{namespace}}"} {
		assert.Contains(t, src, h)
	}

	a := loadOne(t, f)
	assert.Empty(t, a.Warnings, "a new runbook loads without warnings")
	assert.Equal(t, "etcd has no leader", a.Title)
	assert.Equal(t, "etcd-has-no-leader", a.ID)
	assert.Equal(t, content.TypeRunbook, a.Type)
	assert.Equal(t, []string{"etcdNoLeader", "etcdInsufficientMembers"}, a.Alerts)
	assert.Equal(t, today, a.Reviewed)
	var ids []string
	for _, h := range a.Doc.Headings {
		ids = append(ids, h.Text)
	}
	assert.Equal(t, []string{"Meaning", "Impact", "Diagnosis", "Mitigation", "Escalation"}, ids)
}

func TestNewRunbookIDHasService(t *testing.T) {
	tmpl, _, err := Template(nil, content.TypeRunbook)
	require.NoError(t, err)
	f, err := New(tmpl, Params{Type: content.TypeRunbook, Title: "Replication lag", Service: "Postgres"})
	require.NoError(t, err)
	assert.Equal(t, "runbooks/postgres/replication-lag.md", f.Path)
	assert.Equal(t, "postgres-replication-lag", f.ID)
	assert.NotContains(t, string(f.Source), "owners:", "no owners known, none written")
	assert.NotContains(t, string(f.Source), "reviewed:")

	f, err = New(tmpl, Params{Type: content.TypeRunbook, Title: "Something odd"})
	require.NoError(t, err)
	assert.Equal(t, "runbooks/something-odd.md", f.Path, "without a service, directly under runbooks/")
}

func TestNewArticle(t *testing.T) {
	tmpl, _, err := Template(nil, content.TypeArticle)
	require.NoError(t, err)
	f, err := New(tmpl, Params{Type: content.TypeArticle, Title: "How we rotate credentials", Service: "vault", Owners: []string{"team-sec"}, Reviewed: today})
	require.NoError(t, err)
	assert.Equal(t, "articles/how-we-rotate-credentials.md", f.Path)
	assert.Equal(t, "how-we-rotate-credentials", f.ID, "articles are not prefixed with the service")
	a := loadOne(t, f)
	assert.Empty(t, a.Warnings)
	assert.Equal(t, content.TypeArticle, a.Type)
	assert.Equal(t, "vault", a.Service)
}

func TestOddTitles(t *testing.T) {
	tmpl, _, err := Template(nil, content.TypeArticle)
	require.NoError(t, err)
	tests := []struct {
		title, path, id string
	}{
		{`Disk "full": what now? #1`, "articles/disk-full-what-now-1.md", "disk-full-what-now-1"},
		{"../../etc/passwd", "articles/etc-passwd.md", "etc-passwd"},
		{"Ünïcödé Crème brûlée straße", "articles/unicode-creme-brulee-strasse.md", "unicode-creme-brulee-strasse"},
		{"<script>alert(1)</script>", "articles/script-alert-1-script.md", "script-alert-1-script"},
		{"yes", "articles/yes.md", "yes"},
		{"2026-01-01", "articles/2026-01-01.md", "2026-01-01"},
		{"- [a]: {b} & *c | d % e @f `g`", "articles/a-b-c-d-e-f-g.md", "a-b-c-d-e-f-g"},
		{"   lots   of\tspace  ", "articles/lots-of-space.md", "lots-of-space"},
		{strings.Repeat("very long title ", 10), "articles/" + strings.TrimSuffix(strings.Repeat("very-long-title-", 5), "-") + ".md", strings.TrimSuffix(strings.Repeat("very-long-title-", 5), "-")},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			f, err := New(tmpl, Params{Type: content.TypeArticle, Title: tt.title, Alerts: []string{"A: b"}})
			require.NoError(t, err)
			assert.Equal(t, tt.path, f.Path)
			assert.Equal(t, tt.id, f.ID)
			a := loadOne(t, f)
			assert.Empty(t, a.Warnings, "the title survives YAML: %s", f.Source)
			assert.Equal(t, strings.Join(strings.Fields(tt.title), " "), a.Title)
			assert.Equal(t, tt.id, a.ID)
			assert.Equal(t, []string{"A: b"}, a.Alerts)
		})
	}
}

func TestBadParams(t *testing.T) {
	tmpl, _, err := Template(nil, content.TypeRunbook)
	require.NoError(t, err)
	tests := []struct {
		name string
		p    Params
		msg  string
	}{
		{"empty title", Params{Title: "  "}, "title is empty"},
		{"no usable letters", Params{Title: "日本語のタイトル"}, "--id"},
		{"bad id", Params{Title: "x", ID: "-x"}, "id"},
		{"dir climbs", Params{Title: "x", Dir: "../outside"}, "without . or .."},
		{"dir absolute", Params{Title: "x", Dir: "/etc"}, "inside the content folder"},
		{"dir hidden", Params{Title: "x", Dir: "runbooks/.git"}, "hidden"},
		{"dir reserved", Params{Title: "x", Dir: "search"}, "kb's own routes"},
		{"alert with comma", Params{Title: "x", Alerts: []string{"a,b"}}, "plain name"},
		{"control characters", Params{Title: "x\x00y"}, "control"},
		{"type", Params{Title: "x", Type: "page"}, "want runbook or article"},
		{"long title", Params{Title: strings.Repeat("x", 300)}, "under 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.p.Type == "" {
				tt.p.Type = content.TypeRunbook
			}
			_, err := New(tmpl, tt.p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
	f, err := New(tmpl, Params{Type: content.TypeRunbook, Title: "日本語のタイトル", ID: "JP-Title"})
	require.NoError(t, err)
	assert.Equal(t, "runbooks/jp-title.md", f.Path, "with an id, the file is named after it")
}

func TestTemplateOverride(t *testing.T) {
	files := fstest.MapFS{
		".kb/templates/runbook.md": {Data: []byte("---\nseverity: critical\nteam_channel: '#db'\ntitle: replaced\n---\n## Our own sections\n\n`{{pod}}`\n")},
	}
	tmpl, source, err := Template(files, content.TypeRunbook)
	require.NoError(t, err)
	assert.Equal(t, ".kb/templates/runbook.md", source)
	f, err := New(tmpl, Params{Type: content.TypeRunbook, Title: "Custom", Service: "db"})
	require.NoError(t, err)
	assert.Equal(t, "---\ntitle: Custom\nid: db-custom\ntype: runbook\nservice: db\nseverity: critical\nteam_channel: '#db'\n---\n## Our own sections\n\n`{{pod}}`\n", string(f.Source))

	_, source, err = Template(files, content.TypeArticle)
	require.NoError(t, err)
	assert.Equal(t, "built-in", source, "only the templates present are overridden")

	_, err = New([]byte("---\n- a list\n---\n"), Params{Type: content.TypeRunbook, Title: "x"})
	assert.ErrorContains(t, err, "template: front matter must be a mapping")
	_, err = New([]byte("---\ntitle: [\n---\n"), Params{Type: content.TypeRunbook, Title: "x"})
	assert.ErrorContains(t, err, "template: front matter")
	_, err = New([]byte("---\ntitle: x\n"), Params{Type: content.TypeRunbook, Title: "x"})
	assert.ErrorContains(t, err, "never closed")
	f, err = New([]byte("Just a body.\n"), Params{Type: content.TypeArticle, Title: "Plain"})
	require.NoError(t, err)
	assert.Equal(t, "---\ntitle: Plain\nid: plain\ntype: article\n---\nJust a body.\n", string(f.Source))
}

// TestKeyOrder: kb new writes kb's front-matter keys in content's order,
// whatever the template's, and the template's other keys after them.
func TestKeyOrder(t *testing.T) {
	keys := content.FrontMatterKeys()
	var tmpl strings.Builder
	tmpl.WriteString("---\nweight: 1\n")
	for _, k := range slices.Backward(keys) {
		tmpl.WriteString(k + ": x\n")
	}
	tmpl.WriteString("---\n")
	f, err := New([]byte(tmpl.String()), Params{Type: content.TypeRunbook, Title: "T"})
	require.NoError(t, err)
	var got []string
	fm, _, _ := strings.Cut(strings.TrimPrefix(string(f.Source), "---\n"), "---\n")
	for line := range strings.Lines(fm) {
		k, _, _ := strings.Cut(line, ":")
		got = append(got, k)
	}
	assert.Equal(t, append(keys, "weight"), got)
}

func FuzzNew(f *testing.F) {
	f.Add([]byte("---\nsummary: x\n---\nbody"), "A title", "svc", "Alert")
	f.Add([]byte("---\n- a\n---\n"), "x", "", "")
	f.Add([]byte("---\r\na: &a [*a]\r\n---\r\n"), "Ünï: \"q\"", "s/../x", "a b")
	f.Fuzz(func(t *testing.T, tmpl []byte, title, service, alert string) {
		file, err := New(tmpl, Params{Type: content.TypeRunbook, Title: title, Service: service, Alerts: []string{alert}})
		if err != nil {
			return
		}
		assert.True(t, strings.HasPrefix(file.Path, "runbooks/"), file.Path)
		assert.NotContains(t, file.Path, "..")
		assert.True(t, validID(file.ID), file.ID)
		assert.False(t, content.IsReserved(content.URLFor(file.Path)))
		snap, err := content.Load(context.Background(), fstest.MapFS{file.Path: {Data: file.Source}}, content.Options{})
		require.NoError(t, err)
		a, ok := snap.ByPath(file.Path)
		require.True(t, ok)
		if len(tmpl) == 0 || !strings.HasPrefix(string(tmpl), "---") {
			assert.Equal(t, strings.Join(strings.Fields(title), " "), a.Title, "%s", file.Source)
		}
		assert.Equal(t, file.ID, a.ID, "%s", file.Source)
	})
}
