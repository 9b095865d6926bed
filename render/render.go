package render

import "errors"

// DefaultMaxSize is the largest Markdown source Render accepts when
// Options.MaxSize is zero.
const DefaultMaxSize = 1 << 20

// DefaultIDPrefix prefixes heading and footnote ids so they never clash with
// the ids of the page around the article.
const DefaultIDPrefix = "h-"

// ErrTooLarge is returned (wrapped in a *LimitError) for input over the size cap.
var ErrTooLarge = errors.New("too large")

// Options configures a Renderer. The zero value is the safe default.
type Options struct {
	UnsafeHTML bool   // render raw HTML blocks and inline HTML (kb.yaml unsafe_html)
	MaxSize    int    // bytes of Markdown accepted; 0 means DefaultMaxSize
	IDPrefix   string // prefix of heading and footnote ids; "" means DefaultIDPrefix
}

// Resolver tells Render which link targets exist. content implements it for
// each snapshot.
type Resolver interface {
	// Article returns the URL path ("/runbooks/etcd/no-leader") of the article
	// whose source file is at the cleaned, root-relative slash path p
	// ("runbooks/etcd/no-leader.md"), and whether there is one.
	Article(p string) (url string, ok bool)
	// Attachment reports whether a non-Markdown file exists at root-relative path p.
	Attachment(p string) bool
}

// Input is one document to render.
type Input struct {
	Path   string   // root-relative slash path of the source, e.g. "runbooks/etcd/no-leader.md"
	Source []byte   // Markdown, front matter already removed
	Links  Resolver // nil: relative links are resolved but never reported broken
}

// Doc is a rendered document.
type Doc struct {
	HTML     []byte    // safe HTML of the body, without a leading H1 (see Title)
	Title    string    // text of the H1 that opens the document, "" if none
	Headings []Heading // every heading in document order (the TOC is built from these)
	Text     string    // plain text of the prose for the search index
	Code     string    // text of code blocks and code spans for the search index
	Links    []Link    // every outgoing link and image, in document order
	Warnings []Warning // broken links, neutralised URLs and other problems
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

// Warning is a problem found while rendering, positioned in Input.Source.
type Warning struct {
	Line    int // 1-based; 0 when unknown
	Message string
}

// LimitError reports input that Render refuses: over the size cap or nested
// too deeply to parse safely.
type LimitError struct {
	Size, Max int
	Err       error // ErrTooLarge or ErrTooDeep
}

// ErrTooDeep is returned (wrapped in a *LimitError) for input nested too deeply.
var ErrTooDeep = errors.New("nested too deeply")

func (e *LimitError) Error() string { return "markdown " + e.Err.Error() }

func (e *LimitError) Unwrap() error { return e.Err }

// Renderer renders Markdown with kb's extensions. It is safe for concurrent use.
type Renderer struct {
	opts Options
}

// New returns a Renderer for opts.
func New(opts Options) *Renderer {
	return &Renderer{opts: opts}
}

// Render renders in. It returns a *LimitError for input it refuses; any other
// input, however malformed, renders.
func (r *Renderer) Render(in Input) (*Doc, error) {
	return &Doc{HTML: in.Source}, nil // replaced by the real implementation
}
