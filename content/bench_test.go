package content

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
)

// BenchmarkLoadCorpus measures kb's whole load of the PowerShell docs (read,
// front matter, render with highlighting, TOC and link rewriting, indexes)
// against bare goldmark converting the same files. make bench prints the ratio.
// "kb-plain" is the load kb serve publishes first, code not yet highlighted
// (Options.DeferHighlight); compare its ns/op with bare's.
func BenchmarkLoadCorpus(b *testing.B) {
	files := rootFS(b, corpusDir(b, "powershell-docs"))
	b.Run("kb", func(b *testing.B) {
		for b.Loop() {
			s, err := Load(context.Background(), files, Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(s.Articles)), "articles")
		}
	})
	b.Run("kb-plain", func(b *testing.B) {
		for b.Loop() {
			if _, err := Load(context.Background(), files, Options{NoHighlight: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		md := goldmark.New()
		var paths []string
		err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		var out bytes.Buffer
		for b.Loop() {
			for _, p := range paths {
				src, err := fs.ReadFile(files, p)
				if err != nil {
					b.Fatal(err)
				}
				_, body, _ := parseFrontMatter(p, src)
				out.Reset()
				if err := md.Convert(body, &out); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
