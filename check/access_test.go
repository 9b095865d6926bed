package check

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAccessFindings(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"kb.yaml":          "access:\n  - {path: \"security/**\", groups: [sre]}\n  - {path: \"secrets/**\", groups: [sre]}\n  - {path: \"**\", groups: [employees]}\n  - {path: \"runbooks/**\", groups: [sre]}\n",
		"security/keys.md": "---\ntitle: Keys\naccess: [sre, employees]\n---\n# Keys\n",
		"security/ok.md":   "---\ntitle: Narrow\naccess: [sre]\n---\n# Narrow\n",
		"runbooks/x.md":    "# X\n",
	})
	var got []Finding
	for _, f := range runCheck(t, dir, Options{}) {
		if f.Kind == KindAccess {
			got = append(got, f)
		}
	}
	if assert.Len(t, got, 3, "%v", got) {
		assert.Contains(t, got[0].Message, `rule 2 (path "secrets/**") decides no file`)
		assert.Contains(t, got[1].Message, `rule 4 (path "runbooks/**")`, "shadowed by the catch-all before it")
		assert.Equal(t, "security/keys.md", got[2].Path)
		assert.Equal(t, 3, got[2].Line)
		assert.Equal(t, Error, got[2].Level)
		assert.Contains(t, got[2].Message, "names employees")
	}
}

func TestAccessRefusedRuleIsAnError(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"kb.yaml": "access:\n  - {path: \"../security/**\", groups: [sre]}\n",
		"a.md":    "# A\n",
	})
	found := false
	for _, f := range runCheck(t, dir, Options{}) {
		if f.Kind == KindSite && f.Level == Error {
			assert.Contains(t, f.Message, `".."`)
			found = true
		}
	}
	assert.True(t, found)
}
