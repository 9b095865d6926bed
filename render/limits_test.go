package render_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"kb/internal/race"
	"kb/render"
)

func TestMaxSize(t *testing.T) {
	r := render.New(render.Options{MaxSize: 10})
	_, err := r.Render(render.Input{Source: []byte("0123456789")})
	require.NoError(t, err)

	_, err = r.Render(render.Input{Source: []byte("0123456789a")})
	var le *render.LimitError
	require.ErrorAs(t, err, &le)
	assert.ErrorIs(t, err, render.ErrTooLarge)
	assert.Equal(t, render.LimitError{Size: 11, Max: 10, Err: render.ErrTooLarge}, *le)
	assert.Equal(t, "markdown too large", err.Error())

	_, err = render.New(render.Options{}).Render(render.Input{Source: make([]byte, render.DefaultMaxSize+1)})
	assert.ErrorIs(t, err, render.ErrTooLarge)
}

// TestReferenceExpansion: a short document repeating a long reference
// definition would expand to far more HTML than its size; it is refused.
func TestReferenceExpansion(t *testing.T) {
	src := "[r]: https://example.com/" + strings.Repeat("a", 100_000) + "\n\n" + strings.Repeat("[x][r]\n", 100_000)
	_, err := render.New(render.Options{}).Render(render.Input{Source: []byte(src)})
	var le *render.LimitError
	require.ErrorAs(t, err, &le)
	assert.ErrorIs(t, err, render.ErrTooLarge)
	assert.Equal(t, 4*render.DefaultMaxSize, le.Max)
}

// TestPathological renders inputs that make goldmark's parsers quadratic or
// its tree deep. Each must render (Render clamps rather than refuses) well
// within the deadline, safely, and with HTML of bounded depth.
func TestPathological(t *testing.T) {
	// Under -race, where timing means little and everything is ten times
	// slower, the inputs are a quarter of the size.
	scale := 1
	if race.Enabled {
		scale = 4
	}
	rep := func(s string, n int) string { return strings.Repeat(s, n/scale) }
	nestedList := func() string {
		var b strings.Builder
		for i := 0; b.Len() < 900_000/scale; i++ {
			b.WriteString(rep("  ", i))
			b.WriteString("- item\n")
		}
		return b.String()
	}
	tests := []struct {
		name, src string
		warn      bool // the clamp is reported
	}{
		{name: "nested quotes", src: rep("> ", 100_000) + "x", warn: true},
		{name: "nested list markers", src: rep("- ", 10_000) + "x", warn: true},
		{name: "nested ordered lists", src: rep("1. ", 100_000) + "x", warn: true},
		{name: "nested list items", src: nestedList(), warn: true},
		{name: "quotes and lists", src: rep("> - ", 100_000) + "x", warn: true},
		{name: "quote lines", src: rep("> > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > > x\n", 10_000)},
		{name: "open brackets", src: rep("[", 200_000), warn: true},
		{name: "brackets", src: rep("[", 100_000) + rep("]", 100_000), warn: true},
		{name: "unclosed links", src: rep("[a](", 100_000), warn: true},
		{name: "nested images", src: rep("![", 50_000) + rep("](x)", 50_000), warn: true},
		{name: "footnote openers", src: rep("[^", 200_000), warn: true},
		{name: "emphasis pairs", src: rep("*a", 100_000), warn: true},
		{name: "unmatched emphasis", src: rep("*a_", 100_000), warn: true},
		{name: "alternating emphasis", src: rep("*a _", 50_000) + rep("_ a*", 50_000), warn: true},
		{name: "long runs", src: rep("*", 100_000) + "a" + rep("*", 100_000), warn: true},
		{name: "nested emphasis", src: rep("*a **b ", 20_000) + rep(" b** a*", 20_000), warn: true},
		{name: "deepest emphasis", src: rep("*a _b ", 250) + rep(" b_ a*", 250)},
		{name: "strikethrough", src: rep("~~a", 100_000), warn: true},
		{name: "code spans", src: rep("`a``", 100_000)},
		{name: "raw html openers", src: rep("<a ", 100_000)},
		{name: "wide table", src: "|" + rep("a|", 2000) + "\n|" + rep("-|", 2000) + "\n" + rep("x\n", 200_000), warn: true},
		{name: "reference definitions", src: rep("[a]: b\n", 100_000), warn: true},
		{name: "heading attributes", src: "# a {" + rep("{", 500_000)},
		{name: "same headings", src: rep("## a\n", 100_000)},
		{name: "definition lists", src: rep("a\n: ", 100_000)},
		{name: "bare e-mail", src: rep("a@", 300_000)},
		{name: "bare URLs", src: rep("www.", 200_000)},
		{name: "almost e-mail", src: rep(" a@", 200_000)},
		{name: "almost URLs", src: rep("http:// ", 100_000)},
		{name: "almost www", src: rep("(www.", 150_000)},
	}
	// Each takes under half a second on an idle machine (two under -race,
	// and ten times that beside a CPU hog). The deadline catches a parser
	// gone quadratic, which takes minutes at these sizes, not a slow machine.
	deadline := 30 * time.Second
	if race.Enabled {
		deadline *= 4
	}
	r := render.New(render.Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := renderWithin(t, r, deadline, tt.src)
			if doc == nil {
				return
			}
			assertSafeHTML(t, doc.HTML)
			// 65 blocks and 1000 delimiters at most.
			assert.LessOrEqual(t, htmlDepth(t, doc.HTML), 1100)
			assert.Equal(t, tt.warn, len(doc.Warnings) > 0, "warnings: %v", doc.Warnings)
		})
	}
}

// renderWithin renders src and fails t if that takes longer than d; it does
// not measure speed otherwise.
func renderWithin(t *testing.T, r *render.Renderer, d time.Duration, src string) *render.Doc {
	t.Helper()
	type result struct {
		doc *render.Doc
		err error
	}
	done := make(chan result, 1)
	go func() {
		doc, err := r.Render(render.Input{Path: testPath, Source: []byte(src)})
		done <- result{doc, err}
	}()
	select {
	case res := <-done:
		if errors.Is(res.err, render.ErrPageTooLarge) {
			return nil // refused at the page size cap: bounded too
		}
		require.NoError(t, res.err)
		return res.doc
	case <-time.After(d):
		t.Fatalf("no result after %v", d) // the goroutine is abandoned with the test binary
		return nil
	}
}

// htmlDepth returns how deeply the elements of h nest.
func htmlDepth(t *testing.T, h []byte) int {
	t.Helper()
	z := html.NewTokenizer(bytes.NewReader(h))
	depth, deepest := 0, 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			if !errors.Is(z.Err(), io.EOF) {
				require.NoError(t, z.Err())
			}
			return deepest
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				depth++
				deepest = max(deepest, depth)
			}
		case html.EndTagToken:
			depth--
		}
	}
}

var voidElements = map[string]bool{"br": true, "hr": true, "img": true, "input": true}

// TestPageSizeCap: a 130,000-row table fits in well under 1 MB of Markdown
// and would be a 4+ MB page; past Options.MaxHTML rendering stops with
// ErrPageTooLarge instead of building the page.
func TestPageSizeCap(t *testing.T) {
	src := "|a|b|\n|-|-|\n" + strings.Repeat("|1|2|\n", 130_000)
	_, err := render.New(render.Options{MaxHTML: 1 << 20}).Render(render.Input{Source: []byte(src)})
	var le *render.LimitError
	require.ErrorAs(t, err, &le)
	assert.ErrorIs(t, err, render.ErrPageTooLarge)
	assert.Equal(t, "rendered page over the 1 MiB limit", err.Error())
	doc, err := render.New(render.Options{}).Render(render.Input{Source: []byte(src)})
	require.NoError(t, err, "under the default cap of 5 MiB")
	assert.Less(t, len(doc.HTML), render.DefaultMaxHTML)
}

// TestUnclosedLinksLinear: the shapes that made link matching scan to the
// end of the line for every bracket ("[a](b" 200,000 times on one line took
// 1.1 s, "[" a million times 180 MB) are text past the bracket work bound;
// the result keeps every byte of the input as text.
func TestUnclosedLinksLinear(t *testing.T) {
	for _, src := range []string{strings.Repeat("[a](b", 200_000), strings.Repeat("[", 1_000_000)} {
		doc := renderWithin(t, render.New(render.Options{}), time.Minute, src)
		require.NotNil(t, doc)
		require.NotEmpty(t, doc.Warnings, "clamped, with a warning")
		assert.Equal(t, render.WarnShownAsText, doc.Warnings[0].Kind)
		assert.Equal(t, strings.Count(src, "["), strings.Count(string(doc.Text), "["), "every bracket survives as text")
	}
}
