package render

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// htmlRenderer writes the nodes whose markup kb defines; goldmark's renderers
// write the rest. It reads what process left on the nodes and keeps no
// per-call state, so one serves every Render call.
//
// The markup, which the theme styles:
//
//	<h2 id="h-install">Install<a class="anchor" href="#h-install" aria-label="Link to this section"></a></h2>
//	<div class="code" data-lang="go"><pre class="chroma" tabindex="0"><code class="language-go">...</code></pre></div>
//	<div class="callout callout-warning" role="note"><p class="callout-title">Warning</p>...</div>
//	<a href="/runbooks/x" class="broken-link" title="broken link ...">...</a>
//	<img src="/runbooks/img/x.png" alt="..." loading="lazy">
//
// Code blocks without a language, or one chroma does not know, have the same
// wrapper without data-lang (or with it and no highlighting spans).
type htmlRenderer struct {
	code *highlighter
}

func newHTMLRenderer(code *highlighter) *htmlRenderer {
	return &htmlRenderer{code: code}
}

// RegisterFuncs implements renderer.NodeRenderer.
func (r *htmlRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHeading, r.heading)
	reg.Register(ast.KindBlockquote, r.blockquote)
	reg.Register(ast.KindFencedCodeBlock, r.codeBlock)
	reg.Register(ast.KindCodeBlock, r.codeBlock)
	reg.Register(ast.KindLink, r.link)
	reg.Register(ast.KindImage, r.image)
	reg.Register(ast.KindAutoLink, r.autoLink)
	reg.Register(east.KindTaskCheckBox, r.taskCheckBox)
}

// taskCheckBox writes a task list's box enabled and labelled by its item's
// text, whatever the list's shape: in a loose list or an item holding code
// the box sits inside a <p>, where a script looking for li > input missed it
// and left it disabled and unnamed. The theme's script keeps the ticks.
func (r *htmlRenderer) taskCheckBox(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*east.TaskCheckBox)
	label := "Step"
	if p := n.Parent(); p != nil {
		if t := inlineText(p, src); t != "" {
			label = t
		}
	}
	_, _ = w.WriteString(`<input type="checkbox" class="task-check" aria-label="`)
	_, _ = w.Write(util.EscapeHTML([]byte("Done: " + label)))
	_ = w.WriteByte('"')
	if n.IsChecked {
		_, _ = w.WriteString(` checked=""`)
	}
	_, _ = w.WriteString("> ")
	return ast.WalkContinue, nil
}

func (r *htmlRenderer) heading(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Heading)
	var id []byte
	if v, ok := n.AttributeString("id"); ok {
		id = util.EscapeHTML([]byte(attrString(v)))
	}
	if entering {
		_, _ = w.WriteString("<h")
		_ = w.WriteByte("0123456"[n.Level])
		if id != nil {
			_, _ = w.WriteString(` id="`)
			_, _ = w.Write(id)
			_ = w.WriteByte('"')
		}
		_ = w.WriteByte('>')
		return ast.WalkContinue, nil
	}
	if id != nil {
		_, _ = w.WriteString(`<a class="anchor" href="#`)
		_, _ = w.Write(id)
		_, _ = w.WriteString(`" aria-label="Link to this section"></a>`)
	}
	_, _ = w.WriteString("</h")
	_ = w.WriteByte("0123456"[n.Level])
	_, _ = w.WriteString(">\n")
	return ast.WalkContinue, nil
}

func (r *htmlRenderer) blockquote(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	v, callout := node.AttributeString(calloutAttr)
	switch {
	case !callout && entering:
		_, _ = w.WriteString("<blockquote>\n")
	case !callout:
		_, _ = w.WriteString("</blockquote>\n")
	case entering:
		k := calloutKinds[v.(int)]
		_, _ = w.WriteString(`<div class="callout ` + k.class + `" role="note">` + "\n")
		_, _ = w.WriteString(`<p class="callout-title">` + k.title + "</p>\n")
	default:
		_, _ = w.WriteString("</div>\n")
	}
	return ast.WalkContinue, nil
}

func (r *htmlRenderer) codeBlock(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	lang := ""
	if f, ok := node.(*ast.FencedCodeBlock); ok {
		lang = strings.ToLower(string(f.Language(src)))
	}
	escLang := util.EscapeHTML([]byte(lang))
	_, _ = w.WriteString(`<div class="code"`)
	if lang != "" {
		_, _ = w.WriteString(` data-lang="`)
		_, _ = w.Write(escLang)
		_ = w.WriteByte('"')
	}
	_, _ = w.WriteString(`><pre class="chroma" tabindex="0"><code`)
	if lang != "" {
		_, _ = w.WriteString(` class="language-`)
		_, _ = w.Write(escLang)
		_ = w.WriteByte('"')
	}
	_ = w.WriteByte('>')
	code := blockText(node, src)
	if _, plain := node.AttributeString(plainAttr); plain {
		html.DefaultWriter.RawWrite(w, code)
	} else if s, ok := r.code.highlight(lang, code); ok {
		_, _ = w.WriteString(s)
	} else {
		html.DefaultWriter.RawWrite(w, code)
	}
	_, _ = w.WriteString("</code></pre></div>\n")
	return ast.WalkSkipChildren, nil
}

// blockText returns the lines of a code block as one slice, without copying
// when they are contiguous in src (no tabs expanded, no container prefixes).
func blockText(node ast.Node, src []byte) []byte {
	lines := node.Lines()
	if lines.Len() == 0 {
		return nil
	}
	contiguous := true
	for i := range lines.Len() {
		seg := lines.At(i)
		if seg.Padding != 0 || i > 0 && lines.At(i-1).Stop != seg.Start {
			contiguous = false
			break
		}
	}
	if contiguous {
		return src[lines.At(0).Start:lines.At(lines.Len()-1).Stop]
	}
	var b []byte
	for i := range lines.Len() {
		seg := lines.At(i)
		b = append(b, seg.Value(src)...)
	}
	return b
}

// info returns the linkInfo process left on node. Should a link ever reach
// the renderer without one, it is worked out here from dest alone, and
// unsafe schemes are still refused.
func info(node ast.Node, dest []byte) *linkInfo {
	if v, ok := node.AttributeString(linkAttr); ok {
		if li, ok := v.(*linkInfo); ok {
			return li
		}
	}
	d := decodeDest(dest)
	return &linkInfo{url: escapeURL(d), unsafe: !safeURL(d)}
}

func (r *htmlRenderer) link(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Link)
	li := info(n, n.Destination)
	if li.unsafe {
		return ast.WalkContinue, nil // the link text alone
	}
	if !entering {
		_, _ = w.WriteString("</a>")
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString("<a")
	writeURLAttr(w, " href", li)
	switch {
	case li.title != "":
		writeAttr(w, " title", li.title)
	case n.Title != nil:
		_, _ = w.WriteString(` title="`)
		html.DefaultWriter.Write(w, n.Title)
		_ = w.WriteByte('"')
	}
	if li.broken {
		_, _ = w.WriteString(` class="broken-link"`)
	}
	_ = w.WriteByte('>')
	return ast.WalkContinue, nil
}

func (r *htmlRenderer) image(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.Image)
	li := info(n, n.Destination)
	alt := util.EscapeHTML([]byte(inlineText(n, src)))
	switch {
	case li.broken && li.url == "":
		_, _ = w.WriteString(`<span class="broken-link"`)
		writeAttr(w, " title", li.title)
		_ = w.WriteByte('>')
		_, _ = w.Write(alt)
		_, _ = w.WriteString("</span>")
		return ast.WalkSkipChildren, nil
	case li.unsafe:
		_, _ = w.Write(alt)
		return ast.WalkSkipChildren, nil
	}
	_, _ = w.WriteString("<img")
	writeURLAttr(w, " src", li)
	_, _ = w.WriteString(` alt="`)
	_, _ = w.Write(alt)
	_ = w.WriteByte('"')
	switch {
	case li.title != "":
		writeAttr(w, " title", li.title)
	case n.Title != nil:
		_, _ = w.WriteString(` title="`)
		html.DefaultWriter.Write(w, n.Title)
		_ = w.WriteByte('"')
	}
	if li.broken {
		_, _ = w.WriteString(` class="broken-link"`)
	}
	_, _ = w.WriteString(` loading="lazy">`)
	return ast.WalkSkipChildren, nil
}

func (r *htmlRenderer) autoLink(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.AutoLink)
	li := info(n, n.URL(src))
	label := n.Label(src)
	if li.unsafe {
		html.DefaultWriter.RawWrite(w, label)
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString("<a")
	writeURLAttr(w, " href", li)
	_ = w.WriteByte('>')
	html.DefaultWriter.RawWrite(w, label)
	_, _ = w.WriteString("</a>")
	return ast.WalkContinue, nil
}

// writeURLAttr writes name="url" for li, or nothing for a broken link
// without a URL. The scheme is checked once more here, where the attribute
// is written, so no path through process can emit an unsafe URL.
func writeURLAttr(w util.BufWriter, name string, li *linkInfo) {
	if li.broken && li.url == "" || !safeURL(li.url) {
		return
	}
	writeAttr(w, name, li.url)
}

func writeAttr(w util.BufWriter, name, value string) {
	_, _ = w.WriteString(name)
	_, _ = w.WriteString(`="`)
	_, _ = w.Write(util.EscapeHTML([]byte(value)))
	_ = w.WriteByte('"')
}
