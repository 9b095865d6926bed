package server

import (
	"bytes"

	"kb/render"
)

// The chroma styles of code blocks in light and dark mode.
const (
	lightStyle = "github"
	darkStyle  = "github-dark"
)

// syntaxStylesheets builds chroma-light.css and chroma-dark.css, the
// stylesheets of highlighted code (classes only; the CSP forbids inline
// styles). A style applies when the reader chose it with the theme toggle
// (data-theme on <html>) or, with no choice made, when the system preference
// matches. Dark rules apply on screen only, so printed code is never light on white.
func syntaxStylesheets() (map[string][]byte, error) {
	light, err := scopedCSS(lightStyle, `:root[data-theme="light"]`, `(prefers-color-scheme: light)`)
	if err != nil {
		return nil, err
	}
	dark, err := scopedCSS(darkStyle, `:root[data-theme="dark"]`, `(prefers-color-scheme: dark)`)
	if err != nil {
		return nil, err
	}
	var d bytes.Buffer
	d.WriteString("@media screen {\n")
	d.Write(dark)
	d.WriteString("}\n")
	return map[string][]byte{"chroma-light.css": light, "chroma-dark.css": d.Bytes()}, nil
}

// scopedCSS returns style's rules twice: under chosen, and under
// :root:not([data-theme]) inside the media query of the system preference.
func scopedCSS(style, chosen, media string) ([]byte, error) {
	explicit, err := render.ChromaCSS(style, chosen)
	if err != nil {
		return nil, err
	}
	auto, err := render.ChromaCSS(style, `:root:not([data-theme])`)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(explicit)
	b.WriteString("\n@media " + media + " {\n")
	b.Write(auto)
	b.WriteString("}\n")
	return b.Bytes(), nil
}
