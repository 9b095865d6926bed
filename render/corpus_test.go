package render_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/internal/race"
	"kb/render"
)

// corpusRoot holds real documentation shared by kb's tests; it is not part
// of the repository.
const corpusRoot = "../../shared/corpus"

type corpusDoc struct {
	path string // relative to corpusRoot
	src  []byte // front matter removed
}

// loadCorpus reads every .md file under corpusRoot/dir, skipping the test or
// benchmark when the corpus is absent.
func loadCorpus(tb testing.TB, dirs ...string) []corpusDoc {
	tb.Helper()
	if _, err := os.Stat(corpusRoot); err != nil {
		tb.Skipf("no corpus at %s", corpusRoot)
	}
	var docs []corpusDoc
	for _, dir := range dirs {
		err := filepath.WalkDir(filepath.Join(corpusRoot, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
				return err
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(corpusRoot, p)
			if err != nil {
				return err
			}
			docs = append(docs, corpusDoc{path: filepath.ToSlash(rel), src: stripFrontMatter(src)})
			return nil
		})
		require.NoError(tb, err)
	}
	require.NotEmpty(tb, docs)
	return docs
}

// stripFrontMatter removes YAML front matter between leading "---" lines,
// as content does before calling Render.
func stripFrontMatter(src []byte) []byte {
	rest, ok := bytes.CutPrefix(bytes.TrimPrefix(src, []byte("\uFEFF")), []byte("---"))
	if !ok {
		return src
	}
	rest = bytes.TrimLeft(rest, " \t")
	if len(rest) > 0 && rest[0] == '\r' {
		rest = rest[1:]
	}
	if len(rest) == 0 || rest[0] != '\n' {
		return src
	}
	for i := 0; i < len(rest); {
		j := bytes.IndexByte(rest[i+1:], '\n')
		if j < 0 {
			return src
		}
		line := bytes.TrimRight(rest[i+1:i+1+j], "\r \t")
		i += 1 + j
		if string(line) == "---" || string(line) == "..." {
			return rest[i+1:]
		}
	}
	return src
}

// TestCorpus renders every document of the shared corpus: none may fail,
// and none may produce executable HTML. Under -race or -short it renders
// every sixth document, to stay within about 20 seconds.
func TestCorpus(t *testing.T) {
	docs := loadCorpus(t, "runbooks-prometheus-operator", "powershell-docs")
	if race.Enabled || testing.Short() {
		var sample []corpusDoc
		for i := 0; i < len(docs); i += 12 { // the race detector makes rendering ten times slower
			sample = append(sample, docs[i])
		}
		docs = sample
	}
	r := render.New(render.Options{})
	var (
		mu       sync.Mutex
		warnings int
		wg       sync.WaitGroup
		work     = make(chan corpusDoc)
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for d := range work {
				doc, err := r.Render(render.Input{Path: d.path, Source: d.src})
				if !assert.NoError(t, err, d.path) {
					continue
				}
				assertSafeHTML(t, doc.HTML, d.path)
				mu.Lock()
				warnings += len(doc.Warnings)
				for _, w := range doc.Warnings {
					if testing.Verbose() {
						t.Logf("%s:%d: %s", d.path, w.Line, w.Message)
					}
				}
				mu.Unlock()
			}
		})
	}
	for _, d := range docs {
		work <- d
	}
	close(work)
	wg.Wait()
	t.Logf("%d documents, %d warnings", len(docs), warnings)
}
