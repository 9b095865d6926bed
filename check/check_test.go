package check

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/content"
)

// writeTree writes files (slash paths → contents) below a new temporary folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(body), 0o644))
	}
	return dir
}

func runCheck(t *testing.T, dir string, opts Options) []Finding {
	t.Helper()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	t.Cleanup(func() { root.Close() })
	snap, err := content.Load(context.Background(), root.FS(), content.Options{})
	require.NoError(t, err)
	opts.Files = root.FS()
	if opts.Now.IsZero() {
		opts.Now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	}
	findings, err := Run(context.Background(), snap, opts)
	require.NoError(t, err)
	return findings
}

const good = `---
title: Good runbook
service: db
alerts: [DBGood]
owners: [team-db]
reviewed: 2026-05-01
---
## Meaning

Fine.
`

// brokenTree has one file (or pair) per kind of problem.
func brokenTree(t *testing.T) string {
	big := "---\ntitle: Big\n---\n" + strings.Repeat("word ", 1000)
	return writeTree(t, map[string]string{
		"kb.yaml":               "title: Broken\nreview_every: 90d\nmax_size: 4KiB\nreveiw_every: 30d\n", //nolint:misspell // typos kb check must catch
		"runbooks/db/good.md":   good,
		"runbooks/db/typo.md":   "---\ntitle: Typo\nservce: db\nalerts: [DBTypo]\nowners: [team-db]\nTags: [x]\nms.date: 01/01/2026\n---\nbody\n",
		"runbooks/db/types.md":  "---\ntitle: Types\nservice: db\nalerts: [DBTypes]\nowners: [team-db]\ntags: {a: b}\nreviewed: yesterday\n---\nbody\n",
		"runbooks/db/bare.md":   "# Bare runbook\n\nNo front matter at all.\n",
		"alerts/db/DBDown.md":   "# DB down\n\nNamed after its alert.\n",
		"runbooks/db/stale.md":  strings.Replace(good, "reviewed: 2026-05-01", "reviewed: 2025-01-01", 1),
		"runbooks/db/future.md": strings.Replace(strings.Replace(good, "reviewed: 2026-05-01", "reviewed: 2027-01-01", 1), "DBGood", "DBFuture", 1),
		"runbooks/db/every.md":  strings.Replace(strings.Replace(good, "reviewed: 2026-05-01", "reviewed: 2026-05-01\nreview_every: 7d", 1), "DBGood", "DBEvery", 1),
		"runbooks/db/claim.md":  strings.Replace(good, "title: Good runbook", "title: Claim", 1),
		"articles/a.md":         "---\nid: same\naliases: [/old]\ntype: docs\n---\n# A\n",
		"articles/b.md":         "---\nid: same\naliases: [/old]\n---\n# B\n",
		"articles/target.md":    "# Target\n\n## Real heading\n\ntext[^1]\n\n[^1]: note\n",
		"articles/links.md": `---
title: Links
---
# Links

[gone](nowhere.md)
[ok](target.md#real-heading) [ok too](target.md#h-real-heading) [title](target.md#target) [note](target.md#h-fn1)
[bad anchor](target.md#no-such-heading)
[here](#missing-here)
![missing](img/none.png)
![fake](img/fake.png)
![lfs](img/lfs.png)
![real](img/real.png)
[x](xref:Foo.Bar) [y](xref:Foo.Baz)
[js](javascript:alert(1))
`,
		"articles/other-xref.md": "# Other\n\n[z](xref:Other)\n",
		"articles/img/fake.png":  "<html>not a png</html>",
		"articles/img/lfs.png":   "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12345\n",
		"articles/img/real.png":  "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"search.md":              "# Search page of our own\n",
		"static/logo.png":        "\x89PNG\r\n\x1a\n",
		"articles/big.md":        big,
		"articles/conflict.md":   "# C\n\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> branch\n",
	})
}

func TestEveryKindIsReported(t *testing.T) {
	findings := runCheck(t, brokenTree(t), Options{})
	for _, f := range findings {
		t.Log(f)
	}
	tests := []struct {
		path  string
		line  int
		level Level
		kind  Kind
		msg   string
	}{
		{"kb.yaml", 4, Error, KindSite, `unknown setting "reveiw_every"`}, //nolint:misspell // typos kb check must catch
		{"runbooks/db/typo.md", 3, Error, KindUnknownKey, `unknown key "servce"; did you mean "service"?`},
		{"runbooks/db/typo.md", 6, Error, KindUnknownKey, `unknown key "Tags"; did you mean "tags"?`},
		{"runbooks/db/types.md", 6, Error, KindFrontMatter, "tags: want a list"},
		{"runbooks/db/types.md", 7, Error, KindFrontMatter, `"yesterday" is not a date`},
		{"runbooks/db/bare.md", 0, Warning, KindMissingField, "runbook without alerts:, service: or owners:"},
		{"alerts/db/DBDown.md", 0, Warning, KindMissingField, "runbook without service: or owners: in its front matter (service:"},
		{"runbooks/db/stale.md", 6, Warning, KindStale, "review is overdue: reviewed 2025-01-01, 516 days ago, and due every 90 days"},
		{"runbooks/db/future.md", 6, Warning, KindStale, "reviewed: 2027-01-01 is in the future"},
		{"runbooks/db/every.md", 6, Warning, KindStale, "due every 7 days"},
		{"runbooks/db/good.md", 0, Error, KindDuplicate, "alert DBGood is also claimed by runbooks/db/claim.md"},
		{"articles/a.md", 4, Warning, KindFrontMatter, `type "docs" is not runbook or article; using the default`},
		{"articles/b.md", 0, Error, KindDuplicate, `id "same" is also used by articles/a.md`},
		{"articles/b.md", 0, Error, KindDuplicate, "alias /old is also claimed by articles/a.md"},
		{"articles/links.md", 6, Error, KindBrokenLink, `broken link "nowhere.md": no article articles/nowhere.md`},
		{"articles/links.md", 8, Error, KindBrokenAnchor, `broken link "target.md#no-such-heading": articles/target.md has no heading #no-such-heading`},
		{"articles/links.md", 9, Error, KindBrokenAnchor, `no heading "#missing-here" in this document`},
		{"articles/links.md", 10, Error, KindBrokenImage, `broken image "img/none.png": no file articles/img/none.png`},
		{"articles/links.md", 11, Error, KindBrokenImage, `broken image "img/fake.png": articles/img/fake.png is not a PNG file`},
		{"articles/links.md", 12, Error, KindBrokenImage, "Git LFS pointer"},
		{"articles/links.md", 14, Warning, KindLink, `scheme "xref" not allowed (and 2 more links with scheme xref: in 2 files`},
		{"articles/links.md", 15, Warning, KindLink, `scheme "javascript" not allowed`},
		{"search.md", 0, Error, KindReserved, "collides with one of kb's own routes"},
		{"static/", 0, Error, KindReserved, "the 1 files in this folder are never served"},
		{"articles/big.md", 0, Error, KindSize, "not rendered (kb.yaml max_size)"},
		{"articles/conflict.md", 3, Error, KindFile, "unresolved merge conflict"},
		{"", 0, Info, KindUnknownKey, "1 files use 1 keys kb does not know: ms.date (1)"},
	}
	for _, tt := range tests {
		found := false
		for _, f := range findings {
			if f.Path == tt.path && strings.Contains(f.Message, tt.msg) {
				found = true
				assert.Equal(t, tt.line, f.Line, f.String())
				assert.Equal(t, tt.level, f.Level, f.String())
				assert.Equal(t, tt.kind, f.Kind, f.String())
			}
		}
		assert.True(t, found, "no finding %s:%d: %s", tt.path, tt.line, tt.msg)
	}
	for _, f := range findings {
		assert.NotEqual(t, "articles/target.md", f.Path, "a clean file has no findings: %s", f)
		assert.NotContains(t, f.Message, "#real-heading", "links to existing headings are fine")
		assert.NotContains(t, f.Message, "img/real.png")
		assert.NotContains(t, f.Message, "target.md#target", "a link to the title lands at the top")
	}
	errs, warns := Count(findings)
	assert.Positive(t, errs)
	assert.Positive(t, warns)
}

func TestFindingsAreSorted(t *testing.T) {
	findings := runCheck(t, brokenTree(t), Options{})
	for i := 1; i < len(findings); i++ {
		a, b := findings[i-1], findings[i]
		if a.Path == "" {
			assert.Empty(t, b.Path, "whole-folder findings come last")
			continue
		}
		if b.Path != "" {
			assert.True(t, a.Path < b.Path || a.Path == b.Path && a.Line <= b.Line, "%s before %s", a, b)
		}
	}
	again := runCheck(t, brokenTree(t), Options{})
	assert.Equal(t, findings, again, "the same content gives the same findings")
}

func TestAllListsEverything(t *testing.T) {
	findings := runCheck(t, brokenTree(t), Options{All: true})
	var xref, keys int
	for _, f := range findings {
		if strings.Contains(f.Message, `scheme "xref"`) {
			xref++
		}
		if f.Kind == KindUnknownKey && f.Level == Info {
			keys++
			assert.Equal(t, "runbooks/db/typo.md", f.Path)
			assert.Equal(t, 7, f.Line)
		}
	}
	assert.Equal(t, 3, xref)
	assert.Equal(t, 1, keys)
}

func TestRepeatedProblemIsMerged(t *testing.T) {
	body := "# T\n\n" + strings.Repeat("![x](missing.svg)\n\n", 7)
	findings := runCheck(t, writeTree(t, map[string]string{"page.md": body}), Options{})
	require.Len(t, findings, 1)
	assert.Equal(t, 3, findings[0].Line)
	assert.Contains(t, findings[0].Message, "(6 more times in this file: lines 5, 7, 9, 11, 13, ...)")
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		key, want string
	}{
		{"servce", "service"}, {"Title", "title"}, {"review-every", "review_every"}, {"reviewEvery", "review_every"},
		{"tag", "tags"}, {"alert", "alerts"}, {"owner", "owners"}, {"sumary", "summary"}, {"titel", "title"}, //nolint:misspell // typos kb check must catch
		{"services", "service"}, {"ID", "id"}, {"severty", "severity"},
		{"ms.date", ""}, {"Module Name", ""}, {"weight", ""}, {"layout", ""}, {"author", ""}, {"tier", ""},
		{"date", ""}, {"Locale", ""}, {"schema", ""}, {"external help file", ""}, {"online version", ""}, {"ip", ""},
	}
	for _, tt := range tests {
		got, ok := suggest(tt.key)
		assert.Equal(t, tt.want, got, tt.key)
		assert.Equal(t, tt.want != "", ok, tt.key)
	}
}

func TestWrite(t *testing.T) {
	findings := []Finding{
		{Path: "runbooks/a b.md", Line: 3, Level: Error, Kind: KindBrokenLink, Message: "broken link \"x,y.md\": 100% gone\nreally"},
		{Path: "b.md", Level: Warning, Kind: KindMissingField, Message: "m"},
		{Level: Info, Kind: KindUnknownKey, Message: "summary"},
	}
	var text bytes.Buffer
	require.NoError(t, Write(&text, "text", findings))
	assert.Equal(t, "runbooks/a b.md:3: error: broken link \"x,y.md\": 100% gone\nreally\nb.md: warning: m\ninfo: summary\n", text.String())

	var gh bytes.Buffer
	require.NoError(t, Write(&gh, "github", findings))
	assert.Equal(t, "::error file=runbooks/a b.md,line=3,title=kb check%3A broken-link::broken link \"x,y.md\": 100%25 gone%0Areally\n"+
		"::warning file=b.md,title=kb check%3A missing-field::m\n"+
		"::notice title=kb check%3A unknown-key::summary\n", gh.String())

	var js bytes.Buffer
	require.NoError(t, Write(&js, "json", findings))
	var back []Finding
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, findings, back)

	js.Reset()
	require.NoError(t, Write(&js, "json", nil))
	assert.Equal(t, "[]\n", js.String(), "no findings is an empty array, not null")

	assert.Error(t, Write(&js, "xml", findings))
}

// TestUnfilledTemplate: a page that still holds the guidance text of the
// kb new template (the content folder's own one too) is an error; a page
// that reuses the template's headings and code is not.
func TestUnfilledTemplate(t *testing.T) {
	files := fstest.MapFS{
		"runbooks/new.md":          {Data: []byte("---\ntitle: New\nservice: x\nalerts: [X]\n---\n\n## Meaning\n\nWhat fired, on what, with the threshold, in two to six lines. Paste the\nalert expression so the reader can run it in Prometheus:\n\n## Impact\n\nUsers see errors.\n")},
		"runbooks/done.md":         {Data: []byte("---\ntitle: Done\nservice: x\nalerts: [Y]\n---\n\n## Meaning\n\nThe disk is full.\n\n## Diagnosis\n\n```bash\nkubectl -n {{namespace}} get pods\n```\n")},
		"articles/custom.md":       {Data: []byte("# Custom\n\nWrite the one thing readers must know here, please.\n")},
		".kb/templates/article.md": {Data: []byte("---\ntags: []\n---\n\nWrite the one thing readers must know here, please.\n")},
	}
	snap, err := content.Load(context.Background(), files, content.Options{NoHighlight: true})
	require.NoError(t, err)
	fs, err := Run(context.Background(), snap, Options{Files: files, Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	got := map[string]Finding{}
	for _, f := range fs {
		if f.Kind == KindUnfilled {
			got[f.Path] = f
		}
	}
	require.Contains(t, got, "runbooks/new.md")
	assert.Equal(t, Error, got["runbooks/new.md"].Level)
	assert.Equal(t, 9, got["runbooks/new.md"].Line, "at the paragraph's first line in the file")
	assert.Contains(t, got, "articles/custom.md", "the folder's own template counts")
	assert.NotContains(t, got, "runbooks/done.md", "headings and code of the template may stay")
}
