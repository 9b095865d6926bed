package scale

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// runAnchor runs one anchor in this child process, as KB_SCALE_ANCHOR says:
//
//	bleve   build an index of KB_SCALE_DIR in KB_SCALE_INDEX, batches of 1,000,
//	        English analyser; then time edits+searches of one document
//	render  render every file with goldmark (GFM)
//	warm    open KB_SCALE_INDEX and serve pages rendered on demand and
//	        /search?q=&limit=&prefix= (anchorQuery)
//	http    serve the bytes of KB_SCALE_FILE for every request
func runAnchor(mode string) error {
	switch mode {
	case "bleve":
		return anchorBleve(os.Getenv("KB_SCALE_DIR"), os.Getenv("KB_SCALE_INDEX"))
	case "render":
		return anchorRender(os.Getenv("KB_SCALE_DIR"))
	case "warm":
		return anchorWarm(os.Getenv("KB_SCALE_DIR"), os.Getenv("KB_SCALE_INDEX"), os.Getenv("KB_SCALE_ADDR"))
	case "http":
		body, err := os.ReadFile(os.Getenv("KB_SCALE_FILE"))
		if err != nil {
			return err
		}
		return listen(os.Getenv("KB_SCALE_ADDR"), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(body) //nolint:errcheck // a baseline; the client sees any failure
		}))
	}
	return fmt.Errorf("unknown anchor %q", mode)
}

func listen(addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	return srv.ListenAndServe()
}

type doc struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

func markdownFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			out = append(out, p)
		}
		return err
	})
	slices.Sort(out)
	return out, err
}

func readDoc(p string) (doc, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return doc{}, err
	}
	title, _, _ := strings.Cut(string(b), "\n")
	return doc{Title: title, Body: string(b)}, nil
}

func anchorBleve(dir, index string) error {
	start := time.Now()
	m := bleve.NewIndexMapping()
	m.DefaultAnalyzer = en.AnalyzerName
	idx, err := bleve.New(index, m)
	if err != nil {
		return err
	}
	files, err := markdownFiles(dir)
	if err != nil {
		return err
	}
	batch := idx.NewBatch()
	for _, p := range files {
		d, err := readDoc(p)
		if err != nil {
			return err
		}
		if err := batch.Index(p, d); err != nil {
			return err
		}
		if batch.Size() >= 1000 {
			if err := idx.Batch(batch); err != nil {
				return err
			}
			batch.Reset()
		}
	}
	if err := idx.Batch(batch); err != nil {
		return err
	}
	build := time.Since(start).Seconds()
	var updates []float64
	for i := range edits {
		p := files[(i*2+1)*len(files)/(2*edits)]
		d, err := readDoc(p)
		if err != nil {
			return err
		}
		word := fmt.Sprintf("anchoredit%d", i)
		d.Body += "\n\nEdited: " + word + ".\n"
		t0 := time.Now()
		if err := idx.Index(p, d); err != nil {
			return err
		}
		res, err := idx.Search(bleve.NewSearchRequest(bleve.NewMatchQuery(word)))
		if err != nil || res.Total == 0 {
			return fmt.Errorf("edit not found: %v", err)
		}
		updates = append(updates, float64(time.Since(t0).Microseconds())/1000)
	}
	if err := idx.Close(); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"build_s": build, "update_ms": updates})
}

var md = goldmark.New(goldmark.WithExtensions(extension.GFM))

func anchorRender(dir string) error {
	start := time.Now()
	files, err := markdownFiles(dir)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		buf.Reset()
		if err := md.Convert(b, &buf); err != nil {
			return err
		}
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"render_s": time.Since(start).Seconds()})
}

func anchorWarm(dir, index, addr string) error {
	idx, err := bleve.Open(index)
	if err != nil {
		return err
	}
	defer idx.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/search", func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		size, err := strconv.Atoi(v.Get("limit"))
		if err != nil || size <= 0 {
			size = 10
		}
		req := bleve.NewSearchRequestOptions(anchorQuery(v.Get("q"), v.Get("prefix") != ""), size, 0, false)
		req.Fields = []string{"title"} // a result list shows titles
		res, err := idx.Search(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(res) //nolint:errcheck // a baseline
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/"))+".md"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		md.Convert(b, w) //nolint:errcheck // a baseline
	})
	return listen(addr, mux)
}

// anchorQuery is the bare way to search text: a quoted text as a phrase,
// otherwise its words (any of them); while typing (prefix), the last word
// also matches the words it starts, from three letters on as in kb (a
// prefix query of one letter expands to thousands of terms).
func anchorQuery(text string, prefix bool) query.Query {
	if t := strings.TrimSpace(text); len(t) > 1 && strings.HasPrefix(t, `"`) && strings.HasSuffix(t, `"`) {
		return bleve.NewMatchPhraseQuery(strings.Trim(t, `"`))
	}
	words := strings.Fields(text)
	if !prefix || len(words) == 0 || len(words[len(words)-1]) < 3 {
		return bleve.NewMatchQuery(text)
	}
	return bleve.NewDisjunctionQuery(bleve.NewMatchQuery(text), bleve.NewPrefixQuery(strings.ToLower(words[len(words)-1])))
}
