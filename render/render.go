package render

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// DefaultMaxSize is the largest Markdown source Render accepts when
// Options.MaxSize is zero.
const DefaultMaxSize = 1 << 20

// DefaultMaxHTML is the largest page Render writes when Options.MaxHTML is
// zero: a 130,000-row table fits in 1 MB of Markdown and would make a 5.7 MB
// page that no phone can show.
const DefaultMaxHTML = 5 << 20

// DefaultIDPrefix prefixes heading and footnote ids so they never clash with
// the ids of the page around the article.
const DefaultIDPrefix = "h-"

// ErrTooLarge is returned (wrapped in a *LimitError) for input over the size cap.
var ErrTooLarge = errors.New("too large")

// Options configures a Renderer. The zero value is the safe default.
type Options struct {
	UnsafeHTML bool // render raw HTML blocks and inline HTML (kb.yaml unsafe_html), through an allow-list sanitizer
	MaxSize    int  // bytes of Markdown accepted; 0 means DefaultMaxSize
	MaxHTML    int  // bytes of HTML written; 0 means DefaultMaxHTML
	// Budget is how long one Render may take; 0 means no bound. See
	// Renderer.Render.
	Budget   time.Duration
	IDPrefix string // prefix of heading and footnote ids; "" means DefaultIDPrefix; only ASCII letters, digits, '-' and '_' are kept
}

// Resolver tells Render which link targets exist. content implements it for
// each snapshot.
type Resolver interface {
	// Article returns the URL path ("/runbooks/etcd/no-leader") of the article
	// whose source file is at the cleaned, root-relative slash path p
	// ("runbooks/etcd/no-leader.md"), and whether there is one. The path may
	// be returned unescaped: Render percent-encodes what needs it and keeps
	// existing %XX escapes.
	Article(p string) (url string, ok bool)
	// Attachment reports whether a non-Markdown file exists at root-relative path p.
	Attachment(p string) bool
}

// Input is one document to render.
type Input struct {
	Path   string   // root-relative slash path of the source, e.g. "runbooks/etcd/no-leader.md"
	Source []byte   // Markdown, front matter already removed
	Links  Resolver // nil: relative links are resolved but never reported broken
	// NoHighlight writes code blocks without highlighting, in the same
	// wrapper markup, and sets Doc.Unhighlighted when one would have been
	// highlighted. Highlighting is most of the cost of rendering code-heavy
	// documents the Renderer has not seen; Text, Code, Headings, Links and
	// Warnings are the same either way.
	NoHighlight bool
}

// Doc is a rendered document.
type Doc struct {
	HTML     []byte    // safe HTML of the body, without a leading H1 (see Title)
	Title    string    // text of the H1 that opens the document, "" if none
	Headings []Heading // every heading of HTML in document order (the TOC is built from these); the opening H1 is Title, not listed
	Text     string    // plain text of the prose for the search index
	Code     string    // text of code blocks and code spans for the search index
	Links    []Link    // every outgoing link and image, in document order
	Warnings []Warning // broken links, neutralised URLs and other problems
	// Unhighlighted is true when Input.NoHighlight left a code block plain
	// that would otherwise be highlighted: rendering again without it
	// changes HTML alone.
	Unhighlighted bool
}

// Heading is one heading of a document.
type Heading struct {
	Level int
	ID    string // as in the HTML, prefix included
	Text  string
}

// LinkKind says what a link points at.
type LinkKind int

// The kinds of link.
const (
	LinkExternal   LinkKind = iota // http, https, mailto
	LinkArticle                    // another article (a .md file)
	LinkAttachment                 // a non-Markdown file in the content folder
	LinkAnchor                     // a fragment in the same document
)

// Link is one outgoing link or image of a document.
type Link struct {
	Dest   string   // destination as written in the Markdown
	Target string   // root-relative source path for article and attachment links
	URL    string   // href or src as written into the HTML
	Anchor string   // fragment without "#", as written
	Kind   LinkKind //
	Image  bool     // an image rather than a link
	Broken bool     // points at an article or attachment that does not exist
	Line   int      // 1-based line in Input.Source
}

// Warning is a problem found while rendering, positioned in Input.Source of
// the document at Input.Path. Code decides by Kind; Message is for people.
type Warning struct {
	Kind    WarningKind
	Line    int    // 1-based; 0 when unknown
	Subject string // what Kind is about, where it names something: the scheme of WarnLinkRemoved, the fragment (without the id prefix) of WarnBrokenAnchor
	Message string
}

// WarningKind says what a Warning is about.
type WarningKind string

// The kinds of Warning.
const (
	WarnBrokenLink   WarningKind = "broken-link"   // a link to an article or file that does not exist, or outside the content folder
	WarnBrokenImage  WarningKind = "broken-image"  // the same for an image
	WarnBrokenAnchor WarningKind = "broken-anchor" // a link to a heading this document does not have
	WarnLinkRemoved  WarningKind = "link-removed"  // a link or image written as text: its scheme is not allowed
	WarnShownAsText  WarningKind = "shown-as-text" // structure over a parsing limit (nesting, markers, table, definitions) shown as text
)

// LimitError reports input that Render refuses: over the size cap or nested
// too deeply to parse safely.
type LimitError struct {
	Size, Max int
	Budget    time.Duration // with ErrTooSlow: Options.Budget
	Err       error         // ErrTooLarge, ErrPageTooLarge, ErrTooSlow or ErrTooDeep
}

// ErrPageTooLarge is returned (wrapped in a *LimitError) for input whose
// HTML would be over Options.MaxHTML; rendering stops when it gets there.
var ErrPageTooLarge = errors.New("page too large")

// ErrTooDeep is returned (wrapped in a *LimitError) for input nested too
// deeply. Render currently clamps nesting instead of refusing it (see
// Renderer.Render), so callers only meet it if that policy changes; handle it
// like ErrTooLarge.
var ErrTooDeep = errors.New("nested too deeply")

func (e *LimitError) Error() string {
	if errors.Is(e.Err, ErrTooSlow) {
		return "markdown took over " + e.Budget.String() + " to render"
	}
	if errors.Is(e.Err, ErrPageTooLarge) {
		return fmt.Sprintf("rendered page over the %d MiB limit", e.Max>>20)
	}
	return "markdown " + e.Err.Error()
}

func (e *LimitError) Unwrap() error { return e.Err }

// Renderer renders Markdown with kb's extensions. It is safe for concurrent
// use. Keep one for the life of the process: it caches highlighted code
// blocks, so re-rendering unchanged documents (every reload) is cheap.
type Renderer struct {
	opts      Options
	md        goldmark.Markdown
	code      *highlighter
	linkifier parser.InlineParser
	bufs      sync.Pool // *outBuf
	slow      slowSources
	sanitizer *bluemonday.Policy // with Options.UnsafeHTML: the allow-list every page passes
}

// outBuf is where a Render call writes HTML before copying out exactly what
// it wrote; pooled, it saves growing a buffer per call.
type outBuf struct {
	b bytes.Buffer
	w *bufio.Writer
}

// maxPooledBuf is the largest buffer put back in the pool.
const maxPooledBuf = 4 << 20

// New returns a Renderer for opts.
func New(opts Options) *Renderer {
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	if opts.MaxHTML <= 0 {
		opts.MaxHTML = DefaultMaxHTML
	}
	// goldmark writes the footnote id prefix into attributes unescaped.
	opts.IDPrefix = strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, opts.IDPrefix)
	if opts.IDPrefix == "" {
		opts.IDPrefix = DefaultIDPrefix
	}
	r := &Renderer{opts: opts, code: newHighlighter(codeCacheBytes), linkifier: newLinkifier(), slow: newSlowSources()}
	r.md = newMarkdown(opts, r.code)
	if opts.UnsafeHTML {
		r.sanitizer = newSanitizer()
	}
	return r
}

// Render renders in. It returns a *LimitError for input it refuses; any other
// input, however malformed, renders.
//
// Limits are checked before parsing: Source over Options.MaxSize is refused
// with ErrTooLarge. Nesting and other structure that would make parsing
// quadratic are clamped while parsing rather than refused, and render as
// literal text with a Warning: block containers (quotes, lists, footnotes)
// deeper than 64 levels, more than 1000 emphasis or 1000 bracket delimiters
// in one paragraph, delimiter runs longer than 32, tables with far more
// cells than bytes, and paragraphs packed with link reference definitions.
// Links whose URLs add up to more than 4*MaxSize bytes (one long reference
// definition used many times) are refused with ErrTooLarge.
//
// With Options.Budget, a render that has not finished within it returns a
// *LimitError wrapping ErrTooSlow at once; goldmark cannot be interrupted, so
// the render runs on in the background and its result is dropped. The
// source is remembered (by its hash, for the Renderer's life) and refused at
// once the next time. At most GOMAXPROCS such renders run on at a time; past
// that, Render waits for its own render to end before it refuses it.
func (r *Renderer) Render(in Input) (*Doc, error) {
	if r.opts.Budget <= 0 {
		return r.render(in)
	}
	return r.slow.within(r.opts.Budget, in, r.render)
}

// render renders in without a time budget.
func (r *Renderer) render(in Input) (*Doc, error) {
	if len(in.Source) > r.opts.MaxSize {
		return nil, &LimitError{Size: len(in.Source), Max: r.opts.MaxSize, Err: ErrTooLarge}
	}
	src := normalize(in.Source)
	pc := parser.NewContext()
	st := newState(r, in, src, pc)
	pc.Set(stateKey, st)
	root := r.md.Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	if err := st.process(root); err != nil {
		return nil, err
	}
	out, _ := r.bufs.Get().(*outBuf)
	if out == nil {
		out = &outBuf{}
		out.w = bufio.NewWriter(&out.b)
	}
	out.b.Reset()
	lw := &limitWriter{w: &out.b, left: r.opts.MaxHTML}
	out.w.Reset(lw)
	if err := r.md.Renderer().Render(out.w, src, root); err != nil { // flushes out.w
		if errors.Is(err, errPageLimit) {
			return nil, &LimitError{Size: r.opts.MaxHTML + 1, Max: r.opts.MaxHTML, Err: ErrPageTooLarge}
		}
		return nil, fmt.Errorf("render %s: %w", in.Path, err)
	}
	var html []byte
	if r.sanitizer != nil {
		html = r.sanitizer.SanitizeBytes(out.b.Bytes()) // a new slice
	} else {
		html = bytes.Clone(out.b.Bytes())
	}
	if out.b.Cap() <= maxPooledBuf {
		r.bufs.Put(out)
	}
	return st.finish(html), nil
}

// errPageLimit stops the HTML renderer at Options.MaxHTML.
var errPageLimit = errors.New("page limit reached")

// limitWriter writes to w until left bytes are used up, then fails.
type limitWriter struct {
	w    io.Writer
	left int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if len(p) > l.left {
		return 0, errPageLimit
	}
	l.left -= len(p)
	return l.w.Write(p)
}

// Version names the HTML this package writes for a given input. Caches of
// rendered documents that outlive the process (content.RenderCache) key on
// it together with the goldmark and chroma versions: change it with any
// change to the output.
const Version = "1"
