package content

import (
	"fmt"
	"time"

	"kb/access"
	"kb/render"
)

// Type is the kind of an article.
type Type string

// The article types.
const (
	TypeRunbook Type = "runbook"
	TypeArticle Type = "article"
)

// Article is one Markdown file of the content folder, parsed and rendered.
// Articles belong to a Snapshot and are never modified after it is published.
type Article struct {
	ID          string        // stable id for permalinks and ticket links
	Path        string        // root-relative slash path of the source, e.g. "runbooks/etcd/no-leader.md"
	URL         string        // URL path, unescaped, e.g. "/runbooks/etcd/no-leader"
	Title       string        //
	Summary     string        //
	Type        Type          //
	Service     string        //
	Severity    string        //
	Alerts      []string      // alert names this runbook answers
	Tags        []string      //
	Owners      []string      //
	Aliases     []string      // normalised old URL paths that redirect here
	Access      []string      // front matter access: (groups that may read it; it only narrows kb.yaml's rule), nil without the key
	Class       access.Class  // who may read it, from kb.yaml access: and Access; "" for anyone
	Reviewed    time.Time     // zero when never reviewed
	ReviewEvery time.Duration // zero when the site default applies
	Updated     time.Time     // last modification known: the last commit's time with git, else the file's time, or reviewed
	Size        int64         // bytes of the source file
	Extra       map[string]any
	Doc         render.Doc // rendered body; empty when the file could not be rendered; Doc.HTML, Doc.Text and Doc.Code are empty when kept on disk: use HTML and Text
	Warnings    []Warning  // problems with this file, shown on its page
	Unrendered  string     // why Doc is empty ("too large", "binary file"), "" when rendered
	Hash        string     // hex digest of the source bytes
	Keys        []KeyLine  // the front-matter keys in file order, for findings positioned on them
	BodyLine    int        // line of the file where the body after the front matter starts: line 1 of Doc

	// LastCommit is the last commit that changed the file, nil without git
	// or when it is older than the history kb reads (5,000 commits).
	// UpdatedBy and UpdateSubject repeat its author and subject.
	LastCommit    *Commit
	UpdatedBy     string
	UpdateSubject string

	typeSet bool       // the front matter sets the type; else kb.yaml's runbooks: globs decide it
	stored  *storedDoc // where Doc.HTML, Text and Code are when they are not in memory
}

// HTML returns the rendered body: Doc.HTML, or, when a render cache keeps
// it on disk (Options.RenderCache), the cache's copy read now. Rendered HTML
// is most of a snapshot's memory (137 MB of a 280 MB heap at 10,000
// articles); pages are read once per snapshot and then served from the
// server's page cache.
func (a *Article) HTML() []byte {
	if a.Doc.HTML != nil || a.stored == nil {
		return a.Doc.HTML
	}
	return a.stored.loadHTML()
}

// Text returns the plain text and code of the body, which the search index
// holds: Doc.Text and Doc.Code, or, when a render cache keeps them on disk,
// the cache's copy read now (ErrTextGone when it went away). They were
// half of a snapshot's memory once the HTML was on disk (72 MB of 150 at
// 10,000 articles), and only indexing an article reads them.
func (a *Article) Text() (text, code string, err error) {
	if !a.textStored() {
		return a.Doc.Text, a.Doc.Code, nil
	}
	text, code, err = a.stored.loadText()
	if err != nil {
		return "", "", fmt.Errorf("text of %s: %w", a.Path, err)
	}
	return text, code, nil
}

// TextDigest returns a digest of what Text returns, without reading it
// from disk: what tells whether an article's indexed text changed.
func (a *Article) TextDigest() string {
	if a.textStored() {
		return a.stored.digest
	}
	return textDigest(a.Doc.Text, a.Doc.Code)
}

// textStored reports whether Text reads the text from the render cache:
// Doc.Text and Doc.Code set (by a test, say) win over it.
func (a *Article) textStored() bool {
	return a.stored != nil && a.Doc.Text == "" && a.Doc.Code == "" && a.stored.text+a.stored.code > 0
}

// Folder returns the root-relative folder of the article ("runbooks/etcd"), "" at the root.
func (a *Article) Folder() string {
	return parentDir(a.Path)
}

// KeyLine returns the line of the file where front-matter key k is, 0 when
// the front matter has no k.
func (a *Article) KeyLine(k string) int {
	for _, kl := range a.Keys {
		if kl.Key == k {
			return kl.Line
		}
	}
	return 0
}

// FileLine returns the line of the file that line n of a's body is on: the
// line of a render.Link or render.Warning. 0 (unknown) stays 0.
func (a *Article) FileLine(n int) int {
	if n <= 0 {
		return 0
	}
	return n + max(a.BodyLine, 1) - 1
}
