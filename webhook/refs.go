package webhook

import (
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"kb/tickets"
)

// MaxRefs bounds the references taken from one text, and from one ticket.
const MaxRefs = 50

// maxScan bounds the bytes of one text that FindRefs reads, and
// maxCandidates the URLs and paths it parses for one ticket: a comment full
// of other links costs a bounded time.
const (
	maxScan       = 256 << 10
	maxCandidates = 2000
)

// Ref is a reference to a kb article, as found in a ticket: the server
// resolves Path to an article id (a permalink, a content path, an old alias
// or an alert name all work) and keeps Anchor as the link's section.
type Ref struct {
	Path   string // "/a/etcd-no-leader", "/runbooks/etcd/no-leader", "/alerts/KubePodCrashLooping"
	Anchor string // the URL's fragment without "#", a heading id; may be empty
}

// String returns the reference as a path with its "#anchor", if any.
func (r Ref) String() string {
	if r.Anchor == "" {
		return r.Path
	}
	return r.Path + "#" + r.Anchor
}

// FindRefs returns the kb references in free text (a resolution, a comment,
// Markdown, Jira wiki markup, HTML):
//
//   - absolute http(s) URLs on the host of base, whatever their path
//     (/runbooks/etcd/no-leader, /a/{id}, /alerts/{name}, an old alias path);
//     when base has a path (https://example.com/kb), only URLs below it, with
//     that prefix removed;
//   - when base is empty, absolute URLs on any host whose path starts with
//     /a/ or /alerts/;
//   - bare paths starting with /a/ or /alerts/ after a space or an opening
//     bracket or quote.
//
// Paths come back cleaned (no query, no "..", no trailing slash); /a/ and
// /alerts/ paths keep only their first segment and /embed/{id} becomes
// /a/{id}. Links to kb pages that are not articles (/search, /tags/...,
// /api/...) are skipped, and so is anything inside a javascript: or data:
// URL. The result is in order of appearance, without duplicate paths (the
// first anchor seen wins), at most MaxRefs. Only the first 256 KiB of text
// and its first 2000 URLs and paths are read.
func FindRefs(text string, base Base) []Ref {
	f := refFinder{base: base.parse()}
	f.scan(text)
	return f.refs
}

// refBase is a parsed Base.
type refBase struct {
	host   string // lowercase host[:port] without port 80 or 443; "" when no base URL is set
	prefix string // path kb is served under: "" or e.g. "/kb"
}

func (b Base) parse() refBase {
	u, err := url.Parse(strings.TrimSpace(b.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return refBase{}
	}
	return refBase{host: hostKey(u), prefix: strings.TrimSuffix(path.Clean("/"+u.Path), "/")}
}

func hostKey(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" || port == "443" || port == "80" { // http or https, kb is the same
		return host
	}
	return host + ":" + port
}

// refFinder collects references from several texts, without duplicates.
type refFinder struct {
	base       refBase
	refs       []Ref
	candidates int
}

func (f *refFinder) add(r Ref) {
	for i := range f.refs {
		if f.refs[i].Path == r.Path {
			if f.refs[i].Anchor == "" {
				f.refs[i].Anchor = r.Anchor
			}
			return
		}
	}
	if len(f.refs) < MaxRefs {
		f.refs = append(f.refs, r)
	}
}

func (f *refFinder) scan(text string) {
	if len(text) > maxScan {
		text = text[:maxScan]
	}
	for i := 0; i < len(text) && len(f.refs) < MaxRefs && f.candidates < maxCandidates; {
		if !candidateAt(text, i) {
			i++
			continue
		}
		f.candidates++
		end := candidateEnd(text, i)
		if end-i <= tickets.MaxURL {
			if r, ok := f.base.ref(trimTrailing(text[i:end]), false); ok {
				f.add(r)
			}
		}
		i = max(end, i+1)
	}
}

// candidateAt reports whether a URL or a bare kb path starts at text[i].
func candidateAt(text string, i int) bool {
	switch text[i] {
	case 'h', 'H':
		rest := text[i:]
		if !hasPrefixFold(rest, "https://") && !hasPrefixFold(rest, "http://") {
			return false
		}
		return i == 0 || !isWordByte(text[i-1])
	case '/':
		rest := text[i:]
		if !strings.HasPrefix(rest, "/a/") && !strings.HasPrefix(rest, "/alerts/") {
			return false
		}
		if i > 0 && !isOpener(text[i-1]) {
			return false
		}
		return !inScriptURL(text[:i])
	}
	return false
}

// inScriptURL reports whether the word ending text opens a javascript:,
// vbscript: or data: URL, as in [x](javascript:go('/a/x')).
func inScriptURL(text string) bool {
	start := strings.LastIndexAny(text, " \t\r\n\"<>[]")
	word := strings.ToLower(text[start+1:])
	return strings.Contains(word, "script:") || strings.Contains(word, "data:")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 0x80 || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// isOpener reports whether c may precede a bare kb path: white space, an
// opening bracket or quote, '=' (href=/a/x), '|' and '>' (Jira wiki, HTML).
func isOpener(c byte) bool {
	return c <= ' ' || strings.IndexByte("([{<\"'`=|>", c) >= 0
}

// candidateEnd returns where the URL starting at text[i] ends: at white
// space, a quote, a bracket other than '(' and ')', '|', or an HTML entity
// for one of those.
func candidateEnd(text string, i int) int {
	for j := i; j < len(text); {
		c := text[j]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == 0x7f || strings.IndexByte("<>\"'`|[]{}\\^", c) >= 0 {
				return j
			}
			if c == '&' {
				rest := text[j:]
				for _, e := range []string{"&lt;", "&gt;", "&quot;", "&#39;", "&#34;", "&nbsp;"} {
					if hasPrefixFold(rest, e) {
						return j
					}
				}
			}
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) || isBidi(r) {
			return j
		}
		j += size
	}
	return len(text)
}

// trimTrailing drops the punctuation that ends a sentence or closes a
// bracket around a URL rather than belonging to it.
func trimTrailing(s string) string {
	for s != "" {
		last := s[len(s)-1]
		switch {
		case strings.IndexByte(".,;:!?*_~", last) >= 0:
			s = s[:len(s)-1]
		case last == ')' && strings.Count(s, "(") < strings.Count(s, ")"):
			s = s[:len(s)-1]
		default:
			return s
		}
	}
	return s
}

// ref turns a URL or an absolute path into a reference. A path is taken as
// it is; an absolute URL must be on b's host, or, when b has no host, have a
// /a/ or /alerts/ path unless explicit (the sender says it is a kb URL).
func (b refBase) ref(s string, explicit bool) (Ref, bool) {
	u, err := url.Parse(s)
	if err != nil {
		return Ref{}, false
	}
	p := u.Path
	switch {
	case u.Scheme != "":
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Ref{}, false
		}
		if b.host != "" {
			if hostKey(u) != b.host {
				return Ref{}, false
			}
			var ok bool
			if p, ok = b.strip(p); !ok {
				return Ref{}, false
			}
		} else if !explicit && !strings.HasPrefix(p, "/a/") && !strings.HasPrefix(p, "/alerts/") {
			return Ref{}, false
		}
	case u.Host != "" || !strings.HasPrefix(p, "/"):
		return Ref{}, false // "//host/x" or a relative path
	default:
		if stripped, ok := b.strip(p); ok && b.prefix != "" {
			p = stripped
		}
	}
	p, ok := cleanRefPath(p)
	if !ok {
		return Ref{}, false
	}
	return Ref{Path: p, Anchor: cleanAnchor(u.Fragment)}, true
}

// strip removes b's path prefix from p; ok is false when p is not below it.
func (b refBase) strip(p string) (string, bool) {
	if b.prefix == "" {
		return p, true
	}
	if p == b.prefix || strings.HasPrefix(p, b.prefix+"/") {
		return strings.TrimPrefix(p, b.prefix), true
	}
	return "", false
}

// cleanRefPath cleans an article path, or reports that p names no article.
func cleanRefPath(p string) (string, bool) {
	if p == "" || len(p) > tickets.MaxURL || !printable(p) || strings.ContainsRune(p, '\\') {
		return "", false
	}
	p = path.Clean("/" + p)
	if p == "/" {
		return "", false
	}
	seg := strings.SplitN(p[1:], "/", 3)
	switch seg[0] {
	case "a", "alerts", "embed":
		if len(seg) < 2 || seg[1] == "" {
			return "", false
		}
		if seg[0] == "embed" {
			return "/a/" + seg[1], true
		}
		return "/" + seg[0] + "/" + seg[1], true
	case "api", "search", "tags", "services", "static", "reports", "healthz", "readyz", "metrics", "oembed", "opensearch.xml", "favicon.ico":
		return "", false
	}
	return p, true
}

// cleanAnchor returns a URL fragment usable as tickets.Link.Anchor, or "".
func cleanAnchor(frag string) string {
	frag = strings.TrimPrefix(strings.TrimSpace(frag), "#")
	if len(frag) > tickets.MaxAnchor || !printable(frag) || strings.ContainsAny(frag, " \"'<>") {
		return ""
	}
	return frag
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}
