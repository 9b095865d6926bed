package content

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResolve(t *testing.T) {
	s := load(t, fstest.MapFS{
		"runbooks/etcd/no-leader.md":                 {Data: []byte("---\nid: etcd-no-leader\nalerts: [etcdNoLeader]\naliases: [/old/etcd]\n---\n# etcd has no leader\n")},
		"runbooks/kubernetes/KubePodCrashLooping.md": {Data: []byte("# KubePodCrashLooping\n")},
		"articles/guide.md":                          {Data: []byte("# Guide\n")},
	})
	etcd, _ := s.ByPath("runbooks/etcd/no-leader.md")
	kube, _ := s.ByPath("runbooks/kubernetes/KubePodCrashLooping.md")
	tests := []struct {
		ref        string
		want       *Article
		wantAnchor string
	}{
		{ref: "etcd-no-leader", want: etcd},
		{ref: "ETCD-NO-LEADER", want: etcd},
		{ref: "runbooks/etcd/no-leader.md", want: etcd},
		{ref: "/runbooks/etcd/no-leader", want: etcd},
		{ref: "/runbooks/etcd/no-leader.md", want: etcd},
		{ref: "/runbooks/etcd/no-leader/", want: etcd},
		{ref: "/a/etcd-no-leader", want: etcd},
		{ref: "/a/etcd-no-leader#h-mitigation", want: etcd, wantAnchor: "h-mitigation"},
		{ref: "/old/etcd", want: etcd},
		{ref: "/alerts/etcdNoLeader", want: etcd},
		{ref: "/alerts/etcdnoleader?instance=a", want: etcd},
		{ref: "https://kb.example.com/runbooks/etcd/no-leader#mitigation", want: etcd, wantAnchor: "mitigation"},
		{ref: "http://other-name:8080/a/etcd-no-leader", want: etcd},
		{ref: "/alerts/kube-pod-crash-looping", want: kube},
		{ref: "/runbooks/kubernetes/kubepodcrashlooping", want: kube},
		{ref: "/runbooks/etcd/../etcd/no-leader", want: etcd},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			got, anchor, ok := s.Resolve(tt.ref)
			require.True(t, ok)
			assert.Same(t, tt.want, got)
			assert.Equal(t, tt.wantAnchor, anchor)
		})
	}
	for _, bad := range []string{"", "nope", "/a/nope", "/alerts/Nope", "javascript:alert(1)", "/../../etc/passwd", "//evil.example/a/etcd-no-leader/x"} {
		_, _, ok := s.Resolve(bad)
		assert.False(t, ok, bad)
	}
}

func TestByAlertPrefersFrontMatter(t *testing.T) {
	s := load(t, fstest.MapFS{
		"runbooks/a/TargetDown.md":  {Data: []byte("# TargetDown\n")},
		"runbooks/b/scrape.md":      {Data: []byte("---\nalerts: [TargetDown]\n---\n# Scrape targets down\n")},
		"runbooks/c/also-claims.md": {Data: []byte("---\nalerts: [targetdown]\n---\n# Also\n")},
		"articles/TargetDown.md":    {Data: []byte("# TargetDown\n")},
	})
	got, ok := s.ByAlert("TARGETDOWN")
	require.True(t, ok)
	assert.Equal(t, "runbooks/b/scrape.md", got.Path, "a front-matter claim beats a file name")
	also, _ := s.ByPath("runbooks/c/also-claims.md")
	assert.Contains(t, messages(also.Warnings), "also claimed by runbooks/b/scrape.md")
	_, ok = s.ByAlert("---")
	assert.False(t, ok)
}

func TestLinksIgnoreLetterCase(t *testing.T) {
	s := load(t, fstest.MapFS{
		"Microsoft.PowerShell.Utility/Format-Table.md": {Data: []byte("# Format-Table\n")},
	})
	url, ok := s.Article("Microsoft.Powershell.Utility/Format-Table.md")
	require.True(t, ok)
	assert.Equal(t, "/Microsoft.PowerShell.Utility/Format-Table", url)
}
