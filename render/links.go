package render

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
)

// linkAttr is the node attribute under which process leaves a *linkInfo on
// every link, image and autolink for the HTML renderer. goldmark's attribute
// syntax only reaches headings, so Markdown cannot set it.
const linkAttr = "kb-link"

// linkInfo is what the HTML renderer writes for one link or image.
type linkInfo struct {
	url    string // href or src, percent-encoded; "" writes none
	title  string // replaces the Markdown title when set (broken links)
	broken bool   // class="broken-link"
	unsafe bool   // scheme not allowed: render the text only
}

// link resolves and records a link or image whose destination and title
// are dest and title, and leaves a *linkInfo on n.
func (st *state) link(n ast.Node, dest, title []byte, image bool) error {
	if err := st.spend(len(dest) + len(title)); err != nil {
		return err
	}
	l := Link{Dest: string(dest), Image: image, Line: st.lines.lineOf(n.Pos())}
	st.finishLink(n, &l, decodeDest(dest))
	return nil
}

// autoLink records an autolink (<https://...>, or a bare URL or e-mail
// address found by linkify). Autolinks are taken literally: no escapes or
// entities are resolved in them.
func (st *state) autoLink(n *ast.AutoLink) error {
	label := n.Label(st.src)
	st.text.write(label)
	u := string(n.URL(st.src))
	if n.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(u), "mailto:") {
		u = "mailto:" + u
	}
	if err := st.spend(len(u)); err != nil {
		return err
	}
	l := Link{Dest: string(label), Line: st.lines.lineOf(n.Pos())}
	st.finishLink(n, &l, u)
	return nil
}

// spend counts link bytes against the budget. Link reference definitions
// let a short document repeat a long URL many times; the budget keeps the
// work and the output proportional to MaxSize.
func (st *state) spend(n int) error {
	st.linkBytes += n
	if budget := 4 * st.opts.MaxSize; st.linkBytes > budget {
		return &LimitError{Size: st.linkBytes, Max: budget, Err: ErrTooLarge}
	}
	return nil
}

// finishLink resolves l against d (the decoded destination), records it and
// its warning, and attaches the linkInfo to n.
func (st *state) finishLink(n ast.Node, l *Link, d string) {
	problem, unsafe := st.resolve(l, d)
	info := &linkInfo{url: l.URL, broken: l.Broken, unsafe: unsafe}
	if problem.Kind != "" {
		problem.Line = l.Line
		st.warnings = append(st.warnings, problem)
		if l.Broken {
			info.title = problem.Message
		}
	}
	n.SetAttributeString(linkAttr, info)
	st.links = append(st.links, *l)
}

// resolve fills in l's URL, Kind, Target, Anchor and Broken from d. It
// returns what is wrong with the link as a Warning without its line (the
// zero Warning when nothing is), and whether it must not be written as a
// link at all (a scheme outside http, https and mailto).
//
//   - "#frag": LinkAnchor; the id prefix is added to frag.
//   - "https://...", "mailto:...", "//host/...": LinkExternal, kept.
//   - other schemes (javascript:, data:, vbscript:, file:, ...): unsafe.
//   - "x.md", "../x.md#frag": LinkArticle; the article's URL from the
//     Resolver (or the path without .md), query kept, prefix added to frag.
//   - "img/x.png": LinkAttachment; "/" + the root-relative path.
//   - "dir/": a folder; "/" + the root-relative path + "/", never broken.
//   - "/abs/x.md": as "x.md" but from the root; "/abs/x": kept as written,
//     LinkAttachment if the Resolver knows the file, else LinkArticle.
//   - anything climbing out of the root ("../../x"): broken, no URL.
func (st *state) resolve(l *Link, d string) (problem Warning, unsafe bool) {
	what, broken := "link", WarnBrokenLink
	if l.Image {
		what, broken = "image", WarnBrokenImage
	}
	d = strings.TrimSpace(d)
	if s, ok := scheme(d); ok {
		if !allowedScheme(s) {
			return Warning{Kind: WarnLinkRemoved, Subject: s,
				Message: fmt.Sprintf("%s %s removed: scheme %s not allowed", what, quote(l.Dest), quote(s))}, true
		}
		l.Kind, l.URL = LinkExternal, escapeURL(d)
		_, _, l.Anchor = splitURL(d)
		return Warning{}, false
	}
	if strings.HasPrefix(d, "//") {
		l.Kind, l.URL = LinkExternal, escapeURL(d)
		_, _, l.Anchor = splitURL(d)
		return Warning{}, false
	}
	p, query, frag := splitURL(d)
	l.Anchor = frag
	fragment := ""
	if strings.Contains(d, "#") {
		fragment = "#" + escapeFragment(frag)
	}
	if p == "" { // "#frag", "?query", "": this document
		l.Kind = LinkAnchor
		if frag != "" {
			id := st.fragment(frag)
			fragment = "#" + escapeFragment(id)
			st.anchors = append(st.anchors, anchorRef{id: id, line: l.Line})
		}
		l.URL = escapeURL(query) + fragment
		return Warning{}, false
	}
	if u, err := url.PathUnescape(p); err == nil && utf8.ValidString(u) {
		p = u
	}
	if strings.HasPrefix(p, "/") {
		target := strings.TrimPrefix(path.Clean(p), "/")
		if isMarkdown(target) {
			return st.article(l, target, query, frag)
		}
		l.Kind, l.URL = LinkArticle, escapeURL(d)
		if st.in.Links != nil && st.in.Links.Attachment(target) {
			l.Kind, l.Target = LinkAttachment, target
		}
		return Warning{}, false
	}
	target := path.Join(st.dir, p)
	if target == ".." || strings.HasPrefix(target, "../") {
		l.Kind, l.Broken = LinkAttachment, true
		if isMarkdown(target) {
			l.Kind = LinkArticle
		}
		return Warning{Kind: broken, Message: fmt.Sprintf("broken %s %s: outside the content folder", what, quote(l.Dest))}, false
	}
	if strings.HasSuffix(p, "/") || target == "." {
		l.Kind, l.URL = LinkArticle, "/"
		if target != "." {
			l.URL += escapePath(target) + "/"
		}
		l.URL += escapeURL(query) + fragment
		return Warning{}, false
	}
	if isMarkdown(target) {
		return st.article(l, target, query, frag)
	}
	l.Kind, l.Target = LinkAttachment, target
	l.URL = "/" + escapePath(target) + escapeURL(query) + fragment
	if st.in.Links != nil && !st.in.Links.Attachment(target) {
		l.Broken = true
		return Warning{Kind: broken, Message: fmt.Sprintf("broken %s %s: no file %s", what, quote(l.Dest), target)}, false
	}
	return Warning{}, false
}

// article resolves a link to the article at root-relative path target.
func (st *state) article(l *Link, target, query, frag string) (problem Warning, unsafe bool) {
	l.Kind, l.Target = LinkArticle, target
	u := "/" + target[:len(target)-len(".md")]
	if st.in.Links != nil {
		if au, ok := st.in.Links.Article(target); ok {
			u = au
		} else {
			l.Broken = true
			problem = Warning{Kind: WarnBrokenLink, Message: fmt.Sprintf("broken link %s: no article %s", quote(l.Dest), target)}
		}
	}
	l.URL = escapePath(u) + escapeURL(query)
	if frag != "" {
		l.URL += "#" + escapeFragment(st.fragment(frag))
	}
	return problem, false
}

func isMarkdown(p string) bool {
	return len(p) > len(".md") && strings.EqualFold(p[len(p)-len(".md"):], ".md")
}

// quote quotes a destination for a warning, shortened if long.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "..."
	}
	return fmt.Sprintf("%q", s)
}
