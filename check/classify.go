package check

import (
	"slices"

	"kb/content"
)

// classify turns a content warning into a finding. It decides by the
// warning's kind alone, so rewording a message never changes what fails CI.
// A kind it does not know is KindOther at warning level: a new kind of
// warning is never lost.
func classify(w content.Warning) Finding {
	kind, level := severity(w.Kind)
	return Finding{Path: w.Path, Line: w.Line, Message: w.Message, Kind: kind, Level: level}
}

// severity returns the kind and level of findings for warnings of kind k.
func severity(k content.WarningKind) (Kind, Level) {
	switch k {
	case content.WarnSite:
		return KindSite, Error
	case content.WarnFrontMatter:
		return KindFrontMatter, Error
	case content.WarnUnknownType:
		// Another documentation system's type (Hugo's "type: docs"): kb falls
		// back to its default, by folder, which is what the author meant.
		return KindFrontMatter, Warning
	case content.WarnUnreadable, content.WarnFileName, content.WarnBinary, content.WarnMergeConflict:
		return KindFile, Error
	case content.WarnInvalidUTF8, content.WarnNotRegular:
		return KindFile, Warning
	case content.WarnTooLarge:
		return KindSize, Error
	case content.WarnNotRendered, content.WarnTooSlow:
		return KindRender, Error
	case content.WarnShownAsText:
		return KindRender, Warning
	case content.WarnReserved:
		return KindReserved, Error
	case content.WarnDuplicate:
		return KindDuplicate, Error
	case content.WarnBrokenLink:
		return KindBrokenLink, Error
	case content.WarnBrokenImage:
		return KindBrokenImage, Error
	case content.WarnBrokenAnchor:
		return KindBrokenAnchor, Error
	case content.WarnLinkRemoved, content.WarnMovedLink:
		return KindLink, Warning
	}
	return KindOther, Warning
}

// dangerousSchemes are schemes used to attack readers; a link with one is
// always reported on its own. Other schemes (xref:, ftp:, slack:) usually
// come from another documentation system and are summarised per scheme.
var dangerousSchemes = []string{"javascript", "vbscript", "data", "file"}

// foreignScheme returns the scheme of a link removed for a scheme that is
// not dangerous, "" for any other warning.
func foreignScheme(w content.Warning) string {
	if w.Kind != content.WarnLinkRemoved || slices.Contains(dangerousSchemes, w.Subject) {
		return ""
	}
	return w.Subject
}

// anchorsTitle reports whether w, a link to a heading of the same document
// that it does not have, links to the article's own title, which kb shows at
// the top of the page.
func (c *checker) anchorsTitle(w content.Warning) bool {
	if w.Kind != content.WarnBrokenAnchor {
		return false
	}
	a, ok := c.snap.ByPath(w.Path)
	return ok && isTitle(a, w.Subject)
}
