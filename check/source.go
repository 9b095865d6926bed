package check

import (
	"bytes"
	"io"
	"io/fs"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// maxHead is how much of a file is read again for its front matter: the
// front matter is at most 64 KiB (content's limit) plus its delimiters.
const maxHead = 64<<10 + 1024

// position is what check needs from a source file that content does not
// keep on the article: where each front-matter key is, and where the body
// starts (links in render.Doc are positioned in the body).
// TODO(#6): take both from content once Article carries them.
type position struct {
	keys     map[string]int // front-matter key → 1-based line in the file
	order    []string       // the keys in file order
	bodyLine int            // 1-based line of the file where the body starts
}

// readPosition reads the head of the file at p again. A file that cannot be
// read gives an empty position (content already reported why).
func readPosition(files fs.FS, p string) position {
	pos := position{bodyLine: 1}
	if files == nil {
		return pos
	}
	f, err := files.Open(p)
	if err != nil {
		return pos
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxHead))
	if err != nil {
		return pos
	}
	return parsePosition(src)
}

// parsePosition finds the front-matter keys and the body of src as
// content's front-matter parser does: BOM removed, CRLF and CR as LF,
// front matter between a first line of --- and the next --- (or ...).
func parsePosition(src []byte) position {
	pos := position{bodyLine: 1}
	src = bytes.TrimPrefix(src, []byte("\uFEFF"))
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	src = bytes.ReplaceAll(src, []byte("\r"), []byte("\n"))
	if !utf8.Valid(src) {
		src = bytes.ToValidUTF8(src, []byte("\uFFFD"))
	}
	raw, n, ok := splitFrontMatter(src)
	if !ok {
		return pos
	}
	pos.bodyLine = n
	var doc yaml.Node
	if yaml.Unmarshal(raw, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return pos
	}
	m := doc.Content[0]
	pos.keys = make(map[string]int, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if _, dup := pos.keys[k.Value]; !dup {
			pos.order = append(pos.order, k.Value)
			pos.keys[k.Value] = 1 + k.Line
		}
	}
	return pos
}

// splitFrontMatter returns the front matter of src and the line the body
// starts on; ok is false when src has no (closed) front matter.
func splitFrontMatter(src []byte) (raw []byte, bodyLine int, ok bool) {
	first, rest, found := bytes.Cut(src, []byte("\n"))
	if !found || !isDelim(first, false) {
		return nil, 1, false
	}
	line := 2
	off := len(first) + 1
	for len(rest) > 0 {
		l, next, _ := bytes.Cut(rest, []byte("\n"))
		if isDelim(l, true) {
			return src[len(first)+1 : off], line + 1, true
		}
		off += len(l) + 1
		line++
		rest = next
	}
	return nil, 1, false
}

func isDelim(line []byte, closing bool) bool {
	l := bytes.TrimRight(line, " \t")
	return string(l) == "---" || closing && string(l) == "..."
}
