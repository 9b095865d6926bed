package server

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrintStylesheet checks the print rules of issue 13 in the stylesheet
// that article pages link: table headers repeat, controls do not print,
// external links print their URL.
func TestPrintStylesheet(t *testing.T) {
	site := newTestSite(t)
	page := site.get(t, "/runbooks/etcd/no-leader")
	require.Equal(t, http.StatusOK, page.status)
	m := regexp.MustCompile(`href="(/static/app\.[0-9a-f]+\.css)"`).FindStringSubmatch(page.body)
	require.NotNil(t, m, "the page links the stylesheet")
	css := site.get(t, m[1])
	require.Equal(t, http.StatusOK, css.status)
	var print strings.Builder
	for _, block := range strings.Split(css.body, "@media print {")[1:] {
		print.WriteString(block)
	}
	p := print.String()
	assert.Contains(t, p, "thead { display: table-header-group; }")
	assert.Contains(t, p, "break-inside: avoid")
	for _, control := range []string{".helpful", ".page-modes", ".history-link", ".nav-drawer", ".copy-button"} {
		assert.Contains(t, p, control, "%s is hidden in print", control)
	}
	assert.Contains(t, p, `.prose a[href^="https://"]::after`)
	assert.Contains(t, p, `content: " (" attr(href) ")"`)
}
