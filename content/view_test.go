package content

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/access"
)

const accessSite = `access:
  - {path: "security/**", groups: [sre, security]}
  - {path: "**", groups: [employees]}
`

func TestAccessClasses(t *testing.T) {
	snap := load(t, rootFS(t, writeTree(t, map[string]string{
		"kb.yaml":               accessSite,
		"security/keys.md":      "---\ntags: [secret]\nservice: vault\n---\n# Rotating keys\n",
		"security/narrow.md":    "---\naccess: [sre]\n---\n# SRE only\n",
		"security/widen.md":     "---\naccess: [employees]\n---\n# Tries to widen\n",
		"security/broken.md":    "---\naccess: [sre\ntitle: x\n---\n# Broken front matter\n",
		"runbooks/etcd/disk.md": "---\ntags: [etcd]\n---\n# etcd disk [keys](../../security/keys.md)\n",
	})))
	classes := map[string]access.Class{}
	for _, a := range snap.Articles {
		classes[a.Path] = a.Class
	}
	assert.Equal(t, map[string]access.Class{
		"security/keys.md":      "security,sre",
		"security/narrow.md":    "sre",
		"security/widen.md":     access.Nobody,
		"security/broken.md":    access.Nobody,
		"runbooks/etcd/disk.md": "employees",
	}, classes)
	assert.True(t, snap.Access.Enabled())
}

func TestRefusedRuleIsAWarningAndDeniesAll(t *testing.T) {
	site, warns := ParseSite([]byte("access:\n  - {path: \"../security/**\", groups: [sre]}\n"))
	require.Len(t, warns, 1)
	assert.Contains(t, warns[0].Message, `".."`)
	assert.Equal(t, 1, warns[0].Line, "the line of access:")
	assert.Equal(t, access.Nobody, site.Policy().Class("runbooks/x.md", nil))
}

func TestView(t *testing.T) {
	snap := load(t, rootFS(t, writeTree(t, map[string]string{
		"kb.yaml":               accessSite,
		"security/keys.md":      "---\ntags: [secret, etcd]\nservice: vault\naliases: [/old-keys]\n---\n# Rotating keys\n[disk](../runbooks/etcd/disk.md)\n",
		"security/diagram.svg":  "<svg/>",
		"runbooks/etcd/disk.md": "---\ntags: [etcd]\n---\n# etcd disk\n",
	})))
	emp := access.Reader{User: "bob", Groups: []string{"employees"}}
	v := snap.View(func(a *Article) bool { return a.Class.Allows(emp) }, func(p string) bool { return snap.Access.CanRead(emp, p, nil) })
	_, ok := v.ByPath("security/keys.md")
	assert.False(t, ok)
	_, ok = v.ByAlias("/old-keys")
	assert.False(t, ok)
	_, ok = v.ByID("keys")
	assert.False(t, ok)
	_, ok = v.Folder("security")
	assert.False(t, ok, "a folder holding only hidden articles is not listed")
	assert.False(t, v.Attachment("security/diagram.svg"))
	assert.Empty(t, v.Tagged("secret"))
	assert.Equal(t, []Term{{Name: "etcd", Count: 1}}, v.Tags())
	assert.Empty(t, v.Services())
	disk, ok := v.ByPath("runbooks/etcd/disk.md")
	require.True(t, ok)
	assert.Empty(t, v.Backlinks(disk), "a hidden article's link is no backlink")
	assert.Len(t, snap.Backlinks(disk), 1)
	assert.Len(t, snap.Articles, 2, "the snapshot itself is unchanged")
}
