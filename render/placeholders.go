package render

import (
	"bytes"
	"html"
	"strings"
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
//
// Shell variables are placeholders too, as runbooks write them in commands:
// $NAMESPACE and ${NAMESPACE} are filled with the value of the label of
// that name, ignoring letter case (namespace). Only a variable that names
// a given label is touched; an escaped \$X, $$, $1, ${X:-default} and
// every other $ stay as written.
//
// filled is the number of placeholders replaced: 0 means page is returned
// as it was.
func FillPlaceholders(page []byte, values map[string]string) (out []byte, filled int) {
	if len(values) == 0 || !bytes.Contains(page, []byte("{{")) && !bytes.Contains(page, []byte("$")) {
		return page, 0
	}
	folded := make(map[string]string, len(values))
	for k, v := range values {
		lk := strings.ToLower(k)
		if _, ok := folded[lk]; !ok || k == lk {
			folded[lk] = v
		}
	}
	var b bytes.Buffer
	b.Grow(len(page) + len(page)/8)
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
		b.Write(rest[:i])
		code, n := fillCode(rest[i:end], values, folded)
		b.Write(code)
		filled += n
		rest = rest[end:]
	}
	if filled == 0 {
		return page, 0
	}
	b.Write(rest)
	return b.Bytes(), filled
}

// isNameByte reports whether c may stand at position i of a label name.
func isNameByte(c byte, i int) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9'
}

// placeholderAt returns the placeholder that starts at text[t]: its name,
// the index of its last byte, and whether it is a shell variable.
func placeholderAt(text []byte, t int) (name string, last int, shell, ok bool) {
	switch {
	case text[t] == '{':
		// {{name}}, not {{{name}}} nor {{ $labels.name }}
		if t+4 >= len(text) || text[t+1] != '{' || t > 0 && text[t-1] == '{' {
			return "", 0, false, false
		}
		n := t + 2
		for n < len(text) && isNameByte(text[n], n-t-2) {
			n++
		}
		if n == t+2 || n+1 >= len(text) || text[n] != '}' || text[n+1] != '}' || n+2 < len(text) && text[n+2] == '}' {
			return "", 0, false, false
		}
		return string(text[t+2 : n]), n + 1, false, true
	case text[t] == '$':
		// $NAME or ${NAME}, not \$NAME, $$NAME or ${NAME:-x}
		if t > 0 && (text[t-1] == '\\' || text[t-1] == '$') || t+1 >= len(text) {
			return "", 0, false, false
		}
		start := t + 1
		braced := text[start] == '{'
		if braced {
			start++
		}
		n := start
		for n < len(text) && isNameByte(text[n], n-start) {
			n++
		}
		if n == start {
			return "", 0, false, false
		}
		if braced {
			if n >= len(text) || text[n] != '}' {
				return "", 0, false, false
			}
			return string(text[start:n]), n, true, true
		}
		return string(text[start:n]), n - 1, true, true
	}
	return "", 0, false, false
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

// fillCode fills the placeholders of the inside of one code element and
// says how many it filled.
func fillCode(code []byte, values, folded map[string]string) ([]byte, int) {
	if !bytes.Contains(code, []byte("{{")) && !bytes.Contains(code, []byte("$")) {
		return code, 0
	}
	// The text of the element and, for each of its bytes, its index in code.
	text := make([]byte, 0, len(code))
	at := make([]int, 0, len(code))
	for i := 0; i < len(code); i++ {
		if code[i] == '<' {
			gt := bytes.IndexByte(code[i:], '>')
			if gt < 0 {
				return code, 0
			}
			i += gt
			continue
		}
		text = append(text, code[i])
		at = append(at, i)
	}
	var out bytes.Buffer
	last, filled := 0, 0 // in code
	for t := 0; t < len(text); t++ {
		if text[t] != '{' && text[t] != '$' {
			continue
		}
		name, end, shell, ok := placeholderAt(text, t)
		if !ok {
			continue
		}
		v, ok := values[name]
		if !ok && shell {
			v, ok = folded[strings.ToLower(name)]
		}
		if !ok {
			continue
		}
		start, stop := at[t], at[end]+1
		if !balancedSpans(code[start:stop]) {
			continue
		}
		out.Write(code[last:start])
		out.WriteString(`<mark class="filled" title="`)
		out.WriteString(html.EscapeString(string(text[t : end+1])))
		out.WriteString(`">`)
		out.WriteString(html.EscapeString(v))
		out.WriteString(`</mark>`)
		last = stop
		filled++
		t = end
	}
	if filled == 0 {
		return code, 0
	}
	out.Write(code[last:])
	return out.Bytes(), filled
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
