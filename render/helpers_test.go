package render_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"kb/render"
)

// site is a Resolver over a fixed set of articles (source path → URL) and
// attachments.
type site struct {
	articles map[string]string
	files    map[string]bool
}

func (s site) Article(p string) (string, bool) {
	u, ok := s.articles[p]
	return u, ok
}

func (s site) Attachment(p string) bool { return s.files[p] }

// testSite is the site most tests render against.
var testSite = site{
	articles: map[string]string{
		"runbooks/etcd/backup.md":       "/runbooks/etcd/backup",
		"runbooks/prometheus/alerts.md": "/runbooks/prometheus/alerts",
		"kb/disk full.md":               "/kb/disk full",
	},
	files: map[string]bool{
		"runbooks/etcd/img/diagram.png": true,
		"files/report 2024.pdf":         true,
	},
}

// testPath is where the documents of most tests live.
const testPath = "runbooks/etcd/no-leader.md"

// renderDoc renders src as testPath against testSite with a default
// Renderer, requires success and checks the HTML is safe.
func renderDoc(t *testing.T, src string) *render.Doc {
	t.Helper()
	return renderWith(t, render.New(render.Options{}), render.Input{Path: testPath, Source: []byte(src), Links: testSite})
}

func renderWith(t *testing.T, r *render.Renderer, in render.Input) *render.Doc {
	t.Helper()
	doc, err := r.Render(in)
	require.NoError(t, err)
	assertSafeHTML(t, doc.HTML)
	return doc
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}
