package content

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/yuin/goldmark"

	"kb/internal/gen"
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

// BenchmarkApplyOneFile is an edit of one file in a folder of 10,000
// articles (internal/gen) brought into a new snapshot, against reading and
// rendering that one file with bare goldmark ("bare"), and against the
// same edit through the whole build that every load took before applyEdit
// ("kb-whole"). The -lost-alert, -add, -remove and -rename variants edit an
// article that lost an alert to another, add a file, remove it, and rename
// one. KB_BENCH_ARTICLES sets the size (50000 for issue 16's other one).
func BenchmarkApplyOneFile(b *testing.B) {
	root := b.TempDir()
	var paths []string
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("KB_BENCH_ARTICLES")); err == nil && v > 0 {
		n = v
	}
	for p, f := range gen.Files(n, 16) {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(full, f.Data, 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	edited := paths[len(paths)/2]
	full := filepath.Join(root, filepath.FromSlash(edited))
	orig, err := os.ReadFile(full)
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name string
		opts Options
	}{{"kb", Options{}}, {"kb-whole", Options{wholeBuilds: true}}} {
		mode.opts.MaxFiles = n + 1 // room for the file added at 50,000 (DefaultMaxFiles)
		lib := NewLibrary(os.DirFS(root), mode.opts, slog.New(slog.DiscardHandler))
		if err := lib.Load(context.Background()); err != nil {
			b.Fatal(err)
		}
		check := func(b *testing.B) {
			if s := lib.Snapshot(); s.edited == mode.opts.wholeBuilds {
				b.Fatalf("%s: the last snapshot was made by applyEdit: %v", mode.name, s.edited)
			}
		}
		apply := func(b *testing.B, paths ...string) Update {
			upd, err := lib.Apply(context.Background(), paths)
			if err != nil || !upd.Published {
				b.Fatalf("%v, published %v", err, upd.Published)
			}
			return upd
		}
		n := 0
		editOf := func(b *testing.B, p string, orig []byte) {
			n++
			if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(p)), fmt.Appendf(slices.Clone(orig), "\nedit %d\n", n), 0o644); err != nil {
				b.Fatal(err)
			}
			if upd := apply(b, p); len(upd.Updated) != 1 {
				b.Fatalf("%d updated", len(upd.Updated))
			}
		}
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				editOf(b, edited, orig)
			}
			check(b)
		})
		// An article that lost an alert to another (internal/gen's alert
		// names collide): its edit settles the claim again.
		var loser string
		for p, c := range lib.Snapshot().claims {
			if len(c.alerts) > 0 && (loser == "" || p < loser) {
				loser = p
			}
		}
		loserOrig, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(loser)))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(mode.name+"-lost-alert", func(b *testing.B) {
			for b.Loop() {
				editOf(b, loser, loserOrig)
			}
			check(b)
		})
		// A file added next to the edited one and removed again, each
		// timed on its own; a rename of it, there and back.
		added := path.Join(path.Dir(edited), "added-by-bench.md")
		addedFull := filepath.Join(root, filepath.FromSlash(added))
		b.Run(mode.name+"-add", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				n++
				if err := os.WriteFile(addedFull, fmt.Appendf(slices.Clone(orig), "\nadded %d\n", n), 0o644); err != nil {
					b.Fatal(err)
				}
				apply(b, added)
				b.StopTimer()
				check(b)
				if err := os.Remove(addedFull); err != nil {
					b.Fatal(err)
				}
				apply(b, added)
				b.StartTimer()
			}
		})
		b.Run(mode.name+"-remove", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				n++
				if err := os.WriteFile(addedFull, fmt.Appendf(slices.Clone(orig), "\nadded %d\n", n), 0o644); err != nil {
					b.Fatal(err)
				}
				apply(b, added)
				if err := os.Remove(addedFull); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if upd := apply(b, added); len(upd.Deleted) != 1 {
					b.Fatalf("deleted %v", upd.Deleted)
				}
				check(b)
			}
		})
		b.Run(mode.name+"-rename", func(b *testing.B) {
			from, to := edited, added
			for b.Loop() {
				if err := os.Rename(filepath.Join(root, filepath.FromSlash(from)), filepath.Join(root, filepath.FromSlash(to))); err != nil {
					b.Fatal(err)
				}
				if upd := apply(b, from, to); len(upd.Renamed) != 1 {
					b.Fatalf("renamed %v", upd.Renamed)
				}
				from, to = to, from
			}
			check(b)
			if from != edited {
				if err := os.Rename(filepath.Join(root, filepath.FromSlash(from)), full); err != nil {
					b.Fatal(err)
				}
				apply(b, from, edited)
			}
		})
	}
	b.Run("bare", func(b *testing.B) {
		md := goldmark.New()
		var out bytes.Buffer
		for b.Loop() {
			src, err := os.ReadFile(full)
			if err != nil {
				b.Fatal(err)
			}
			out.Reset()
			if err := md.Convert(src, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWarmLoad is kb serve's warm restart at 10,000 articles
// (internal/gen): a new Library over the same folder and render cache,
// loaded, against bare reading every Markdown file and every cache file.
func BenchmarkWarmLoad(b *testing.B) {
	root := b.TempDir()
	for p, f := range gen.Files(10000, 16) {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(full, f.Data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cacheDir := filepath.Join(b.TempDir(), "render")
	rc, err := OpenRenderCache(cacheDir, nil)
	if err != nil {
		b.Fatal(err)
	}
	first := NewLibrary(os.DirFS(root), Options{RenderCache: rc}, slog.New(slog.DiscardHandler))
	if err := first.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Run("kb", func(b *testing.B) {
		for b.Loop() {
			lib := NewLibrary(os.DirFS(root), Options{RenderCache: rc, DeferHighlight: true}, slog.New(slog.DiscardHandler))
			if err := lib.Load(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			for _, dir := range []string{root, cacheDir} {
				err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					_, err = os.ReadFile(p)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
