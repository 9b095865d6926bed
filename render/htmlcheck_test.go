package render_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// assertSafeHTML fails t when h, parsed the way a browser parses it, could
// run script or load style: a <script>, <iframe>, <object>, <embed>, <style>
// (and the other elements below), an on* or style attribute, or a URL
// attribute (href, src, action, formaction, ...) with a scheme other than
// http, https and mailto. It is the oracle of the unit, golden, corpus and
// fuzz tests, and deliberately shares no code with the package.
func assertSafeHTML(t testing.TB, h []byte, msgAndArgs ...any) bool {
	t.Helper()
	if err := checkSafeHTML(h); err != nil {
		return assert.Fail(t, err.Error(), msgAndArgs...)
	}
	return true
}

// forbiddenElements can run script, load resources or restyle the page.
var forbiddenElements = map[string]bool{
	"script": true, "iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "style": true, "link": true, "meta": true, "base": true,
	"form": true, "svg": true, "math": true, "template": true, "portal": true,
}

// urlAttributes hold URLs a browser may navigate to or load.
var urlAttributes = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "srcset": true,
	"poster": true, "background": true, "data": true, "cite": true, "longdesc": true,
	"lowsrc": true, "dynsrc": true, "ping": true, "manifest": true, "codebase": true,
	"archive": true, "usemap": true, "xlink:href": true,
}

func checkSafeHTML(h []byte) error {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(bytes.NewReader(h), ctx)
	if err != nil {
		return fmt.Errorf("parse html: %w", err)
	}
	stack := append([]*html.Node(nil), nodes...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, c)
		}
		if n.Type != html.ElementNode {
			continue
		}
		if forbiddenElements[strings.ToLower(n.Data)] || n.Namespace != "" {
			return fmt.Errorf("forbidden element <%s> in %.200q", n.Data, h)
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if a.Namespace != "" {
				key = a.Namespace + ":" + key
			}
			switch {
			case strings.HasPrefix(key, "on"):
				return fmt.Errorf("event handler %s=%q on <%s>", key, a.Val, n.Data)
			case key == "style":
				return fmt.Errorf("style attribute %q on <%s>", a.Val, n.Data)
			case key == "srcset":
				for _, candidate := range strings.Split(a.Val, ",") {
					if u, _, _ := strings.Cut(strings.TrimSpace(candidate), " "); !allowedURL(u) {
						return fmt.Errorf("unsafe srcset %q on <%s>", a.Val, n.Data)
					}
				}
			case urlAttributes[key] && !allowedURL(a.Val):
				return fmt.Errorf("unsafe %s=%q on <%s>", key, a.Val, n.Data)
			}
		}
	}
	return nil
}

// allowedURL reports whether an attribute value (entities already decoded by
// the parser) is a relative URL, a fragment, or uses http, https or mailto.
// Whitespace and control characters anywhere are dropped first, as browsers
// drop them from schemes.
func allowedURL(v string) bool {
	var b strings.Builder
	for _, r := range v {
		if r > ' ' && r != 0x7f {
			b.WriteRune(r)
		}
	}
	u := b.String()
	end := strings.IndexAny(u, "/?#")
	if end < 0 {
		end = len(u)
	}
	colon := strings.IndexByte(u[:end], ':')
	if colon < 0 {
		return true
	}
	switch strings.ToLower(u[:colon]) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

func TestCheckSafeHTML(t *testing.T) {
	tests := []struct {
		name string
		html string
		safe bool
	}{
		{name: "plain", html: `<p><a href="/x#h-y">x</a> <a href="https://e.com">e</a> <img src="a.png" alt=""></p>`, safe: true},
		{name: "fragment with colon", html: `<a href="#h-fn:1">1</a>`, safe: true},
		{name: "mailto", html: `<a href="MAILTO:a@b.c">a</a>`, safe: true},
		{name: "script", html: `<p>x</p><script>alert(1)</script>`},
		{name: "script in svg", html: `<svg><script>alert(1)</script></svg>`},
		{name: "iframe", html: `<iframe src="https://e.com"></iframe>`},
		{name: "object", html: `<object data="x.swf"></object>`},
		{name: "embed", html: `<embed src="x.swf">`},
		{name: "style element", html: `<style>body{}</style>`},
		{name: "event handler", html: `<img src="x" onerror="alert(1)">`},
		{name: "style attribute", html: `<p style="color:red">x</p>`},
		{name: "javascript href", html: `<a href="javascript:alert(1)">x</a>`},
		{name: "entity javascript", html: `<a href="java&#x09;script&colon;alert(1)">x</a>`},
		{name: "mixed case", html: `<a href="JaVaScRiPt:alert(1)">x</a>`},
		{name: "leading space", html: `<a href=" javascript:alert(1)">x</a>`},
		{name: "data image", html: `<img src="data:text/html,x">`},
		{name: "form action", html: `<button formaction="javascript:x">x</button>`},
		{name: "srcset", html: `<img src="a.png" srcset="a.png 1x, javascript:x 2x">`},
		{name: "vbscript", html: `<a href="vbscript:x">x</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkSafeHTML([]byte(tt.html))
			if tt.safe {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}
