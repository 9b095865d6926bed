package render

import (
	"strings"

	"github.com/yuin/goldmark/util"
)

// decodeDest returns a link destination as the browser will finally see it
// once goldmark's output is parsed: backslash escapes and entity references
// ("&colon;", "&#106;") resolved.
func decodeDest(dest []byte) string {
	d := util.UnescapePunctuations(dest)
	d = util.ResolveNumericReferences(d)
	d = util.ResolveEntityNames(d)
	return string(d)
}

// scheme returns the lower-cased scheme of u and whether u has one, judged
// the way a browser would but more strictly: ASCII whitespace and control
// characters anywhere are ignored ("java\tscript:") and any text before the
// first ':' that comes ahead of '/', '?' and '#' counts as a scheme, valid
// or not, so that it is refused rather than taken for a relative path.
func scheme(u string) (string, bool) {
	var b []byte
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c <= ' ' || c == 0x7f:
			continue
		case c == ':':
			return string(b), true
		case c == '/' || c == '?' || c == '#':
			return "", false
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return "", false
}

// allowedScheme reports whether links with scheme s may be written.
func allowedScheme(s string) bool {
	return s == "https" || s == "http" || s == "mailto"
}

// safeURL reports whether u may be written into an href or src: it has no
// scheme (a relative URL, an absolute path, a fragment) or an allowed one.
func safeURL(u string) bool {
	s, ok := scheme(u)
	return !ok || allowedScheme(s)
}

// Percent-encoding. Each escaper keeps the characters that are valid where
// its output goes and existing %XX escapes, and encodes everything else
// (spaces, quotes, angle brackets, backslashes, control characters, non-ASCII
// bytes) as %XX.
const (
	unreserved = "-._~"
	subDelims  = "!$&'()*+,;="
)

// escapeURL encodes a whole URL, keeping its structure (":/?#[]@").
func escapeURL(s string) string { return percentEncode(s, unreserved+subDelims+":/?#[]@") }

// escapePath encodes a path: '?' and '#' in file names are encoded.
func escapePath(s string) string { return percentEncode(s, unreserved+subDelims+":@/") }

// escapeFragment encodes a fragment (without its '#').
func escapeFragment(s string) string { return percentEncode(s, unreserved+subDelims+":@/?") }

func percentEncode(s, keep string) string {
	const hex = "0123456789ABCDEF"
	clean := true
	for i := 0; i < len(s) && clean; i++ {
		clean = keepByte(s, i, keep)
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keepByte(s, i, keep) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func keepByte(s string, i int, keep string) bool {
	c := s[i]
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '%':
		return i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])
	case c < 0x80:
		return strings.IndexByte(keep, c) >= 0
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// splitURL splits a relative reference into path, query (with its '?') and
// fragment (without its '#').
func splitURL(u string) (p, query, frag string) {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		u, frag = u[:i], u[i+1:]
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u, query = u[:i], u[i:]
	}
	return u, query, frag
}
