package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"kb/content"
)

//go:embed templates/*.md
var builtin embed.FS

// TemplateDir is the folder of a content root whose files override the
// built-in templates: runbook.md and article.md.
const TemplateDir = ".kb/templates"

// maxTemplate bounds a template read from a content folder.
const maxTemplate = 256 << 10

// Template returns the template for new articles of type t: the content
// folder's .kb/templates/<t>.md if files (the content root) has one, else
// the built-in template. source says which ("built-in" or the path).
func Template(files fs.FS, t content.Type) (tmpl []byte, source string, err error) {
	if t != content.TypeRunbook && t != content.TypeArticle {
		return nil, "", fmt.Errorf("no template for type %q: want runbook or article", t)
	}
	name := string(t) + ".md"
	if files != nil {
		p := TemplateDir + "/" + name
		b, err := fs.ReadFile(files, p)
		switch {
		case err == nil && len(b) > maxTemplate:
			return nil, "", fmt.Errorf("template %s is %d bytes; the limit is %d", p, len(b), maxTemplate)
		case err == nil:
			return b, p, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, "", fmt.Errorf("read template: %w", err)
		}
	}
	b, err := builtin.ReadFile("templates/" + name)
	if err != nil {
		return nil, "", fmt.Errorf("built-in template %s: %w", name, err) // a build defect
	}
	return b, "built-in", nil
}

// Params describes the file to write.
type Params struct {
	Type     content.Type
	Title    string
	ID       string // "" derives it from the title (and, for a runbook, the service)
	Service  string
	Alerts   []string
	Owners   []string
	Reviewed time.Time // zero leaves reviewed: out
	Dir      string    // root-relative folder; "" means runbooks/<service> or articles
}

// File is a new article, ready to be written.
type File struct {
	Path   string // root-relative slash path, such as runbooks/etcd/no-leader.md
	ID     string
	Source []byte
}

// maxTitle bounds a title; a file name is made of its first words.
const (
	maxTitle = 200
	maxSlug  = 80
)

// New fills template tmpl (as Template returns it) with p.
func New(tmpl []byte, p Params) (File, error) {
	p.Title = strings.Join(strings.Fields(p.Title), " ")
	p.Service = strings.TrimSpace(p.Service)
	switch {
	case p.Type != content.TypeRunbook && p.Type != content.TypeArticle:
		return File{}, fmt.Errorf("type %q: want runbook or article", p.Type)
	case p.Title == "":
		return File{}, errors.New("the title is empty")
	case len(p.Title) > maxTitle:
		return File{}, fmt.Errorf("the title is %d bytes; keep it under %d (the summary: can say more)", len(p.Title), maxTitle)
	case strings.IndexFunc(p.Title+p.Service, unicode.IsControl) >= 0:
		return File{}, errors.New("the title or service has control characters")
	}
	alerts, err := cleanList(p.Alerts, "alert")
	if err != nil {
		return File{}, err
	}
	owners, err := cleanList(p.Owners, "owner")
	if err != nil {
		return File{}, err
	}
	name := Slug(p.Title)
	id, err := p.id(name)
	if err != nil {
		return File{}, err
	}
	if name == "" {
		name = id
	}
	dir, err := p.dir()
	if err != nil {
		return File{}, err
	}
	file := path.Join(dir, name+".md")
	if content.IsReserved(content.URLFor(file)) {
		return File{}, fmt.Errorf("%s would be served at %s, which is one of kb's own routes; choose another folder with --dir", file, content.URLFor(file))
	}
	fm, body, err := splitTemplate(tmpl)
	if err != nil {
		return File{}, err
	}
	set := map[string]*yaml.Node{
		"title": str(p.Title),
		"id":    str(id),
		"type":  str(string(p.Type)),
	}
	if p.Service != "" {
		set["service"] = str(p.Service)
	}
	if len(alerts) > 0 {
		set["alerts"] = list(alerts)
	}
	if len(owners) > 0 {
		set["owners"] = list(owners)
	}
	if !p.Reviewed.IsZero() {
		set["reviewed"] = &yaml.Node{Kind: yaml.ScalarNode, Value: p.Reviewed.Format(time.DateOnly)}
	}
	src, err := render(merged(fm, set), body)
	if err != nil {
		return File{}, err
	}
	return File{Path: file, ID: id, Source: src}, nil
}

// id returns the id of the new file: p.ID checked, or the title's slug,
// prefixed with the service's for a runbook ("etcd-no-leader").
func (p Params) id(name string) (string, error) {
	if p.ID != "" {
		id := strings.ToLower(strings.TrimSpace(p.ID))
		if !validID(id) {
			return "", fmt.Errorf("id %q: an id is 1-128 characters: a-z, 0-9, '.', '_' and '-', starting with a letter or digit", p.ID)
		}
		return id, nil
	}
	if name == "" {
		return "", fmt.Errorf("the title %q has no letters or digits kb can use in a file name and id; give one with --id", p.Title)
	}
	id := name
	if svc := Slug(p.Service); p.Type == content.TypeRunbook && svc != "" && id != svc && !strings.HasPrefix(id, svc+"-") {
		id = svc + "-" + id
	}
	return truncate(id, 128), nil
}

func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '.' || r == '_' || r == '-')
		if !ok {
			return false
		}
	}
	return true
}

// dir returns the folder of the new file.
func (p Params) dir() (string, error) {
	if p.Dir == "" {
		if p.Type == content.TypeArticle {
			return "articles", nil
		}
		if svc := Slug(p.Service); svc != "" {
			return "runbooks/" + svc, nil
		}
		return "runbooks", nil
	}
	d := strings.Trim(strings.TrimSpace(p.Dir), "/")
	if strings.ContainsAny(d, `\:`) || strings.IndexFunc(d, unicode.IsControl) >= 0 || path.IsAbs(p.Dir) {
		return "", fmt.Errorf("--dir %q: want a folder inside the content folder, such as runbooks/etcd", p.Dir)
	}
	if d == "" || d == "." {
		return "", nil
	}
	for seg := range strings.SplitSeq(d, "/") {
		switch {
		case seg == "" || seg == "." || seg == "..":
			return "", fmt.Errorf("--dir %q: want a plain folder path without . or .. segments", p.Dir)
		case strings.HasPrefix(seg, "."):
			return "", fmt.Errorf("--dir %q: kb skips hidden folders, so an article there would never be served", p.Dir)
		}
	}
	return d, nil
}

// cleanList trims the names of a list and rejects ones no YAML list or
// alert route could carry.
func cleanList(in []string, what string) ([]string, error) {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.ContainsAny(s, ",\n\r") || strings.IndexFunc(s, unicode.IsControl) >= 0 || len(s) > 200 {
			return nil, fmt.Errorf("%s %q: want a plain name, such as %s", what, s, map[string]string{"alert": "KubePodCrashLooping", "owner": "team-platform"}[what])
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// splitTemplate returns the front matter of a template as a YAML mapping
// (nil when it has none) and its body.
func splitTemplate(tmpl []byte) (*yaml.Node, []byte, error) {
	tmpl = bytes.TrimPrefix(tmpl, []byte("\uFEFF"))
	tmpl = bytes.ReplaceAll(tmpl, []byte("\r\n"), []byte("\n"))
	raw, body, ok := content.SplitFrontMatter(tmpl)
	switch {
	case !ok && !bytes.Contains(tmpl, []byte("\n")):
		return nil, tmpl, nil // a lone "---" line: no front matter
	case !ok:
		return nil, nil, errors.New("template: the front matter opened by --- on line 1 is never closed")
	case raw == nil:
		return nil, tmpl, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, nil, fmt.Errorf("template: front matter: %w", err)
	}
	if len(doc.Content) == 0 {
		return nil, body, nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, nil, errors.New("template: front matter must be a mapping of keys to values")
	}
	return m, body, nil
}

// merged returns the template's front matter with kb's keys set: kb's keys
// first, in the order of content.FrontMatterKeys, then the template's others
// in their own.
func merged(tmpl *yaml.Node, set map[string]*yaml.Node) *yaml.Node {
	order := content.FrontMatterKeys()
	have := map[string]*yaml.Node{}
	var rest []string
	if tmpl != nil {
		for i := 0; i+1 < len(tmpl.Content); i += 2 {
			k := tmpl.Content[i].Value
			if _, dup := have[k]; dup {
				continue
			}
			have[k] = tmpl.Content[i+1]
			if !slices.Contains(order, k) {
				rest = append(rest, k)
			}
		}
	}
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range append(order, rest...) {
		v, ok := set[k]
		if !ok {
			v, ok = have[k]
		}
		if ok {
			m.Content = append(m.Content, str(k), v)
		}
	}
	return m
}

// render writes front matter fm and body as a Markdown file.
func render(fm *yaml.Node, body []byte) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("---\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(fm); err != nil {
		return nil, fmt.Errorf("encode front matter: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode front matter: %w", err)
	}
	b.WriteString("---\n")
	b.Write(body)
	return b.Bytes(), nil
}

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func list(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range items {
		n.Content = append(n.Content, str(s))
	}
	return n
}

// Slug turns a title into a file name and id: lower-case ASCII letters and
// digits, accented Latin letters without their accents, every other run of
// characters as one "-", at most 80 characters cut at a "-". It is "" for a
// title without such letters or digits.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		rep := ""
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			rep = string(r)
		default:
			rep = latin[r]
		}
		if rep == "" {
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteString(rep)
	}
	return truncate(b.String(), maxSlug)
}

// truncate cuts slug s to at most n bytes, at a "-" where there is one.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	if i := strings.LastIndexByte(s, '-'); i > n/2 {
		s = s[:i]
	}
	return strings.TrimRight(s, "-")
}

// latin spells accented Latin letters in ASCII.
var latin = func() map[rune]string {
	m := map[rune]string{'æ': "ae", 'œ': "oe", 'ß': "ss", 'þ': "th", 'ð': "d", 'đ': "d", 'ł': "l", 'ı': "i", 'ø': "o"}
	for base, letters := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "d": "ď", "e": "èéêëēĕėęě", "g": "ĝğġģ", "h": "ĥħ",
		"i": "ìíîïĩīĭįİ", "j": "ĵ", "k": "ķ", "l": "ĺļľŀ", "n": "ñńņňŉ", "o": "òóôõöōŏő",
		"r": "ŕŗř", "s": "śŝşšș", "t": "ţťŧț", "u": "ùúûüũūŭůűų", "w": "ŵ", "y": "ýÿŷ", "z": "źżž",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()
