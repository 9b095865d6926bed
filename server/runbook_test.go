package server

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/feedback/feedbacktest"
)

const crashLoopRunbook = "---\ntitle: Pod crash looping\nid: pod-crash-looping\nservice: kubernetes\nseverity: critical\n" +
	"alerts: [KubePodCrashLooping]\nowners: [team-k8s]\nreviewed: 2020-01-01\nreview_every: 90d\n---\n\n" +
	"## Diagnosis\n\n```bash\nkubectl -n {{namespace}} logs {{pod}} --previous\necho '{{ $labels.pod }}' {{nope}}\n```\n\n" +
	"Run `kubectl -n {{namespace}} describe pod {{pod}}` too.\n\n## Mitigation\n\n- [ ] Scale down\n- [ ] Roll back\n"

// newRunbookSite is the link site with a runbook using placeholders and a
// checklist, and a real feedback store.
func newRunbookSite(t *testing.T) *linkSite {
	t.Helper()
	fb := feedbacktest.Open(t)
	site := newLinkSite(t, func(d *Deps) { d.Feedback = fb })
	p := filepath.Join(site.dir, "runbooks", "kubernetes", "pod-crash-looping.md")
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(crashLoopRunbook), 0o644))
	require.NoError(t, site.lib.Load(context.Background()))
	return site
}

func TestRunbookPlaceholdersFilled(t *testing.T) {
	site := newRunbookSite(t)
	plain := site.get(t, "/runbooks/kubernetes/pod-crash-looping")
	require.Equal(t, http.StatusOK, plain.status)
	assert.Contains(t, plain.body, "{{pod}}")
	assert.NotContains(t, plain.body, `<mark class="filled"`)

	res := site.get(t, "/alerts/KubePodCrashLooping?namespace=shop&pod=cart-1")
	require.Equal(t, http.StatusFound, res.status)
	page := site.get(t, res.header.Get("Location"))
	require.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, page.body, `<mark class="filled" title="{{pod}}">cart-1</mark>`)
	assert.Contains(t, page.body, `<mark class="filled" title="{{namespace}}">shop</mark>`)
	assert.Equal(t, 4, strings.Count(page.body, `<mark class="filled"`), "code block and inline code")
	assert.Contains(t, page.body, "$labels", "template syntax is left alone")
	assert.Contains(t, page.body, `<span class="o">{{</span>nope<span class="o">}}</span>`, "a placeholder without a label stays")
	assert.Contains(t, page.body, `<code class="label">namespace=shop</code>`)

	again := site.get(t, "/runbooks/kubernetes/pod-crash-looping")
	assert.Equal(t, plain.body, again.body, "the cached page is not changed by labels")
	assert.Equal(t, plain.header.Get("Etag"), again.header.Get("Etag"))
}

func TestRunbookPlaceholderValuesEscaped(t *testing.T) {
	site := newRunbookSite(t)
	evil := `x"; $(rm -rf /) ` + "`id`" + ` <script>alert(1)</script> '&`
	page := site.get(t, "/runbooks/kubernetes/pod-crash-looping?"+url.Values{"pod": {evil}}.Encode())
	require.Equal(t, http.StatusOK, page.status)
	assert.NotContains(t, page.body, "<script>alert(1)")
	assert.Contains(t, page.body, `x&#34;; $(rm -rf /) `+"`id`"+` &lt;script&gt;alert(1)&lt;/script&gt; &#39;&amp;</mark>`)
}

func TestRunbookIncidentMode(t *testing.T) {
	site := newRunbookSite(t)
	res := site.get(t, "/runbooks/kubernetes/pod-crash-looping?mode=incident")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, `<body class="mode-incident"`)
	assert.Contains(t, res.body, "Normal view")
	normal := site.get(t, "/runbooks/kubernetes/pod-crash-looping")
	assert.NotContains(t, normal.body, "mode-incident")
	assert.NotEqual(t, res.header.Get("Etag"), normal.header.Get("Etag"))
	assert.Contains(t, normal.body, "review overdue")
	assert.Contains(t, normal.body, "every 90 days")
	assert.Contains(t, normal.body, `class="task-list-item"`)
}

func TestHelpful(t *testing.T) {
	site := newRunbookSite(t)
	path := "/api/v1/articles/pod-crash-looping/helpful"
	res := site.do(t, http.MethodPost, path, strings.NewReader(""), "Content-Type", "application/x-www-form-urlencoded",
		"Origin", site.ts.URL, "Sec-Fetch-Site", "same-origin")
	assert.Equal(t, http.StatusSeeOther, res.status)
	assert.Equal(t, "/runbooks/kubernetes/pod-crash-looping?helped=1#helpful", res.header.Get("Location"))

	res = site.do(t, http.MethodPost, path, strings.NewReader(""), "Sec-Fetch-Site", "same-origin")
	assert.Equal(t, http.StatusOK, res.status)
	assert.JSONEq(t, `{"id": "pod-crash-looping", "helpful": 2}`, res.body)

	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
	} {
		res = site.do(t, http.MethodPost, path, strings.NewReader(""), append(h, "Content-Type", "application/x-www-form-urlencoded")...)
		assert.Equal(t, http.StatusForbidden, res.status, h)
	}
	res = site.do(t, http.MethodPost, "/api/v1/articles/nope/helpful", nil, "Sec-Fetch-Site", "same-origin")
	assert.Equal(t, http.StatusNotFound, res.status)

	page := site.get(t, "/runbooks/kubernetes/pod-crash-looping?helped=1")
	assert.Contains(t, page.body, "recorded that this page helped")
	assert.Contains(t, page.body, `action="/api/v1/articles/pod-crash-looping/helpful"`)
}
