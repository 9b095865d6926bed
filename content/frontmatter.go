package content

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// FrontMatterError is a problem in an article's front matter, positioned in
// the file. The article is still served; the error is shown on its page.
type FrontMatterError struct {
	Path string
	Line int // 1-based line in the file
	Err  error
}

func (e *FrontMatterError) Error() string {
	return fmt.Sprintf("%s:%d: front matter: %v", e.Path, e.Line, e.Err)
}

func (e *FrontMatterError) Unwrap() error { return e.Err }

// frontMatter holds the known keys of an article's front matter.
type frontMatter struct {
	Title       string
	ID          string
	Type        string
	Summary     string
	Service     string
	Severity    string
	Alerts      []string
	Tags        []string
	Owners      []string
	Aliases     []string
	Access      []string // groups that may read the article, nil without access:
	Reviewed    time.Time
	ReviewEvery time.Duration
	Extra       map[string]any // keys kb does not know, kept for themes and kb check
	Lines       map[string]int // file line of each key (of its last use, whose value counts), for positioned warnings
	Keys        []KeyLine      // every key once, at its first use, in file order
}

// KeyLine is where a key of an article's front matter is.
type KeyLine struct {
	Key  string
	Line int // 1-based line in the file
}

// FrontMatterKeys returns the front-matter keys kb reads, in the order kb
// new writes them. Other keys are kept in Article.Extra for themes; kb also
// reads the keys of FrontMatterSynonyms.
func FrontMatterKeys() []string {
	return []string{"title", "id", "type", "summary", "service", "alerts", "severity", "tags", "owners", "aliases", "reviewed", "review_every", "access"}
}

// FrontMatterSynonyms returns the other names under which kb reads a
// front-matter key (another documentation system's), and the key each
// stands for. kb new never writes them.
func FrontMatterSynonyms() map[string]string {
	return map[string]string{"description": "summary"}
}

// maxFrontMatter bounds the YAML kb parses, so a hostile file cannot make the
// YAML parser allocate without limit (billion laughs and friends).
const maxFrontMatter = 16 << 10

// parseFrontMatter splits src (BOM removed, LF line endings) into front matter
// and body and decodes the front matter. body is always a suffix of src. The
// error, if any, joins one or more *FrontMatterError; whatever could be decoded
// is returned with it, so one bad key never loses the others.
func parseFrontMatter(p string, src []byte) (fm frontMatter, body []byte, err error) {
	raw, body, ok := SplitFrontMatter(src)
	if !ok {
		return fm, src, &FrontMatterError{Path: p, Line: 1, Err: errors.New("the front matter opened by --- on line 1 is never closed: add a line with only --- after it")}
	}
	if raw == nil {
		return fm, body, nil
	}
	if len(raw) > maxFrontMatter {
		return fm, body, &FrontMatterError{Path: p, Line: 1, Err: fmt.Errorf("front matter is %d bytes, over the %d KiB limit; it is not read (the article is served without it)", len(raw), maxFrontMatter>>10)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return fm, body, &FrontMatterError{Path: p, Line: 1 + yamlErrorLine(err), Err: fmt.Errorf("invalid YAML: %s", yamlErrorText(err))}
	}
	if len(doc.Content) == 0 {
		return fm, body, nil // only comments, or empty
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return fm, body, &FrontMatterError{Path: p, Line: 1 + m.Line, Err: errors.New("front matter must be a mapping of keys to values, such as title: My page")}
	}
	var errs []error
	fail := func(n *yaml.Node, format string, args ...any) {
		errs = append(errs, &FrontMatterError{Path: p, Line: 1 + n.Line, Err: fmt.Errorf(format, args...)})
	}
	fm.Lines = make(map[string]int, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		key := k.Value
		if _, seen := fm.Lines[key]; !seen {
			fm.Keys = append(fm.Keys, KeyLine{Key: key, Line: 1 + k.Line})
		}
		fm.Lines[key] = 1 + k.Line
		var err error
		switch key {
		case "title":
			fm.Title, err = scalar(v)
		case "id":
			fm.ID, err = scalar(v)
		case "type":
			fm.Type, err = scalar(v)
		case "summary", "description":
			fm.Summary, err = scalar(v)
		case "service":
			fm.Service, err = scalar(v)
		case "severity":
			fm.Severity, err = scalar(v)
		case "alerts":
			fm.Alerts, err = stringList(v)
		case "tags":
			fm.Tags, err = stringList(v)
		case "owners":
			fm.Owners, err = stringList(v)
		case "aliases":
			fm.Aliases, err = stringList(v)
		case "access":
			if fm.Access, err = stringList(v); err != nil || fm.Access == nil {
				fm.Access = []string{} // unreadable or empty: nobody, never everybody
			}
		case "reviewed":
			var s string
			if s, err = scalar(v); err == nil && s != "" {
				fm.Reviewed, err = parseDate(s)
			}
		case "review_every":
			var s string
			if s, err = scalar(v); err == nil && s != "" {
				fm.ReviewEvery, err = ParseReviewEvery(s)
			}
		default:
			var x any
			if v.Decode(&x) == nil {
				if fm.Extra == nil {
					fm.Extra = map[string]any{}
				}
				fm.Extra[key] = x
			}
		}
		if err != nil {
			fail(v, "%s: %v", key, err)
		}
	}
	return fm, body, errors.Join(errs...)
}

// SplitFrontMatter finds the front matter of src (BOM removed, LF line
// endings) between a first line of "---" and the next line of "---" (or
// "..."). raw is nil when there is none; ok is false when it is opened but
// never closed. body is always a suffix of src: everything after the line
// that closes the front matter, or src itself.
func SplitFrontMatter(src []byte) (raw, body []byte, ok bool) {
	first, rest, found := bytes.Cut(src, []byte("\n"))
	if !isDelim(first, false) {
		return nil, src, true
	}
	if !found {
		return nil, src, false
	}
	off := len(first) + 1
	for len(rest) > 0 {
		line, next, _ := bytes.Cut(rest, []byte("\n"))
		end := off + len(line)
		if isDelim(line, true) {
			if end < len(src) {
				end++ // the newline after the closing delimiter
			}
			return src[len(first)+1 : off], src[end:], true
		}
		off = end + 1
		rest = next
	}
	return nil, src, false
}

func isDelim(line []byte, closing bool) bool {
	l := bytes.TrimRight(line, " \t")
	return string(l) == "---" || closing && string(l) == "..."
}

func scalar(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", errors.New("want a single value, not a list or mapping")
	}
	if n.ShortTag() == "!!null" {
		return "", nil
	}
	return strings.TrimSpace(n.Value), nil
}

// stringList accepts a YAML list of values, or one value, which may be
// comma-separated ("tags: etcd, kubernetes"), since authors write all three.
func stringList(n *yaml.Node) ([]string, error) {
	var items []string
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return nil, nil
		}
		items = strings.Split(n.Value, ",")
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, errors.New("want a list of plain values, such as [a, b]")
			}
			items = append(items, c.Value)
		}
	default:
		return nil, errors.New("want a list, such as [a, b]")
	}
	out := items[:0]
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date; write YYYY-MM-DD", s)
}

// ParseReviewEvery parses a review interval: days ("180d"), weeks ("26w") or
// a Go duration ("36h").
func ParseReviewEvery(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	var err error
	if n, unit := strings.TrimRight(s, "dw"), strings.TrimLeft(s, "0123456789"); unit == "d" || unit == "w" {
		days, perr := strconv.Atoi(n)
		if perr != nil || days > 100*365 {
			return 0, fmt.Errorf("%q is not a number of days or weeks", s)
		}
		if unit == "w" {
			days *= 7
		}
		d = time.Duration(days) * 24 * time.Hour
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("%q is not an interval; write e.g. 180d, 26w or 36h", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: the interval must be positive", s)
	}
	return d, nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+):? ?`)

// yamlErrorLine returns the 1-based line of the front matter that a YAML error
// names, or 1.
func yamlErrorLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		if n, e := strconv.Atoi(m[1]); e == nil && n > 0 {
			return n
		}
	}
	return 1
}

func yamlErrorText(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	return yamlLineRE.ReplaceAllString(strings.TrimPrefix(s, "unmarshal errors:\n  "), "")
}
