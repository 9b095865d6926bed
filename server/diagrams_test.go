package server

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMermaidBlocks: a page with a mermaid block keeps it as code (what a
// reader without JavaScript sees) and loads the vendored mermaid and the
// script that draws it; other pages load neither. The vendored file is
// served from kb with a long cache and its licence beside it.
func TestMermaidBlocks(t *testing.T) {
	site := newFilesSite(t, map[string]string{
		"docs/flow.md":  "# Flow\n\n```mermaid\ngraph TD\n  A[Alert] --> B[Fix]\n```\n",
		"docs/plain.md": "# Plain\n\n```sh\necho hi\n```\n",
	})
	res := site.get(t, "/docs/flow")
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.body, `<div class="code" data-lang="mermaid"><pre`)
	assert.Contains(t, res.body, `<code class="language-mermaid">graph TD`)
	m := regexp.MustCompile(`<script src="(/static/mermaid\.min\.[0-9a-f]+\.js)" defer></script>`).FindStringSubmatch(res.body)
	require.NotNil(t, m, "the page loads the vendored mermaid")
	assert.Regexp(t, `<script src="/static/diagrams\.[0-9a-f]+\.js" defer></script>`, res.body)
	assert.NotContains(t, res.body, "cdn", "no CDN")

	js := site.get(t, m[1], "Accept-Encoding", "gzip")
	require.Equal(t, http.StatusOK, js.status)
	assert.Contains(t, js.header.Get("Cache-Control"), "immutable")
	assert.Equal(t, "gzip", js.header.Get("Content-Encoding"))

	lic := site.get(t, "/static/mermaid.LICENSE.txt")
	assert.Equal(t, http.StatusOK, lic.status)
	assert.Contains(t, lic.body, "MIT License")

	d := regexp.MustCompile(`src="(/static/diagrams\.[0-9a-f]+\.js)"`).FindStringSubmatch(res.body)
	require.NotNil(t, d)
	script := site.get(t, d[1]).body
	assert.Contains(t, script, `securityLevel: "strict"`)
	assert.Contains(t, script, "htmlLabels: false")

	plain := site.get(t, "/docs/plain")
	assert.False(t, strings.Contains(plain.body, "mermaid"), "pages without a diagram do not load mermaid")
}
