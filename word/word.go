package word

import (
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsRune reports whether r belongs to a word: a letter or a digit of any
// script.
func IsRune(r rune) bool {
	// ASCII, most of any text, from two masks: small enough to inline
	if uint32(r) < utf8.RuneSelf {
		return isASCIIRune(r)
	}
	return isOtherRune(r)
}

// isASCIIRune is IsRune for r below utf8.RuneSelf, false for any other.
func isASCIIRune(r rune) bool {
	u := uint32(r)
	return (asciiDigits>>u|asciiLetters>>(u-64))&1 != 0 // a shift of 64 or more is 0
}

const (
	asciiDigits  = 0x03FF_0000_0000_0000 // 0-9: bits 48-57
	asciiLetters = 0x07FF_FFFE_07FF_FFFE // A-Z, a-z: bits 65-90 and 97-122, less 64
)

func isOtherRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// isConnector reports whether r joins the parts of one identifier
// (snake_case, kebab-case, dotted.names, paths/like/this).
func isConnector(r rune) bool {
	return r == '_' || r == '-' || r == '.' || r == '/'
}

// Spans yields the byte offsets [start, end) of the search words of text:
// runs of letters and digits, joined by connectors (nf_conntrack,
// kube-proxy, 10.0.0.1, i/o). Everything else, and a connector at either
// end of a run, only separates words.
func Spans(text string) iter.Seq2[int, int] {
	return func(yield func(start, end int) bool) {
		start, lastWord := -1, -1 // lastWord: end of the last letter or digit of the current word
		for i, r := range text {
			switch {
			case isASCIIRune(r) || r >= utf8.RuneSelf && isOtherRune(r): // IsRune, inlined
				if start < 0 {
					start = i
				}
				lastWord = i + utf8.RuneLen(r)
			case isConnector(r) && start >= 0:
				// stays in the word if a letter or digit follows
			default:
				if start >= 0 && !yield(start, lastWord) {
					return
				}
				start, lastWord = -1, -1
			}
		}
		if start >= 0 {
			yield(start, lastWord)
		}
	}
}

// Tokens returns the search words of text (see Spans), as written.
func Tokens(text string) []string {
	var out []string
	for start, end := range Spans(text) {
		out = append(out, text[start:end])
	}
	return out
}

// Fields returns the runs of letters and digits of s, as written: unlike
// Tokens, connectors separate words too (kube-proxy is kube and proxy).
func Fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !IsRune(r) })
}

// Parts splits one identifier into its parts at connectors, at
// lower-to-upper case changes (kubePod), before the last capital of a run
// of capitals that starts a word (APIDown is API Down) and at letter/digit
// boundaries (x509 is x 509). Parts keep their case; a plain word is its
// only part.
func Parts(tok string) []string {
	var parts []string
	start := -1
	var prev rune
	flush := func(end int) {
		if start >= 0 && end > start {
			parts = append(parts, tok[start:end])
		}
		start = -1
	}
	for i, r := range tok {
		if !IsRune(r) {
			flush(i)
			prev = 0
			continue
		}
		if start < 0 {
			start = i
			prev = r
			continue
		}
		boundary := false
		switch {
		case unicode.IsDigit(r) != unicode.IsDigit(prev):
			boundary = true
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			boundary = true
		case unicode.IsLower(r) && unicode.IsUpper(prev):
			// "APIDown": the D starts a new part when it follows capitals.
			pi := i - utf8.RuneLen(prev)
			if pi > start {
				before, _ := utf8.DecodeLastRuneInString(tok[:pi])
				if unicode.IsUpper(before) {
					flush(pi)
					start = pi
				}
			}
		}
		if boundary {
			flush(i)
			start = i
		}
		prev = r
	}
	flush(len(tok))
	return parts
}

// MayHaveParts reports cheaply, without allocating, whether Parts may split
// tok into two or more parts: it is true for every such tok, and for a few
// that Parts leaves whole.
func MayHaveParts(tok string) bool {
	if parts, ok := asciiMayHaveParts(tok); ok {
		return parts
	}
	var prev rune
	for i, r := range tok {
		if i > 0 {
			switch {
			case !IsRune(r):
				return true
			case unicode.IsDigit(r) != unicode.IsDigit(prev):
				return true
			case unicode.IsUpper(r) && unicode.IsLower(prev):
				return true
			case unicode.IsLower(r) && unicode.IsUpper(prev) && i > 1:
				return true
			}
		}
		prev = r
	}
	return false
}

// asciiMayHaveParts is MayHaveParts for a token of ASCII bytes, the
// common case, by bytes; ok is false for any other token.
func asciiMayHaveParts(tok string) (parts, ok bool) {
	const other, digit, upper, lower = 0, 1, 2, 3
	class := func(c byte) int {
		switch {
		case '0' <= c && c <= '9':
			return digit
		case 'A' <= c && c <= 'Z':
			return upper
		case 'a' <= c && c <= 'z':
			return lower
		}
		return other
	}
	if len(tok) == 0 || tok[0] >= utf8.RuneSelf {
		return false, len(tok) == 0
	}
	prev := class(tok[0])
	for i := 1; i < len(tok); i++ {
		c := tok[i]
		if c >= utf8.RuneSelf {
			return false, false
		}
		cl := class(c)
		switch {
		case cl == other:
			return true, true
		case (cl == digit) != (prev == digit):
			return true, true
		case cl == upper && prev == lower:
			return true, true
		case cl == lower && prev == upper && i > 1:
			return true, true
		}
		prev = cl
	}
	return false, true
}
