package content

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/gitrepo/gitrepotest"
)

// TestWarningKinds loads one file per kind of problem and checks the kind,
// position and subject of its warning: kb check decides by them.
func TestWarningKinds(t *testing.T) {
	files := fstest.MapFS{
		"kb.yaml":       {Data: []byte("title: T\nreveiw_every: 30d\n")}, //nolint:misspell // a typo kb must report
		"yaml.md":       {Data: []byte("---\ntitle: [\n---\n")},
		"badid.md":      {Data: []byte("---\nid: \"Bad Id!\"\n---\n")},
		"docs.md":       {Data: []byte("---\ntitle: D\ntype: docs\n---\n")},
		"pipe.md":       {Data: []byte("# P\n"), Mode: fs.ModeNamedPipe},
		"name\xff.md":   {Data: []byte("# N\n")},
		"big.md":        {Data: []byte("# Big\n\n" + strings.Repeat("word ", 2000))},
		"bin.md":        {Data: []byte("a\x00b")},
		"latin1.md":     {Data: []byte("# L\n\ncaf\xe9\n")},
		"conflict.md":   {Data: []byte("# C\n\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> x\n")},
		"search.md":     {Data: []byte("# Search\n")},
		"one.md":        {Data: []byte("---\nid: same\n---\n")},
		"two.md":        {Data: []byte("---\nid: same\n---\n")},
		"links.md":      {Data: []byte("---\ntitle: Links\n---\n[a](gone.md)\n![b](gone.png)\n[c](#nowhere)\n[d](JavaScript:alert(1))\n")},
		"deep.md":       {Data: []byte("---\ntitle: Deep\n---\n" + strings.Repeat("> ", 100) + "x\n")},
		"runbooks/a.md": {Data: []byte("---\nalerts: [Same]\n---\n")},
		"runbooks/b.md": {Data: []byte("---\nalerts: [Same]\n---\n")},
		"runbooks/c.md": {Data: []byte("# C\n")},
		"runbooks/d.md": {Data: []byte("---\naliases: [/runbooks/c]\n---\n")},
	}
	s, err := Load(context.Background(), files, Options{MaxSize: 4 << 10})
	require.NoError(t, err)
	tests := []struct {
		path    string
		line    int
		kind    WarningKind
		subject string
	}{
		{path: SiteFile, line: 2, kind: WarnSite},
		{path: "yaml.md", line: 2, kind: WarnFrontMatter},
		{path: "badid.md", line: 2, kind: WarnFrontMatter},
		{path: "docs.md", line: 3, kind: WarnUnknownType},
		{path: "pipe.md", kind: WarnNotRegular},
		{path: "name\uFFFD.md", kind: WarnFileName},
		{path: "big.md", kind: WarnTooLarge},
		{path: "bin.md", kind: WarnBinary},
		{path: "latin1.md", kind: WarnInvalidUTF8},
		{path: "conflict.md", line: 3, kind: WarnMergeConflict},
		{path: "search.md", kind: WarnReserved},
		{path: "two.md", kind: WarnDuplicate},
		{path: "runbooks/b.md", kind: WarnDuplicate},
		{path: "runbooks/d.md", kind: WarnDuplicate},
		{path: "links.md", line: 4, kind: WarnBrokenLink},
		{path: "links.md", line: 5, kind: WarnBrokenImage},
		{path: "links.md", line: 6, kind: WarnBrokenAnchor, subject: "nowhere"},
		{path: "links.md", line: 7, kind: WarnLinkRemoved, subject: "javascript"},
		{path: "deep.md", line: 4, kind: WarnShownAsText},
	}
	var all []Warning
	for w := range s.AllWarnings() {
		all = append(all, w)
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+" "+tt.path, func(t *testing.T) {
			for _, w := range all {
				if w.Path == tt.path && w.Kind == tt.kind {
					assert.Equal(t, tt.line, w.Line, w.String())
					assert.Equal(t, tt.subject, w.Subject, w.String())
					return
				}
			}
			t.Errorf("no %s warning for %s in\n%s", tt.kind, tt.path, messages(all))
		})
	}
	for _, w := range all {
		assert.NotEmpty(t, w.Kind, "every warning has a kind: %s", w)
	}
}

// TestMovedLinkWarning: a link to the old path of a renamed file still
// works, with a warning of its own kind on the link's line.
func TestMovedLinkWarning(t *testing.T) {
	r := gitrepotest.New(t)
	r.CommitFiles("add", map[string]string{"page.md": "---\ntitle: Page\n---\n[b](b.md)\n", "b.md": "# B\n"})
	r.Git("mv", "b.md", "b-renamed.md")
	r.Commit("rename b")
	lib, _ := gitLibrary(t, r.Dir, "main")
	a := mustArticle(t, lib.Snapshot(), "page.md")
	require.Len(t, a.Warnings, 1, messages(a.Warnings))
	assert.Equal(t, WarnMovedLink, a.Warnings[0].Kind)
	assert.Equal(t, 4, a.Warnings[0].Line)
}

func TestArticlePositions(t *testing.T) {
	s := load(t, fstest.MapFS{
		"a.md":    {Data: []byte("\uFEFF---\r\ntitle: A\r\nweight: 3\r\ntitle: again\r\n---\r\n\r\n[x](b.md)\r\n")},
		"b.md":    {Data: []byte("# B\n\n[y](a.md)\n")},
		"open.md": {Data: []byte("---\ntitle: x\n")},
	})
	a := mustArticle(t, s, "a.md")
	assert.Equal(t, []KeyLine{{Key: "title", Line: 2}, {Key: "weight", Line: 3}}, a.Keys, "each key once, at its first use")
	assert.Equal(t, 2, a.KeyLine("title"))
	assert.Equal(t, 0, a.KeyLine("service"))
	assert.Equal(t, 6, a.BodyLine)
	require.Len(t, a.Doc.Links, 1)
	assert.Equal(t, 7, a.FileLine(a.Doc.Links[0].Line))
	assert.Equal(t, 0, a.FileLine(0), "an unknown line stays unknown")

	b := mustArticle(t, s, "b.md")
	assert.Empty(t, b.Keys)
	assert.Equal(t, 1, b.BodyLine)
	assert.Equal(t, 3, b.FileLine(b.Doc.Links[0].Line))
	assert.Equal(t, 1, mustArticle(t, s, "open.md").BodyLine, "front matter never closed: the whole file is the body")
}
