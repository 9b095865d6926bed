package access

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Anyone is the group every reader belongs to, signed in or not: a rule
// with groups [*] keeps a folder open.
const Anyone = "*"

// Rule is one entry of kb.yaml access: the articles and attachments whose
// root-relative path matches Path (a doublestar glob, "security/**") may be
// read by members of Groups.
type Rule struct {
	Path   string   `yaml:"path"`
	Groups []string `yaml:"groups"`
}

// RuleError says which rule of kb.yaml access: is refused and why.
type RuleError struct {
	Index int // 0-based position in the list
	Path  string
	Err   error
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("access rule %d (path %q): %v", e.Index+1, e.Path, e.Err)
}

func (e *RuleError) Unwrap() error { return e.Err }

// ErrDotDot refuses a path rule with a ".." element: rules name paths inside
// the content root, and ".." would make a reader think they reach outside.
var ErrDotDot = errors.New(`".." is not allowed in a path rule; name the folder from the content root`)

// Policy is a validated list of rules. The zero value (no rules) lets anyone
// read everything, kb's behaviour without access: in kb.yaml. A policy built
// from a list with a refused rule lets nobody read anything: a typo must not
// open the security folder.
type Policy struct {
	rules  []Rule
	broken error
}

// NewPolicy validates rules. On error the returned policy denies every read
// (fail closed) and the error, a *RuleError, says what to fix.
func NewPolicy(rules []Rule) (Policy, error) {
	clean := make([]Rule, 0, len(rules))
	for i, r := range rules {
		c, err := checkRule(r)
		if err != nil {
			err = &RuleError{Index: i, Path: r.Path, Err: err}
			return Policy{broken: err}, err
		}
		clean = append(clean, c)
	}
	return Policy{rules: clean}, nil
}

func checkRule(r Rule) (Rule, error) {
	p, err := CheckPath(r.Path)
	if err != nil {
		return r, err
	}
	if len(r.Groups) == 0 {
		return r, errors.New("groups is empty; name at least one group (\"*\" for anyone)")
	}
	groups := make([]string, 0, len(r.Groups))
	for _, g := range r.Groups {
		g = strings.TrimSpace(g)
		if g == "" || strings.ContainsAny(g, ",\x00") {
			return r, fmt.Errorf("group %q is empty or holds a comma", g)
		}
		groups = append(groups, g)
	}
	return Rule{Path: p, Groups: groups}, nil
}

// CheckPath returns the path glob p trimmed, or why it is refused: empty,
// absolute, with a backslash or "..", or not a valid glob. Rules and a
// token's read scopes take the same globs.
func CheckPath(p string) (string, error) {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return p, errors.New("path is empty; use \"**\" for everything")
	case strings.HasPrefix(p, "/"):
		return p, errors.New("path starts with /; paths are relative to the content root (security/**)")
	case strings.Contains(p, "\\"):
		return p, errors.New("path has a backslash; use / between folders")
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == ".." {
			return p, ErrDotDot
		}
	}
	if !doublestar.ValidatePattern(p) {
		return p, errors.New("path is not a valid glob")
	}
	return p, nil
}

// Enabled reports whether the policy restricts anything: rules are set, or
// the list was refused.
func (p Policy) Enabled() bool { return len(p.rules) > 0 || p.broken != nil }

// Err returns why the rules were refused, nil when they are in force.
func (p Policy) Err() error { return p.broken }

// Rules returns the rules in force, in order.
func (p Policy) Rules() []Rule { return slices.Clone(p.rules) }

// Match returns the index of the first rule matching the root-relative
// path, -1 when none does (nobody may read it) or the policy has no rules.
func (p Policy) Match(path string) int {
	for i, r := range p.rules {
		if ok, _ := doublestar.Match(r.Path, path); ok {
			return i
		}
	}
	return -1
}

// Class returns who may read the file at path whose front matter says
// narrow (nil: no access: key). Front matter only narrows: the groups it
// names outside the folder's rule are ignored (Widening lists them).
func (p Policy) Class(path string, narrow []string) Class {
	var base []string
	switch {
	case p.broken != nil:
		return Nobody
	case len(p.rules) == 0:
		base = []string{Anyone}
	default:
		i := p.Match(path)
		if i < 0 {
			return Nobody
		}
		base = p.rules[i].Groups
	}
	if narrow != nil {
		base = intersect(base, narrow)
	}
	return classOf(base)
}

// Widening returns the groups of narrow (front matter of the file at path)
// that the folder's rule does not let read it: front matter that tries to
// widen, which kb check reports. Nil when there are none.
func (p Policy) Widening(path string, narrow []string) []string {
	if narrow == nil || p.broken != nil {
		return nil
	}
	base := []string{Anyone}
	if len(p.rules) > 0 {
		i := p.Match(path)
		if i < 0 {
			return slices.Clone(narrow)
		}
		base = p.rules[i].Groups
	}
	if slices.Contains(base, Anyone) {
		return nil
	}
	var out []string
	for _, g := range narrow {
		if !slices.Contains(base, g) {
			out = append(out, g)
		}
	}
	return out
}

func intersect(base, narrow []string) []string {
	switch {
	case slices.Contains(base, Anyone):
		return narrow
	case slices.Contains(narrow, Anyone):
		return base
	}
	var out []string
	for _, g := range narrow {
		if slices.Contains(base, g) {
			out = append(out, g)
		}
	}
	return out
}

// Class names who may read an article: "" for anyone, Nobody, or the
// sorted groups joined by commas. Articles with equal classes are readable
// by the same readers, so the search index filters on it and pages are
// cached per set of readable classes.
type Class string

// Nobody is the class of a file no reader may see: no rule matches it, the
// front matter narrowed it to no group, or the rules were refused.
const Nobody Class = "-"

func classOf(groups []string) Class {
	if slices.Contains(groups, Anyone) {
		return ""
	}
	if len(groups) == 0 {
		return Nobody
	}
	g := slices.Clone(groups)
	slices.Sort(g)
	return Class(strings.Join(slices.Compact(g), ","))
}

// Groups returns the groups of c, nil for anyone and for nobody.
func (c Class) Groups() []string {
	if c == "" || c == Nobody {
		return nil
	}
	return strings.Split(string(c), ",")
}

// Allows reports whether r may read articles of class c (paths aside).
func (c Class) Allows(r Reader) bool {
	switch c {
	case "":
		return true
	case Nobody:
		return false
	}
	if r.Unlimited {
		return true
	}
	for g := range strings.SplitSeq(string(c), ",") {
		if slices.Contains(r.Groups, g) {
			return true
		}
	}
	return false
}

// Reader is who asks: a signed-in user with groups, an anonymous visitor
// (zero User), or a token, whose Paths (globs) limit what it reads.
type Reader struct {
	User   string   // "" when anonymous
	Groups []string // as the identity provider or proxy gave them
	// Paths limits the reader to the paths matching one of these globs (a
	// token's read scopes); nil means no such limit.
	Paths []string
	// Unlimited reads every class (a token for tools, which sign in to no
	// provider), within Paths; Nobody's articles stay hidden.
	Unlimited bool
}

// Anonymous reports whether r has not signed in.
func (r Reader) Anonymous() bool { return r.User == "" }

// PathAllowed reports whether r's path limits let it read path.
func (r Reader) PathAllowed(path string) bool {
	if r.Paths == nil {
		return true
	}
	for _, g := range r.Paths {
		if ok, _ := doublestar.Match(g, path); ok {
			return true
		}
	}
	return false
}

// CanRead reports whether r may read the file at path whose front matter
// narrows to narrow (nil: none).
func (p Policy) CanRead(r Reader, path string, narrow []string) bool {
	return p.Class(path, narrow).Allows(r) && r.PathAllowed(path)
}
