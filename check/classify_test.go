package check

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"kb/content"
)

// kindTests lists every kind of content warning with the finding it becomes.
var kindTests = []struct {
	kind  content.WarningKind
	want  Kind
	level Level
}{
	{content.WarnSite, KindSite, Error},
	{content.WarnFrontMatter, KindFrontMatter, Error},
	{content.WarnUnknownType, KindFrontMatter, Warning},
	{content.WarnUnreadable, KindFile, Error},
	{content.WarnFileName, KindFile, Error},
	{content.WarnBinary, KindFile, Error},
	{content.WarnMergeConflict, KindFile, Error},
	{content.WarnInvalidUTF8, KindFile, Warning},
	{content.WarnTooLarge, KindSize, Error},
	{content.WarnNotRendered, KindRender, Error},
	{content.WarnShownAsText, KindRender, Warning},
	{content.WarnReserved, KindReserved, Error},
	{content.WarnDuplicate, KindDuplicate, Error},
	{content.WarnBrokenLink, KindBrokenLink, Error},
	{content.WarnBrokenImage, KindBrokenImage, Error},
	{content.WarnBrokenAnchor, KindBrokenAnchor, Error},
	{content.WarnLinkRemoved, KindLink, Warning},
	{content.WarnMovedLink, KindLink, Warning},
	{content.WarnHistory, KindOther, Warning},
	{"a-kind-check-does-not-know", KindOther, Warning},
}

func TestClassifyByKind(t *testing.T) {
	for _, tt := range kindTests {
		t.Run(string(tt.kind), func(t *testing.T) {
			w := content.Warning{Path: "a.md", Line: 3, Kind: tt.kind, Message: "m"}
			assert.Equal(t, Finding{Path: "a.md", Line: 3, Kind: tt.want, Level: tt.level, Message: "m"}, classify(w))
		})
	}
}

// TestClassifyIgnoresMessage: a warning keeps its kind and level whatever
// its message says, even the words of another kind's message.
func TestClassifyIgnoresMessage(t *testing.T) {
	messages := []string{
		"",
		"front matter: tags: want a list",
		"broken link \"x.md\": no article x.md",
		"file is not valid UTF-8; invalid bytes are shown as \uFFFD",
		"link \"xref:A\" removed: scheme \"xref\" not allowed",
		"a message worded anew",
	}
	for _, tt := range kindTests {
		for _, m := range messages {
			f := classify(content.Warning{Path: "a.md", Kind: tt.kind, Message: m})
			assert.Equal(t, tt.want, f.Kind, "%s: %q", tt.kind, m)
			assert.Equal(t, tt.level, f.Level, "%s: %q", tt.kind, m)
			assert.Equal(t, m, f.Message)
		}
	}
}

func TestForeignScheme(t *testing.T) {
	tests := []struct {
		name string
		w    content.Warning
		want string
	}{
		{name: "foreign", w: content.Warning{Kind: content.WarnLinkRemoved, Subject: "xref"}, want: "xref"},
		{name: "dangerous", w: content.Warning{Kind: content.WarnLinkRemoved, Subject: "javascript"}},
		{name: "data", w: content.Warning{Kind: content.WarnLinkRemoved, Subject: "data"}},
		{name: "other kind", w: content.Warning{Kind: content.WarnBrokenLink, Subject: "xref",
			Message: `link "xref:A" removed: scheme "xref" not allowed`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, foreignScheme(tt.w))
		})
	}
}
