package render_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/yuin/goldmark"

	"kb/render"
)

// BenchmarkRender renders the PowerShell documentation with kb and with bare
// goldmark (no extensions) in the same run; compare their ns/op, or read the
// kb/bare metric of "ratio". "kb" keeps one Renderer, as the server does, so
// code blocks seen before come from its cache; "kb-cold" starts every pass
// with a new Renderer and so highlights every code block again.
func BenchmarkRender(b *testing.B) {
	docs := loadCorpus(b, "powershell-docs")
	size := 0
	for _, d := range docs {
		size += len(d.src)
	}
	b.Run("goldmark-bare", func(b *testing.B) {
		md := goldmark.New()
		var buf bytes.Buffer
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, d := range docs {
				buf.Reset()
				if err := md.Convert(d.src, &buf); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	renderAll := func(b *testing.B, r *render.Renderer) {
		for _, d := range docs {
			if _, err := r.Render(render.Input{Path: d.path, Source: d.src}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("kb", func(b *testing.B) {
		r := render.New(render.Options{})
		renderAll(b, r) // warm the code cache, as the first load of a site does
		b.SetBytes(int64(size))
		for b.Loop() { // resets the timer on its first call
			renderAll(b, r)
		}
	})
	// ratio alternates bare goldmark, kb, a kb whose code cache is empty and
	// a kb that does not highlight (as kb serve's first load) document by
	// document, so that all four see the same machine load, and reports kb's
	// times over bare goldmark's.
	b.Run("ratio", func(b *testing.B) {
		md := goldmark.New()
		warm := render.New(render.Options{})
		renderAll(b, warm)
		var buf bytes.Buffer
		var bare, kb, kbCold, kbPlain time.Duration
		for b.Loop() {
			cold, plain := render.New(render.Options{}), render.New(render.Options{})
			for _, d := range docs {
				in := render.Input{Path: d.path, Source: d.src}
				t3 := time.Now()
				if _, err := plain.Render(render.Input{Path: d.path, Source: d.src, NoHighlight: true}); err != nil {
					b.Fatal(err)
				}
				kbPlain += time.Since(t3)
				t0 := time.Now()
				buf.Reset()
				if err := md.Convert(d.src, &buf); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := warm.Render(in); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				if _, err := cold.Render(in); err != nil {
					b.Fatal(err)
				}
				bare, kb, kbCold = bare+t1.Sub(t0), kb+t2.Sub(t1), kbCold+time.Since(t2)
			}
		}
		b.ReportMetric(float64(kb)/float64(bare), "kb/bare")
		b.ReportMetric(float64(kbCold)/float64(bare), "kb-cold/bare")
		b.ReportMetric(float64(kbPlain)/float64(bare), "kb-plain/bare")
	})
	b.Run("kb-cold", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			renderAll(b, render.New(render.Options{}))
		}
	})
}
