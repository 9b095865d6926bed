package content

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIsIndexFile(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"index.md", true},
		{"runbooks/_index.md", true},
		{"runbooks/etcd/INDEX.MD", true},
		{"runbooks/_Index.md", true},
		{"runbooks/index.markdown", false},
		{"runbooks/my_index.md", false},
		{"runbooks/index.md/x.md", false},
		{"index", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			assert.Equal(t, tt.want, IsIndexFile(tt.path))
		})
	}
}

func TestURLForIndexFiles(t *testing.T) {
	assert.Equal(t, "/", URLFor("index.md"))
	assert.Equal(t, "/runbooks", URLFor("runbooks/_index.md"))
	assert.Equal(t, "/v1.", URLFor("v1./INDEX.md"))
	assert.Equal(t, "/runbooks/etcd/no-leader", URLFor("runbooks/etcd/no-leader.md"))
}

func TestArticleIsIndex(t *testing.T) {
	s := load(t, fstest.MapFS{
		"index.md":             {Data: []byte("# Home\n")},
		"runbooks/_index.md":   {Data: []byte("# Runbooks\n")},
		"runbooks/index.md":    {Data: []byte("# Also runbooks\n")}, // /runbooks is taken: served at /runbooks/index
		"runbooks/etcd.md":     {Data: []byte("# etcd\n")},
		"guides/index.md":      {Data: []byte("# Guides\n")},
		"guides.md":            {Data: []byte("# The guides page\n")}, // sorts first and keeps /guides
		"runbooks/etcd/x.md":   {Data: []byte("# x\n")},
		"runbooks/etcd/_x.md":  {Data: []byte("# _x\n")},
		"runbooks/kube/_index": {Data: []byte("not markdown")},
	})
	for p, want := range map[string]bool{
		"index.md": true, "runbooks/_index.md": true, "runbooks/index.md": false, "runbooks/etcd.md": false,
		"guides/index.md": false, "guides.md": false, "runbooks/etcd/x.md": false, "runbooks/etcd/_x.md": false,
	} {
		a, ok := s.ByPath(p)
		require.True(t, ok, p)
		assert.Equal(t, want, a.IsIndex(), "%s at %s", p, a.URL)
	}
}
