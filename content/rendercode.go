package content

import (
	"encoding/binary"
	"errors"

	"kb/render"
)

// The render cache's file format: a magic line, then the questions and the
// document as length-prefixed fields (uvarints). A generic encoding (gob)
// spent more time compiling its decoder for every file than decoding.
const cacheMagic = "kb render cache 2\n"

var errCacheFormat = errors.New("not a render cache entry")

type encoder struct{ b []byte }

func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) int(v int)     { e.b = binary.AppendVarint(e.b, int64(v)) }
func (e *encoder) str(s string)  { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bytes(p []byte) {
	e.uint(uint64(len(p)))
	e.b = append(e.b, p...)
}
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func encodeEntry(c cacheEntry) []byte {
	e := &encoder{b: make([]byte, 0, len(c.Doc.HTML)+len(c.Doc.Text)+len(c.Doc.Code)+1024)}
	e.b = append(e.b, cacheMagic...)
	e.uint(uint64(len(c.Asked)))
	for _, q := range c.Asked {
		e.bool(q.Attachment)
		e.str(q.Path)
		e.str(q.URL)
		e.bool(q.OK)
	}
	d := c.Doc
	e.str(d.Title)
	e.str(textDigest(d.Text, d.Code))
	e.str(d.Text)
	e.str(d.Code)
	e.bool(d.Unhighlighted)
	e.uint(uint64(len(d.Headings)))
	for _, h := range d.Headings {
		e.int(h.Level)
		e.str(h.ID)
		e.str(h.Text)
	}
	e.uint(uint64(len(d.Links)))
	for _, l := range d.Links {
		e.str(l.Dest)
		e.str(l.Target)
		e.str(l.URL)
		e.str(l.Anchor)
		e.int(int(l.Kind))
		e.bool(l.Image)
		e.bool(l.Broken)
		e.int(l.Line)
	}
	e.uint(uint64(len(d.Warnings)))
	for _, w := range d.Warnings {
		e.str(string(w.Kind))
		e.int(w.Line)
		e.str(w.Subject)
		e.str(w.Message)
	}
	e.bytes(d.HTML) // last: a page read skips to it
	return e.b
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCacheFormat
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCacheFormat
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) raw() []byte {
	n := d.uint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errCacheFormat
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str() string { return string(d.raw()) }

func (d *decoder) bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 || d.b[0] > 1 {
		d.err = errCacheFormat
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

// count reads a slice length, at most one element per remaining byte.
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.b)) {
		d.err = errCacheFormat
		return 0
	}
	return int(n)
}

// The parts of a cache file that decodeEntry copies out besides what a load
// keeps in memory; of those left out, stored has the sizes and digest.
type parts uint8

const (
	withText parts = 1 << iota // Doc.Text and Doc.Code
	withHTML                   // Doc.HTML
)

// decodeEntry decodes a cache file, with the parts asked for.
func decodeEntry(b []byte, with parts) (cacheEntry, error) {
	var c cacheEntry
	if len(b) < len(cacheMagic) || string(b[:len(cacheMagic)]) != cacheMagic {
		return c, errCacheFormat
	}
	d := &decoder{b: b[len(cacheMagic):]}
	for range d.count() {
		c.Asked = append(c.Asked, question{Attachment: d.bool(), Path: d.str(), URL: d.str(), OK: d.bool()})
	}
	doc := &c.Doc
	doc.Title, c.stored.digest = d.str(), d.str()
	text, code := d.raw(), d.raw()
	c.stored.text, c.stored.code = len(text), len(code)
	if with&withText != 0 {
		doc.Text, doc.Code = string(text), string(code)
	}
	doc.Unhighlighted = d.bool()
	for range d.count() {
		doc.Headings = append(doc.Headings, render.Heading{Level: d.int(), ID: d.str(), Text: d.str()})
	}
	for range d.count() {
		doc.Links = append(doc.Links, render.Link{Dest: d.str(), Target: d.str(), URL: d.str(), Anchor: d.str(), Kind: render.LinkKind(d.int()), Image: d.bool(), Broken: d.bool(), Line: d.int()})
	}
	for range d.count() {
		doc.Warnings = append(doc.Warnings, render.Warning{Kind: render.WarningKind(d.str()), Line: d.int(), Subject: d.str(), Message: d.str()})
	}
	html := d.raw()
	if d.err == nil && len(d.b) != 0 {
		d.err = errCacheFormat
	}
	if d.err != nil {
		return cacheEntry{}, d.err
	}
	c.stored.html = len(html)
	if with&withHTML != 0 {
		doc.HTML = append([]byte{}, html...)
	}
	return c, nil
}
