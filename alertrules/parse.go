package alertrules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Rule is one alerting rule of a rule file. Recording rules are not kept.
type Rule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Group       string            `json:"group"`
	File        string            `json:"file"` // as given to Parse
	Line        int               `json:"line"` // 1-based line of the rule's alert: key
}

// RunbookURL returns the rule's runbook_url annotation (or runbook, which
// some rule sets use), "" when it has none.
func (r Rule) RunbookURL() string {
	if u := strings.TrimSpace(r.Annotations["runbook_url"]); u != "" {
		return u
	}
	return strings.TrimSpace(r.Annotations["runbook"])
}

// Severity returns the rule's severity label, "" when it has none.
func (r Rule) Severity() string { return r.Labels["severity"] }

// Error is a rule file that is not YAML or does not have the shape of a
// rule file, positioned in the file.
type Error struct {
	File string
	Line int // 1-based
	Err  error
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *Error) Unwrap() error { return e.Err }

// maxErrors bounds the errors Parse reports for one file: past a few, the
// file is simply not a rule file.
const maxErrors = 20

// maxAliasHops bounds how many YAML aliases are followed to reach one value.
const maxAliasHops = 16

// Parse reads the alerting rules of one rule file, whose name is used in
// Rule.File and errors. It accepts a Prometheus rule file (groups: at the
// top), a PrometheusRule object (spec: groups:), a Kubernetes List of them
// (items:), and several of these as YAML documents separated by ---; other
// Kubernetes objects in the stream are skipped. Recording rules are skipped.
//
// The error, if any, joins one or more *Error; the rules that could be read
// are returned with it.
func Parse(name string, src []byte) ([]Rule, error) {
	p := parser{file: name}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	// Every document takes at least one byte of the source: the bound only
	// stops a decoder that would stop advancing.
	for docs := 0; docs <= len(src); docs++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.fail(yamlErrorLine(err), "not valid YAML: %s", yamlErrorText(err))
			break
		}
		if len(doc.Content) == 0 {
			continue // an empty document, or only comments
		}
		p.document(doc.Content[0], 0)
		if len(p.errs) >= maxErrors {
			break
		}
	}
	return p.rules, errors.Join(p.errs...)
}

type parser struct {
	file  string
	rules []Rule
	errs  []error
}

func (p *parser) fail(line int, format string, args ...any) {
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, &Error{File: p.file, Line: max(line, 1), Err: fmt.Errorf(format, args...)})
	}
}

// document reads one YAML document, or one item of a Kubernetes List.
func (p *parser) document(n *yaml.Node, depth int) {
	n = deref(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // an empty document, or only comments
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n.Line, "not a rule file: want a mapping with groups: (a Prometheus rule file) or spec: groups: (a PrometheusRule), found %s", kindName(n))
		return
	}
	if g := get(n, "groups"); g != nil {
		p.groups(g)
		return
	}
	if spec := get(n, "spec"); spec != nil && spec.Kind == yaml.MappingNode && get(spec, "groups") != nil {
		p.groups(get(spec, "groups"))
		return
	}
	if items := get(n, "items"); items != nil && items.Kind == yaml.SequenceNode && depth == 0 {
		for _, it := range items.Content {
			p.document(it, depth+1)
		}
		return
	}
	if k := get(n, "kind"); k != nil && k.Kind == yaml.ScalarNode && k.Value != "PrometheusRule" {
		return // another Kubernetes object in the same manifest
	}
	p.fail(n.Line, "not a rule file: want groups: at the top (a Prometheus rule file) or spec: groups: (a PrometheusRule)")
}

func (p *parser) groups(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // "groups:" with nothing yet
	}
	if n.Kind != yaml.SequenceNode {
		p.fail(n.Line, "groups: want a list of groups, each with name: and rules:, found %s", kindName(n))
		return
	}
	for _, g := range n.Content {
		g = deref(g)
		if g == nil || g.Kind != yaml.MappingNode {
			p.fail(line(g, n), "groups: want each group to be a mapping with name: and rules:, found %s", kindName(g))
			continue
		}
		name, ok := p.scalar(get(g, "name"), "group name")
		if !ok {
			continue
		}
		if name == "" {
			p.fail(g.Line, "group without a name: add name:")
		}
		rules := get(g, "rules")
		if rules == nil || rules.Kind == yaml.ScalarNode && rules.ShortTag() == "!!null" {
			continue
		}
		if rules.Kind != yaml.SequenceNode {
			p.fail(rules.Line, "group %q: rules: want a list of rules, found %s", name, kindName(rules))
			continue
		}
		for _, r := range rules.Content {
			p.rule(deref(r), name, rules)
		}
	}
}

func (p *parser) rule(n *yaml.Node, group string, parent *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		p.fail(line(n, parent), "group %q: want each rule to be a mapping with alert: (or record:) and expr:, found %s", group, kindName(n))
		return
	}
	alertNode, recordNode := get(n, "alert"), get(n, "record")
	if alertNode == nil {
		if recordNode == nil {
			p.fail(n.Line, "group %q: a rule needs alert: (or record: for a recording rule)", group)
		}
		return
	}
	alert, ok := p.scalar(alertNode, "alert")
	if !ok {
		return
	}
	if alert == "" {
		p.fail(alertNode.Line, "group %q: alert: the alert name is empty", group)
		return
	}
	r := Rule{Alert: alert, Group: group, File: p.file, Line: alertNode.Line}
	if e := get(n, "expr"); e != nil {
		r.Expr, _ = p.scalar(e, "expr")
	}
	r.Labels = p.stringMap(get(n, "labels"), alert, "labels")
	r.Annotations = p.stringMap(get(n, "annotations"), alert, "annotations")
	p.rules = append(p.rules, r)
}

// scalar returns the value of a scalar node; a missing or null node is "".
func (p *parser) scalar(n *yaml.Node, what string) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		p.fail(n.Line, "%s: want a single value, found %s", what, kindName(n))
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

func (p *parser) stringMap(n *yaml.Node, alert, what string) map[string]string {
	n = deref(n)
	if n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.fail(n.Line, "alert %s: %s: want name: value pairs, found %s", alert, what, kindName(n))
		return nil
	}
	m := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		if k == nil || v == nil || k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
			p.fail(line(v, n), "alert %s: %s: want name: value pairs of plain values", alert, what)
			continue
		}
		m[k.Value] = v.Value
	}
	return m
}

// get returns the value of key in mapping n, nil when n is no mapping or
// lacks the key.
func get(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Kind == yaml.ScalarNode && n.Content[i].Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

// deref follows aliases to the node they stand for. YAML aliases are only
// pointers in a yaml.Node, so this never expands anything.
func deref(n *yaml.Node) *yaml.Node {
	for hops := 0; n != nil && n.Kind == yaml.AliasNode; hops++ {
		if hops == maxAliasHops {
			return nil
		}
		n = n.Alias
	}
	return n
}

func line(n, parent *yaml.Node) int {
	if n != nil && n.Line > 0 {
		return n.Line
	}
	if parent != nil {
		return parent.Line
	}
	return 1
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		v := n.Value
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return strconv.Quote(v)
	}
	return "something else"
}

var yamlLineRE = regexp.MustCompile(`line (\d+):? ?`)

// yamlErrorLine returns the 1-based line that a YAML error names, or 1.
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
	return yamlLineRE.ReplaceAllString(s, "")
}
