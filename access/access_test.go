package access

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func issueRules(t *testing.T) Policy {
	t.Helper()
	p, err := NewPolicy([]Rule{
		{Path: "security/**", Groups: []string{"sre", "security"}},
		{Path: "public/**", Groups: []string{"*"}},
		{Path: "**", Groups: []string{"employees"}},
	})
	require.NoError(t, err)
	return p
}

func TestCanRead(t *testing.T) {
	p := issueRules(t)
	sre := Reader{User: "ann", Groups: []string{"sre", "employees"}}
	emp := Reader{User: "bob", Groups: []string{"employees"}}
	anon := Reader{}
	tests := []struct {
		name   string
		r      Reader
		path   string
		narrow []string
		want   bool
	}{
		{name: "sre reads security", r: sre, path: "security/keys.md", want: true},
		{name: "employee does not read security", r: emp, path: "security/keys.md"},
		{name: "first match wins", r: emp, path: "security/sub/deep.md"},
		{name: "employee reads the rest", r: emp, path: "runbooks/etcd/x.md", want: true},
		{name: "anonymous reads nothing restricted", r: anon, path: "runbooks/etcd/x.md"},
		{name: "anyone reads public", r: anon, path: "public/a.md", want: true},
		{name: "front matter narrows", r: emp, path: "runbooks/x.md", narrow: []string{"sre"}},
		{name: "front matter narrows to a group the rule names", r: sre, path: "security/x.md", narrow: []string{"sre"}, want: true},
		{name: "narrowing is an intersection of groups", r: sre, path: "runbooks/x.md", narrow: []string{"sre"}},
		{name: "front matter cannot widen", r: emp, path: "security/x.md", narrow: []string{"employees", "sre"}},
		{name: "front matter narrows public", r: anon, path: "public/a.md", narrow: []string{"sre"}},
		{name: "empty front matter list is nobody", r: sre, path: "runbooks/x.md", narrow: []string{}},
		{name: "token limited to a path", r: Reader{User: "tool", Groups: []string{"employees"}, Paths: []string{"runbooks/**"}}, path: "articles/x.md"},
		{name: "token within its path", r: Reader{User: "tool", Groups: []string{"employees"}, Paths: []string{"runbooks/**"}}, path: "runbooks/x.md", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, p.CanRead(tt.r, tt.path, tt.narrow))
		})
	}
}

func TestNoRulesIsOpen(t *testing.T) {
	var p Policy
	assert.False(t, p.Enabled())
	assert.True(t, p.CanRead(Reader{}, "security/x.md", nil))
	assert.Equal(t, Class(""), p.Class("x.md", nil))
	assert.False(t, p.CanRead(Reader{Groups: []string{"employees"}}, "x.md", []string{"sre"}), "front matter narrows even without rules")
}

func TestNoMatchIsNobody(t *testing.T) {
	p, err := NewPolicy([]Rule{{Path: "runbooks/**", Groups: []string{"sre"}}})
	require.NoError(t, err)
	assert.Equal(t, Nobody, p.Class("articles/x.md", nil))
	assert.Equal(t, -1, p.Match("articles/x.md"))
}

func TestClassCanonical(t *testing.T) {
	p := issueRules(t)
	assert.Equal(t, Class("security,sre"), p.Class("security/a.md", nil))
	assert.Equal(t, Class("security,sre"), p.Class("security/b.md", []string{"sre", "security", "sre"}))
	assert.Equal(t, Class("sre"), p.Class("security/b.md", []string{"sre"}))
	assert.Equal(t, []string{"security", "sre"}, p.Class("security/a.md", nil).Groups())
}

func TestWidening(t *testing.T) {
	p := issueRules(t)
	assert.Equal(t, []string{"employees"}, p.Widening("security/x.md", []string{"sre", "employees"}))
	assert.Nil(t, p.Widening("security/x.md", []string{"sre"}))
	assert.Nil(t, p.Widening("public/x.md", []string{"sre"}), "narrowing an open folder")
	assert.Nil(t, p.Widening("security/x.md", nil))
}

func TestNewPolicyRefuses(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
		want string
	}{
		{name: "dot dot", rule: Rule{Path: "runbooks/../security/**", Groups: []string{"sre"}}, want: `".."`},
		{name: "leading dot dot", rule: Rule{Path: "../x", Groups: []string{"sre"}}, want: `".."`},
		{name: "absolute", rule: Rule{Path: "/security/**", Groups: []string{"sre"}}, want: "relative"},
		{name: "empty", rule: Rule{Path: " ", Groups: []string{"sre"}}, want: "empty"},
		{name: "no groups", rule: Rule{Path: "**"}, want: "groups"},
		{name: "bad glob", rule: Rule{Path: "a/[b", Groups: []string{"sre"}}, want: "glob"},
		{name: "comma group", rule: Rule{Path: "**", Groups: []string{"a,b"}}, want: "comma"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPolicy([]Rule{{Path: "public/**", Groups: []string{"*"}}, tt.rule})
			var re *RuleError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 1, re.Index)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, p.Enabled())
			assert.False(t, p.CanRead(Reader{Groups: []string{"sre"}}, "public/a.md", nil), "a refused list lets nobody read")
			assert.Equal(t, Nobody, p.Class("public/a.md", nil))
		})
	}
	_, err := NewPolicy([]Rule{{Path: "../x", Groups: []string{"a"}}})
	assert.True(t, errors.Is(err, ErrDotDot))
}

// FuzzNewPolicy parses rules written one a line as "glob group,group" and
// checks what must hold for any of them: no panic, a refused list denies
// everything, no rule with ".." is accepted, and a class only ever allows
// members of the groups of the rule that matched.
func FuzzNewPolicy(f *testing.F) {
	f.Add("security/** sre,security\n** employees", "security/a.md", "sre")
	f.Add("../x a", "x", "")
	f.Add("a/[b c", "a/b", "c")
	f.Add("** *", "deep/down/x.md", "sre")
	f.Fuzz(func(t *testing.T, src, path, narrow string) {
		var rules []Rule
		for line := range strings.SplitSeq(src, "\n") {
			glob, groups, _ := strings.Cut(line, " ")
			var gs []string
			if groups != "" {
				gs = strings.Split(groups, ",")
			}
			rules = append(rules, Rule{Path: glob, Groups: gs})
		}
		p, err := NewPolicy(rules)
		var fm []string
		if narrow != "" {
			fm = strings.Split(narrow, ",")
		}
		c := p.Class(path, fm)
		if err != nil {
			var re *RuleError
			require.ErrorAs(t, err, &re)
			require.Equal(t, Nobody, c)
			return
		}
		for _, r := range p.Rules() {
			for seg := range strings.SplitSeq(r.Path, "/") {
				require.NotEqual(t, "..", seg)
			}
		}
		i := p.Match(path)
		if len(rules) > 0 && i < 0 {
			require.Equal(t, Nobody, c)
		}
		if i >= 0 {
			for _, g := range c.Groups() {
				rg := p.Rules()[i].Groups
				require.True(t, contains(rg, g) || contains(rg, Anyone), "class %q widens rule %v", c, rg)
			}
		}
	})
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
