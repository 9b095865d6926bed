package content

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"kb/access"
)

// SiteFile is the name of the optional settings file at the content root.
const SiteFile = "kb.yaml"

// Site holds the settings of kb.yaml. The zero value, with defaults applied by
// ParseSite, is what a content folder without kb.yaml gets.
type Site struct {
	Title        string            `yaml:"title"`
	BaseURL      string            `yaml:"base_url"`      // public URL of kb, for links in cards and feeds
	EditURL      string            `yaml:"edit_url"`      // "https://git.example.com/kb/-/edit/main/{path}"
	UnsafeHTML   bool              `yaml:"unsafe_html"`   // render raw HTML in Markdown
	MaxSize      ByteSize          `yaml:"max_size"`      // largest Markdown file rendered
	ReviewEvery  Interval          `yaml:"review_every"`  // default review interval
	Owners       []string          `yaml:"owners"`        // default owners of new articles
	EmbedOrigins []string          `yaml:"embed_origins"` // origins allowed to frame /embed/
	Secrets      map[string]string `yaml:"webhook_secrets"`
	Rules        []string          `yaml:"rules"` // Prometheus rule files inside the content root, for /reports/coverage
	// Runbooks are globs of the files that are runbooks unless their front
	// matter sets a type ("ops/**", "**/playbooks/*.md"); empty means
	// DefaultRunbooks.
	Runbooks []string `yaml:"runbooks"`
	// OGImage is the picture link previews (chat, social) show for a page:
	// an http(s) URL, or a path below base_url; "" means kb's own.
	OGImage string `yaml:"og_image"`
	// Access holds the read rules, first match wins (package access).
	Access []access.Rule `yaml:"access"`
	// AdminGroup is the group whose members read the audit trail at
	// /reports/audit; kb serve --admin-group wins over it.
	AdminGroup string `yaml:"admin_group"`
}

// DefaultMaxSize is the size cap of a Markdown file when kb.yaml sets none.
const DefaultMaxSize = 1 << 20

// ParseSite parses kb.yaml. Unknown keys and bad values are returned as
// warnings with the defaults in their place: a typo in kb.yaml never stops kb.
func ParseSite(src []byte) (Site, []Warning) {
	s := Site{Title: "Knowledge Base", MaxSize: DefaultMaxSize}
	var warns []Warning
	warn := func(line int, format string, args ...any) {
		warns = append(warns, Warning{Path: SiteFile, Line: line, Kind: WarnSite, Message: fmt.Sprintf(format, args...)})
	}
	src = normaliseText(src)
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		warn(yamlErrorLine(err), "invalid YAML, using defaults: %s", yamlErrorText(err))
		return s, warns
	}
	if len(doc.Content) == 0 {
		return s, nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		warn(m.Line, "kb.yaml must be a mapping of settings, such as title: Our runbooks")
		return s, warns
	}
	known := []string{"title", "base_url", "edit_url", "unsafe_html", "max_size", "review_every", "owners", "embed_origins", "webhook_secrets", "rules", "runbooks", "og_image", "access", "admin_group"}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if !slices.Contains(known, k.Value) {
			warn(k.Line, "unknown setting %q (known: %s)", k.Value, strings.Join(known, ", "))
			continue
		}
		one := yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{k, v}}
		before := s
		if err := one.Decode(&s); err != nil {
			s = before
			warn(v.Line, "%s: %s", k.Value, yamlErrorText(err))
		}
	}
	if _, err := access.NewPolicy(s.Access); err != nil {
		warn(accessLine(m), "%v: nobody may read anything until it is fixed", err)
	}
	if s.MaxSize <= 0 {
		s.MaxSize = DefaultMaxSize
	}
	if s.BaseURL != "" {
		if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			warn(0, "base_url %q is not an http(s) URL; ignored", s.BaseURL)
			s.BaseURL = ""
		}
		s.BaseURL = strings.TrimSuffix(s.BaseURL, "/")
	}
	if s.OGImage != "" && !strings.HasPrefix(s.OGImage, "/") && !webURL(s.OGImage) {
		warn(0, "og_image %q is neither an http(s) URL nor a path such as /images/card.png; ignored", s.OGImage)
		s.OGImage = ""
	}
	globs := s.Runbooks[:0:0]
	for _, g := range s.Runbooks {
		if why := validGlob(g); why != "" {
			warn(0, "runbooks: %q is %s; ignored", g, why)
			continue
		}
		globs = append(globs, g)
	}
	s.Runbooks = globs
	if s.EditURL != "" && !strings.Contains(s.EditURL, "{path}") {
		warn(0, "edit_url %q has no {path} placeholder; ignored", s.EditURL)
		s.EditURL = ""
	}
	return s, warns
}

// EditLink returns the edit URL of the file at root-relative path p, or ""
// when kb.yaml sets no edit_url or one that is not an http(s) URL: kb.yaml
// is trusted, but a typo should not make a javascript: link.
func (s Site) EditLink(p string) string {
	if s.EditURL == "" {
		return ""
	}
	u := strings.ReplaceAll(s.EditURL, "{path}", (&url.URL{Path: p}).EscapedPath())
	if !webURL(u) {
		return ""
	}
	return u
}

// webURL reports whether u is an absolute http(s) URL with a host.
func webURL(u string) bool {
	pu, err := url.Parse(u)
	return err == nil && (pu.Scheme == "https" || pu.Scheme == "http") && pu.Host != ""
}

// maxPrefill bounds the file content put into a GitHub new-file URL;
// browsers and proxies refuse much longer URLs.
const maxPrefill = 6 << 10

// NewFileLink turns kb.yaml's edit_url into the git host's "new file" page
// for a file at root-relative path p with content src, and names the host:
//
//   - GitLab, ".../-/edit/BRANCH/{path}": ".../-/new/BRANCH/DIR?file_name=NAME"
//     (GitLab takes no content in the URL: the page shows it to paste);
//   - Gitea and Forgejo, ".../_edit/BRANCH/{path}": ".../_new/BRANCH/DIR" (the
//     file name and content are pasted);
//   - GitHub and others with ".../edit/BRANCH/{path}":
//     ".../new/BRANCH/DIR?filename=NAME&value=CONTENT", the content
//     pre-filled when it is short enough for a URL.
//
// Any other edit_url, or none, gives "", "": the page shows the path and
// content only.
func (s Site) NewFileLink(p string, src []byte) (link, host string) {
	prefix, suffix, ok := strings.Cut(s.EditURL, "{path}")
	if !ok || suffix != "" || !webURL(prefix+"x") {
		return "", ""
	}
	dir, name := path.Split(p)
	escDir := (&url.URL{Path: strings.TrimSuffix(dir, "/")}).EscapedPath()
	switch {
	case strings.Contains(prefix, "/-/edit/"):
		i := strings.LastIndex(prefix, "/-/edit/")
		return prefix[:i] + "/-/new/" + prefix[i+len("/-/edit/"):] + escDir + "?" + url.Values{"file_name": {name}}.Encode(), "GitLab"
	case strings.Contains(prefix, "/_edit/"):
		i := strings.LastIndex(prefix, "/_edit/")
		return prefix[:i] + "/_new/" + prefix[i+len("/_edit/"):] + escDir, "Gitea"
	case strings.Contains(prefix, "/edit/"):
		i := strings.LastIndex(prefix, "/edit/")
		v := url.Values{"filename": {name}}
		if len(src) <= maxPrefill {
			v.Set("value", string(src))
		}
		return prefix[:i] + "/new/" + prefix[i+len("/edit/"):] + escDir + "?" + v.Encode(), "GitHub"
	}
	return "", ""
}

// ByteSize is a size in bytes written as a number or with a unit ("2MiB", "512KB").
type ByteSize int64

// UnmarshalYAML implements yaml.Unmarshaler.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return err
	}
	*b = ByteSize(v)
	return nil
}

// ParseByteSize parses a size in bytes written as a number or with a unit
// ("2MiB", "512KB").
func ParseByteSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, errors.New("want a positive size such as 1048576 or 2MiB")
	}
	return n * mult, nil
}

// Interval is a review interval written as "180d", "26w" or "36h".
type Interval time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (iv *Interval) UnmarshalYAML(n *yaml.Node) error {
	d, err := ParseReviewEvery(n.Value)
	if err != nil {
		return err
	}
	*iv = Interval(d)
	return nil
}

// accessLine returns the line of the access: key of kb.yaml mapping m.
func accessLine(m *yaml.Node) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "access" {
			return m.Content[i].Line
		}
	}
	return 0
}

// Policy returns the read rules of kb.yaml; a refused list denies every read.
func (s Site) Policy() access.Policy {
	p, _ := access.NewPolicy(s.Access) // the error is a kb.yaml warning (ParseSite)
	return p
}
