package content

import (
	"fmt"

	"kb/render"
)

// Warning is a problem found in the content, positioned in a file. Code
// decides by Kind (kb check's severity, for one); Message is for people and
// may be reworded.
type Warning struct {
	Path    string      // root-relative path of the file
	Line    int         // 1-based line; 0 when the whole file is meant
	Kind    WarningKind //
	Subject string      // what Kind is about, where it names something (render.Warning's Subject)
	Message string
}

// String formats w as "path:line: message", the form editors and CI understand.
func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", w.Path, w.Line, w.Message)
	}
	return w.Path + ": " + w.Message
}

// WarningKind says what a Warning is about.
type WarningKind string

// The kinds of Warning. The kinds render finds keep render's names, so a
// render.Warning's kind converts as it is.
const (
	WarnSite          WarningKind = "site"           // kb.yaml cannot be read, or has invalid YAML, an unknown setting or a bad value
	WarnFrontMatter   WarningKind = "front-matter"   // front matter kb cannot use: never closed, invalid YAML, wrong types, bad dates, ids or aliases
	WarnUnknownType   WarningKind = "unknown-type"   // a type: other than runbook or article (another system's); the default by folder applies
	WarnUnreadable    WarningKind = "unreadable"     // a file or folder that cannot be read
	WarnNotRegular    WarningKind = "not-regular"    // a named pipe, device or socket (or a link to one); skipped
	WarnFileName      WarningKind = "file-name"      // a file name that is not UTF-8; the file is skipped
	WarnTooLarge      WarningKind = "too-large"      // a file over the size cap, or Markdown that expands past it; not rendered
	WarnBinary        WarningKind = "binary"         // a .md file that is not text; not rendered
	WarnInvalidUTF8   WarningKind = "invalid-utf8"   // text with bytes that are not UTF-8, shown as U+FFFD
	WarnMergeConflict WarningKind = "merge-conflict" // conflict markers of an unresolved merge
	WarnNotRendered   WarningKind = "not-rendered"   // Markdown render refused or failed on
	WarnTooSlow       WarningKind = "too-slow"       // the render went past the render budget; not rendered
	WarnReserved      WarningKind = "reserved-path"  // a URL that one of kb's own routes takes
	WarnDuplicate     WarningKind = "duplicate"      // an id, URL, alias or alert claimed by two files; one keeps it
	WarnMovedLink     WarningKind = "moved-link"     // a link to the old path of a renamed file: it still works
	WarnHistory       WarningKind = "history"        // git history not read: last commits and old paths may be missing

	WarnBrokenLink   = WarningKind(render.WarnBrokenLink)
	WarnBrokenImage  = WarningKind(render.WarnBrokenImage)
	WarnBrokenAnchor = WarningKind(render.WarnBrokenAnchor) // Subject is the fragment, without the id prefix
	WarnLinkRemoved  = WarningKind(render.WarnLinkRemoved)  // Subject is the scheme, lower-case
	WarnShownAsText  = WarningKind(render.WarnShownAsText)
)
