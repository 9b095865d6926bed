package check

import (
	"regexp"
	"strings"

	"kb/content"
)

// rule classifies the content warnings whose message matches re.
type rule struct {
	re    *regexp.Regexp
	kind  Kind
	level Level
}

// rules recognise the warnings that content (and render, through it)
// records while loading. The first match wins; a message that matches none
// is KindOther at warning level, so a new kind of warning is never lost.
// TODO(#6): classify by a kind that content records on each warning, once it
// has one, instead of by message.
var rules = []rule{
	// Another documentation system's type (Hugo's "type: docs"): kb falls
	// back to its default, by folder, which is what the author meant.
	{regexp.MustCompile(`^front matter: type ".*" is not runbook or article; using the default`), KindFrontMatter, Warning},
	{regexp.MustCompile(`^front matter: `), KindFrontMatter, Error},
	{regexp.MustCompile(`^cannot read`), KindFile, Error},
	{regexp.MustCompile(`^file is .*not rendered`), KindSize, Error},
	{regexp.MustCompile(`^markdown too large`), KindSize, Error},
	{regexp.MustCompile(`^binary file`), KindFile, Error},
	{regexp.MustCompile(`^file is not valid UTF-8`), KindFile, Warning},
	{regexp.MustCompile(`^file name is not UTF-8`), KindFile, Error},
	{regexp.MustCompile(`^unresolved merge conflict`), KindFile, Error},
	{regexp.MustCompile(`collides with one of kb's own routes`), KindReserved, Error},
	{regexp.MustCompile(`^URL .* is already .*'s`), KindDuplicate, Error},
	{regexp.MustCompile(`^id ".*" is also used by`), KindDuplicate, Error},
	{regexp.MustCompile(`^alias .* is the URL of`), KindDuplicate, Error},
	{regexp.MustCompile(`^alias .* is also claimed by`), KindDuplicate, Error},
	{regexp.MustCompile(`^alert .* is also claimed by`), KindDuplicate, Error},
	{regexp.MustCompile(`^broken image`), KindBrokenImage, Error},
	{regexp.MustCompile(`^broken link`), KindBrokenLink, Error},
	{regexp.MustCompile(`^no heading ".*" in this document`), KindBrokenAnchor, Error},
	{regexp.MustCompile(`^(link|image) .* removed: scheme`), KindLink, Warning},
	{regexp.MustCompile(`^links to old path`), KindLink, Warning},
	{regexp.MustCompile(`shown as text`), KindRender, Warning},
	{regexp.MustCompile(`^render: `), KindRender, Error},
	{regexp.MustCompile(`not rendered$`), KindRender, Error},
}

// classify turns a content warning into a finding.
func classify(w content.Warning) Finding {
	f := Finding{Path: w.Path, Line: w.Line, Message: w.Message, Kind: KindOther, Level: Warning}
	if w.Path == content.SiteFile {
		f.Kind, f.Level = KindSite, Error
		return f
	}
	for _, r := range rules {
		if r.re.MatchString(w.Message) {
			f.Kind, f.Level = r.kind, r.level
			break
		}
	}
	return f
}

// schemeRE finds the scheme of a link that render removed.
var schemeRE = regexp.MustCompile(`^(?:link|image) .* removed: scheme "([^"]*)" not allowed`)

// dangerousSchemes are schemes used to attack readers; a link with one is
// always reported on its own. Other schemes (xref:, ftp:, slack:) usually
// come from another documentation system and are summarised per scheme.
var dangerousSchemes = []string{"javascript", "vbscript", "data", "file"}

// foreignScheme returns the scheme of a removed link that is not dangerous,
// "" for any other finding.
func foreignScheme(f Finding) string {
	m := schemeRE.FindStringSubmatch(f.Message)
	if m == nil {
		return ""
	}
	s := strings.ToLower(m[1])
	for _, d := range dangerousSchemes {
		if s == d {
			return ""
		}
	}
	return s
}

// anchorRE finds the fragment of render's warning about a link to a heading
// of the same document.
var anchorRE = regexp.MustCompile(`^no heading "#(.*)" in this document`)

// anchorsTitle reports whether broken-anchor finding f is a link to the
// article's own title, which kb shows at the top of the page.
func (c *checker) anchorsTitle(f Finding) bool {
	m := anchorRE.FindStringSubmatch(f.Message)
	a, ok := c.snap.ByPath(f.Path)
	return m != nil && ok && isTitle(a, m[1])
}
