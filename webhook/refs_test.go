package webhook

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFindRefs(t *testing.T) {
	kb := testBase
	tests := []struct {
		name string
		text string
		base Base
		want []Ref
	}{
		{name: "runbook path on the kb host", text: "fixed by https://kb.example.com/runbooks/etcd/no-leader", base: kb,
			want: []Ref{{Path: "/runbooks/etcd/no-leader"}}},
		{name: "permalink", text: "https://kb.example.com/a/etcd-no-leader", base: kb,
			want: []Ref{{Path: "/a/etcd-no-leader"}}},
		{name: "alert with query", text: "see https://kb.example.com/alerts/KubePodCrashLooping?namespace=a for the steps", base: kb,
			want: []Ref{{Path: "/alerts/KubePodCrashLooping"}}},
		{name: "old alias path", text: "https://kb.example.com/runbooks/etcd/no-leader-old/", base: kb,
			want: []Ref{{Path: "/runbooks/etcd/no-leader-old"}}},
		{name: "fragment is the anchor", text: "https://kb.example.com/runbooks/etcd/no-leader#restore-quorum", base: kb,
			want: []Ref{{Path: "/runbooks/etcd/no-leader", Anchor: "restore-quorum"}}},
		{name: "http, port and case of the host", text: "HTTP://KB.Example.com:443/a/x and http://kb.example.com:80/a/y", base: kb,
			want: []Ref{{Path: "/a/x"}, {Path: "/a/y"}}},
		{name: "other hosts ignored", text: "https://wiki.example.com/a/x https://kb.example.com.evil.net/a/y https://evil.net/?u=https://kb.example.com/a/z", base: kb},
		{name: "other port ignored", text: "https://kb.example.com:8443/a/x", base: kb},
		{name: "without base: /a/ and /alerts/ on any host", text: "https://kb.internal/a/x https://kb.internal/runbooks/y https://kb.internal/alerts/Z",
			want: []Ref{{Path: "/a/x"}, {Path: "/alerts/Z"}}},
		{name: "bare paths", text: "try /a/x, then /alerts/HostDown?instance=db1.", base: kb,
			want: []Ref{{Path: "/a/x"}, {Path: "/alerts/HostDown"}}},
		{name: "bare paths without base", text: "(/a/x)",
			want: []Ref{{Path: "/a/x"}}},
		{name: "file paths are not references", text: "see /var/a/x and /etc/alerts/y and ./a/z and a/b", base: kb},
		{name: "bare runbook paths are ambiguous", text: "see /runbooks/etcd/no-leader", base: kb},
		{name: "sentence punctuation", text: "Done, see https://kb.example.com/a/x). Also https://kb.example.com/a/y, https://kb.example.com/a/z; and https://kb.example.com/a/w!", base: kb,
			want: []Ref{{Path: "/a/x"}, {Path: "/a/y"}, {Path: "/a/z"}, {Path: "/a/w"}}},
		{name: "angle brackets", text: "<https://kb.example.com/a/x>", base: kb,
			want: []Ref{{Path: "/a/x"}}},
		{name: "markdown link", text: "[x](https://kb.example.com/runbooks/a)", base: kb,
			want: []Ref{{Path: "/runbooks/a"}}},
		{name: "markdown link with title", text: `[x](https://kb.example.com/runbooks/a "the runbook")`, base: kb,
			want: []Ref{{Path: "/runbooks/a"}}},
		{name: "markdown relative link", text: "[x](/a/x)", base: kb,
			want: []Ref{{Path: "/a/x"}}},
		{name: "parentheses in a path", text: "(see https://kb.example.com/runbooks/disk_(full))", base: kb,
			want: []Ref{{Path: "/runbooks/disk_(full)"}}},
		{name: "jira wiki link", text: "[text|https://kb.example.com/a/x]", base: kb,
			want: []Ref{{Path: "/a/x"}}},
		{name: "jira smart link", text: "[https://kb.example.com/a/x|https://kb.example.com/a/x|smart-link]", base: kb,
			want: []Ref{{Path: "/a/x"}}},
		{name: "html link", text: `<p>Use <a href="https://kb.example.com/runbooks/a#step-2">this</a> or <a href='/a/b'>that</a></p>`, base: kb,
			want: []Ref{{Path: "/runbooks/a", Anchor: "step-2"}, {Path: "/a/b"}}},
		{name: "escaped html", text: `&lt;a href=&quot;https://kb.example.com/a/x&quot;&gt;`, base: kb,
			want: []Ref{{Path: "/a/x"}}},
		{name: "javascript ignored", text: `<a href="javascript:alert('/a/x')">x</a> [y](javascript:go('/a/y')) javascript://kb.example.com/a/z data:text/html,/a/w`, base: kb},
		{name: "other schemes ignored", text: "ftp://kb.example.com/a/x mailto:ops@kb.example.com", base: kb},
		{name: "glued to a word", text: "xhttps://kb.example.com/a/x foo/a/y", base: kb},
		{name: "deduplicated in order, first anchor kept", text: "/a/y https://kb.example.com/a/x#one https://kb.example.com/a/x#two /a/y#three", base: kb,
			want: []Ref{{Path: "/a/y", Anchor: "three"}, {Path: "/a/x", Anchor: "one"}}},
		{name: "cleaned paths", text: "https://kb.example.com/runbooks/../runbooks/./etcd//x https://kb.example.com/a/x/history/abc https://kb.example.com/embed/y", base: kb,
			want: []Ref{{Path: "/runbooks/etcd/x"}, {Path: "/a/x"}, {Path: "/a/y"}}},
		{name: "percent-encoded path", text: "https://kb.example.com/runbooks/disk%20full", base: kb,
			want: []Ref{{Path: "/runbooks/disk full"}}},
		{name: "pages that are not articles", text: "https://kb.example.com/ https://kb.example.com/search?q=etcd https://kb.example.com/tags/etcd https://kb.example.com/api/v1/articles https://kb.example.com/a/ /a/", base: kb},
		{name: "bad anchor dropped", text: `https://kb.example.com/a/x#"><script>`, base: kb,
			want: []Ref{{Path: "/a/x"}}},
		{name: "base with a path prefix", text: "https://example.com/kb/runbooks/a https://example.com/other/b https://example.com/kb", base: Base{URL: "https://example.com/kb/"},
			want: []Ref{{Path: "/runbooks/a"}}},
		{name: "invalid base is no base", text: "https://kb.example.com/runbooks/a https://kb.example.com/a/b", base: Base{URL: "kb.example.com"},
			want: []Ref{{Path: "/a/b"}}},
		{name: "unicode", text: "voir https://kb.example.com/runbooks/déploiement\u00a0ici", base: kb,
			want: []Ref{{Path: "/runbooks/déploiement"}}},
		{name: "empty", text: "", base: kb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, FindRefs(tt.text, tt.base))
		})
	}
}

func TestFindRefsBounded(t *testing.T) {
	var sb strings.Builder
	for i := range 200 {
		fmt.Fprintf(&sb, "https://kb.example.com/a/article-%d ", i)
	}
	refs := FindRefs(sb.String(), testBase)
	assert.Len(t, refs, MaxRefs)
	assert.Equal(t, "/a/article-0", refs[0].Path)

	// Only the first maxScan bytes are read.
	long := strings.Repeat("x ", maxScan) + "https://kb.example.com/a/late"
	assert.Empty(t, FindRefs(long, testBase))

	// A URL longer than a ticket URL may be is skipped, not cut.
	huge := "https://kb.example.com/a/" + strings.Repeat("y", 3000) + " https://kb.example.com/a/short"
	assert.Equal(t, []Ref{{Path: "/a/short"}}, FindRefs(huge, testBase))
}

func BenchmarkFindRefs(b *testing.B) {
	text := strings.Repeat("Restarted the pod, see https://kb.example.com/runbooks/k8s/oomkilled#limits and /a/ingress-502. ", 500)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		FindRefs(text, testBase)
	}
}

func TestFindRefsCandidateBudget(t *testing.T) {
	junk := strings.Repeat("https://example.net/x ", maxCandidates)
	assert.Empty(t, FindRefs(junk+"https://kb.example.com/a/x", testBase), "the budget is spent on other links")
	assert.Equal(t, []Ref{{Path: "/a/x"}}, FindRefs(junk[:len(junk)/2]+"https://kb.example.com/a/x", testBase))
}
