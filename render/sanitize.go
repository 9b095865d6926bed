package render

import (
	"regexp"

	"github.com/microcosm-cc/bluemonday"
)

// newSanitizer is the allow-list that pages rendered with Options.UnsafeHTML
// pass through: raw HTML in Markdown may add formatting (tables, details,
// spans, images) but nothing that runs, navigates, submits or frames —
// no script, style, meta refresh, base, form, iframe (srcdoc or not), object
// or event handler, and links and images only to http(s), mailto and
// relative URLs. It lets through everything the renderer itself writes, so a
// page without raw HTML is the same in both modes (TestSanitizerKeepsKBOutput).
func newSanitizer() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(false)
	p.AllowAttrs("class").Globally() // names styles only; code blocks carry their info string in it
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[\w\-.:]{1,400}$`)).Globally()
	p.AllowAttrs("aria-hidden", "aria-label", "aria-labelledby", "role", "title").Globally()
	p.AllowAttrs("data-lang", "data-placeholder", "data-callout").Globally()
	p.AllowAttrs("type", "checked", "disabled").OnElements("input")
	p.AllowElements("input", "details", "summary", "mark", "kbd", "samp", "var")
	p.AllowAttrs("open").OnElements("details")
	p.AllowAttrs("start", "reversed").OnElements("ol")
	p.AllowAttrs("align").OnElements("td", "th")
	p.AllowAttrs("style").Matching(regexp.MustCompile(`^text-align:\s*(left|right|center);?$`)).OnElements("td", "th")
	p.AllowAttrs("tabindex").Matching(regexp.MustCompile(`^-?\d{1,3}$`)).Globally()
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^\d{1,5}%?$`)).OnElements("img")
	p.AllowAttrs("loading", "decoding").OnElements("img")
	p.AllowAttrs("alt", "title").OnElements("img", "a", "abbr")
	return p
}
