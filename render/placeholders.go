package render

import (
	"bytes"
	"html"
)

// FillPlaceholders returns page (HTML that Render wrote, possibly inside a
// theme's page) with every placeholder {{name}} inside a <code> element
// replaced by the escaped value of values[name], marked so that a reader
// sees what was filled in:
//
//	<mark class="filled" title="{{pod}}">cart-1</mark>
//
// A placeholder is a name ([A-Za-z_][A-Za-z0-9_]*, a Prometheus label name)
// between double braces and nothing else, so template syntax such as
// {{ $labels.pod }} and {{{x}}} stays. Highlighted code splits a
// placeholder into several tokens; it is replaced only when the markup it
// spans is <span> tags that open and close in balance, so the page stays
// well-formed. Values are text, never markup. Placeholders without a value,
// and text outside code elements, are left as they are; page itself is
// never modified.
func FillPlaceholders(page []byte, values map[string]string) []byte {
	if len(values) == 0 || !bytes.Contains(page, []byte("{{")) {
		return page
	}
	var out bytes.Buffer
	out.Grow(len(page) + len(page)/8)
	rest := page
	for {
		i := indexCodeOpen(rest)
		if i < 0 {
			break
		}
		end := bytes.Index(rest[i:], []byte("</code>"))
		if end < 0 {
			break
		}
		end += i
		out.Write(rest[:i])
		out.Write(fillCode(rest[i:end], values))
		rest = rest[end:]
	}
	out.Write(rest)
	return out.Bytes()
}

// indexCodeOpen returns the index just past the first <code> or <code ...>
// start tag in b, or -1.
func indexCodeOpen(b []byte) int {
	off := 0
	for {
		i := bytes.Index(b[off:], []byte("<code"))
		if i < 0 {
			return -1
		}
		i += off
		rest := b[i+len("<code"):]
		if len(rest) > 0 && (rest[0] == '>' || rest[0] == ' ') {
			gt := bytes.IndexByte(rest, '>')
			if gt < 0 {
				return -1
			}
			return i + len("<code") + gt + 1
		}
		off = i + len("<code")
	}
}

// fillCode fills the placeholders of the inside of one code element.
func fillCode(code []byte, values map[string]string) []byte {
	if !bytes.Contains(code, []byte("{{")) {
		return code
	}
	// The text of the element and, for each of its bytes, its index in code.
	text := make([]byte, 0, len(code))
	at := make([]int, 0, len(code))
	for i := 0; i < len(code); i++ {
		if code[i] == '<' {
			gt := bytes.IndexByte(code[i:], '>')
			if gt < 0 {
				return code
			}
			i += gt
			continue
		}
		text = append(text, code[i])
		at = append(at, i)
	}
	var out bytes.Buffer
	last := 0 // in code
	for t := 0; t+4 < len(text); t++ {
		if text[t] != '{' || text[t+1] != '{' || (t > 0 && text[t-1] == '{') {
			continue
		}
		n := t + 2
		for n < len(text) && (text[n] == '_' || text[n] >= 'a' && text[n] <= 'z' || text[n] >= 'A' && text[n] <= 'Z' || n > t+2 && text[n] >= '0' && text[n] <= '9') {
			n++
		}
		if n == t+2 || n+1 >= len(text) || text[n] != '}' || text[n+1] != '}' || (n+2 < len(text) && text[n+2] == '}') {
			continue
		}
		name := string(text[t+2 : n])
		v, ok := values[name]
		if !ok {
			continue
		}
		start, stop := at[t], at[n+1]+1
		if !balancedSpans(code[start:stop]) {
			continue
		}
		out.Write(code[last:start])
		out.WriteString(`<mark class="filled" title="{{`)
		out.WriteString(name)
		out.WriteString(`}}">`)
		out.WriteString(html.EscapeString(v))
		out.WriteString(`</mark>`)
		last = stop
		t = n + 1
	}
	if last == 0 {
		return code
	}
	out.Write(code[last:])
	return out.Bytes()
}

// balancedSpans reports whether the tags in b are only <span ...> and
// </span>, as many of each.
func balancedSpans(b []byte) bool {
	depth := 0
	for {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			return depth == 0
		}
		b = b[i:]
		gt := bytes.IndexByte(b, '>')
		if gt < 0 {
			return false
		}
		switch tag := b[:gt+1]; {
		case bytes.Equal(tag, []byte("</span>")):
			depth--
		case bytes.HasPrefix(tag, []byte("<span ")), bytes.Equal(tag, []byte("<span>")):
			depth++
		default:
			return false
		}
		b = b[gt+1:]
	}
}
