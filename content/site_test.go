package content

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSiteEditLink(t *testing.T) {
	tests := []struct {
		name, pattern, want string
	}{
		{name: "unset", pattern: "", want: ""},
		{name: "GitLab", pattern: "https://gitlab.com/g/kb/-/edit/main/{path}", want: "https://gitlab.com/g/kb/-/edit/main/runbooks/disk%20full.md"},
		{name: "query", pattern: "http://git.example.com/edit?file={path}&ref=main", want: "http://git.example.com/edit?file=runbooks/disk%20full.md&ref=main"},
		{name: "not http", pattern: "javascript:alert(1)//{path}", want: ""},
		{name: "no host", pattern: "https:///{path}", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Site{EditURL: tt.pattern}.EditLink("runbooks/disk full.md"))
		})
	}
}

func TestSiteNewFileLink(t *testing.T) {
	src := []byte("---\ntitle: X\n---\n")
	tests := []struct {
		name, pattern, want, host string
	}{
		{name: "GitLab", pattern: "https://gitlab.com/g/kb/-/edit/main/{path}", want: "https://gitlab.com/g/kb/-/new/main/runbooks/etcd?file_name=x.md", host: "GitLab"},
		{name: "GitHub", pattern: "https://github.com/o/kb/edit/main/{path}", want: "https://github.com/o/kb/new/main/runbooks/etcd?filename=x.md&value=---%0Atitle%3A+X%0A---%0A", host: "GitHub"},
		{name: "Gitea", pattern: "https://codeberg.org/o/kb/_edit/main/{path}", want: "https://codeberg.org/o/kb/_new/main/runbooks/etcd", host: "Gitea"},
		{name: "unknown host", pattern: "https://example.com/view?file={path}", want: "", host: ""},
		{name: "path not last", pattern: "https://github.com/o/kb/edit/main/{path}?x=1", want: "", host: ""},
		{name: "not http", pattern: "javascript:alert(1)//{path}", want: "", host: ""},
		{name: "unset", pattern: "", want: "", host: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, host := Site{EditURL: tt.pattern}.NewFileLink("runbooks/etcd/x.md", src)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.host, host)
		})
	}

	long := []byte(strings.Repeat("x", maxPrefill+1))
	got, host := Site{EditURL: "https://github.com/o/kb/edit/main/{path}"}.NewFileLink("a b/x.md", long)
	assert.Equal(t, "https://github.com/o/kb/new/main/a%20b?filename=x.md", got, "content too long for a URL is pasted")
	assert.Equal(t, "GitHub", host)
}
