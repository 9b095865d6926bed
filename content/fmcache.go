package content

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// frontMatterCacheVersion names the front-matter decoding of parseFrontMatter
// and the cache's format: change it when either changes, so a restart parses
// the YAML again instead of trusting what an older kb decoded.
const frontMatterCacheVersion = "kb front matter cache 1\n"

// fmCache keeps the decoded front matter of every article, keyed by the
// digest of its YAML, in one file of the render cache's folder: a restart
// that finds a file's front matter there skips the YAML parser, a third of
// a warm load at 10,000 articles. Front matter with keys kb does not know
// (Extra, of any YAML type) is parsed each time. It is a cache: a missing or
// damaged file means parsing.
type fmCache struct {
	file string

	once  sync.Once
	mu    sync.Mutex
	known map[[32]byte]cachedFrontMatter // read from file, then what was parsed since
	dirty bool                           // added to since the last save
}

// cachedFrontMatter is parseFrontMatter's outcome for one YAML text.
type cachedFrontMatter struct {
	fm   frontMatter
	errs []FrontMatterError // Path and Err's text only; Path is set again on use
}

func newFMCache(dir string) *fmCache {
	return &fmCache{file: filepath.Join(dir, "frontmatter")}
}

// parse is parseFrontMatter, from the cache when the YAML of src was
// decoded before. key is the cache's key for src's front matter; zero when
// there is none to cache.
func (c *fmCache) parse(p string, src []byte) (fm frontMatter, body []byte, err error, key [32]byte) {
	if c == nil {
		fm, body, err = parseFrontMatter(p, src)
		return fm, body, err, key
	}
	raw, body, ok := SplitFrontMatter(src)
	if !ok || raw == nil {
		fm, body, err = parseFrontMatter(p, src)
		return fm, body, err, key
	}
	c.once.Do(c.read)
	key = sha256.Sum256(raw)
	c.mu.Lock()
	e, hit := c.known[key]
	c.mu.Unlock()
	if hit {
		var errs []error
		for _, fe := range e.errs {
			errs = append(errs, &FrontMatterError{Path: p, Line: fe.Line, Err: fe.Err})
		}
		return e.fm.clone(), body, errors.Join(errs...), key
	}
	fm, body, err = parseFrontMatter(p, src)
	if len(fm.Extra) > 0 {
		return fm, body, err, [32]byte{}
	}
	e = cachedFrontMatter{fm: fm.clone()}
	for _, x := range joined(err) {
		var fe *FrontMatterError
		if !errors.As(x, &fe) {
			return fm, body, err, [32]byte{} // not one kb makes; not cached
		}
		e.errs = append(e.errs, FrontMatterError{Line: fe.Line, Err: errors.New(fe.Err.Error())})
	}
	c.mu.Lock()
	c.known[key], c.dirty = e, true
	c.mu.Unlock()
	return fm, body, err, key
}

// clone copies the slices and maps of fm, so an article's edits of its own
// front matter (assign drops duplicate aliases in place) never reach the cache.
func (fm frontMatter) clone() frontMatter {
	fm.Alerts, fm.Tags, fm.Owners, fm.Aliases = slices.Clone(fm.Alerts), slices.Clone(fm.Tags), slices.Clone(fm.Owners), slices.Clone(fm.Aliases)
	if fm.Access != nil {
		fm.Access = slices.Clone(fm.Access)
	}
	fm.Keys = slices.Clone(fm.Keys)
	if fm.Lines != nil {
		lines := make(map[string]int, len(fm.Lines))
		for k, v := range fm.Lines {
			lines[k] = v
		}
		fm.Lines = lines
	}
	return fm
}

func (c *fmCache) read() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.known = map[[32]byte]cachedFrontMatter{}
	b, err := os.ReadFile(c.file)
	if err != nil {
		return
	}
	if known, err := decodeFrontMatters(b); err == nil {
		c.known = known
	}
}

// save writes the entries whose keys are in use (the front matter of the
// snapshot served) when one was added or some went out of use since the
// last save, and forgets the rest.
func (c *fmCache) save(use map[[32]byte]bool) error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.known == nil {
		return nil
	}
	keep := make(map[[32]byte]cachedFrontMatter, len(use))
	for k := range use {
		if e, ok := c.known[k]; ok {
			keep[k] = e
		}
	}
	if !c.dirty && len(keep) == len(c.known) {
		return nil
	}
	if err := writeAtomically(c.file, encodeFrontMatters(keep)); err != nil {
		return err
	}
	c.known, c.dirty = keep, false
	return nil
}

func encodeFrontMatters(m map[[32]byte]cachedFrontMatter) []byte {
	e := &encoder{}
	e.b = append(e.b, frontMatterCacheVersion...)
	e.uint(uint64(len(m)))
	for k, c := range m {
		e.b = append(e.b, k[:]...)
		fm := c.fm
		for _, s := range []string{fm.Title, fm.ID, fm.Type, fm.Summary, fm.Service, fm.Severity} {
			e.str(s)
		}
		for _, l := range [][]string{fm.Alerts, fm.Tags, fm.Owners, fm.Aliases} {
			e.strs(l)
		}
		e.bool(fm.Access != nil)
		e.strs(fm.Access)
		t, _ := fm.Reviewed.MarshalBinary()
		e.bytes(t)
		e.int(int(fm.ReviewEvery))
		e.uint(uint64(len(fm.Lines)))
		for k, v := range fm.Lines {
			e.str(k)
			e.int(v)
		}
		e.uint(uint64(len(fm.Keys)))
		for _, kl := range fm.Keys {
			e.str(kl.Key)
			e.int(kl.Line)
		}
		e.uint(uint64(len(c.errs)))
		for _, fe := range c.errs {
			e.int(fe.Line)
			e.str(fe.Err.Error())
		}
	}
	return e.b
}

func decodeFrontMatters(b []byte) (map[[32]byte]cachedFrontMatter, error) {
	if len(b) < len(frontMatterCacheVersion) || string(b[:len(frontMatterCacheVersion)]) != frontMatterCacheVersion {
		return nil, errCacheFormat
	}
	d := &decoder{b: b[len(frontMatterCacheVersion):]}
	n := d.count()
	out := make(map[[32]byte]cachedFrontMatter, n)
	for range n {
		if d.err != nil || len(d.b) < 32 {
			return nil, errCacheFormat
		}
		var k [32]byte
		copy(k[:], d.b)
		d.b = d.b[32:]
		var c cachedFrontMatter
		fm := &c.fm
		fm.Title, fm.ID, fm.Type, fm.Summary, fm.Service, fm.Severity = d.str(), d.str(), d.str(), d.str(), d.str(), d.str()
		fm.Alerts, fm.Tags, fm.Owners, fm.Aliases = d.strs(), d.strs(), d.strs(), d.strs()
		hasAccess := d.bool()
		fm.Access = d.strs()
		if hasAccess && fm.Access == nil {
			fm.Access = []string{}
		}
		if err := fm.Reviewed.UnmarshalBinary(d.raw()); err != nil {
			return nil, errCacheFormat
		}
		fm.ReviewEvery = time.Duration(d.int())
		if nl := d.count(); nl > 0 {
			fm.Lines = make(map[string]int, nl)
			for range nl {
				k := d.str()
				fm.Lines[k] = d.int()
			}
		}
		for range d.count() {
			fm.Keys = append(fm.Keys, KeyLine{Key: d.str(), Line: d.int()})
		}
		for range d.count() {
			line := d.int()
			c.errs = append(c.errs, FrontMatterError{Line: line, Err: errors.New(d.str())})
		}
		out[k] = c
	}
	if d.err != nil || len(d.b) != 0 {
		return nil, errCacheFormat
	}
	return out, nil
}

func (e *encoder) strs(l []string) {
	e.uint(uint64(len(l)))
	for _, s := range l {
		e.str(s)
	}
}

func (d *decoder) strs() []string {
	var out []string
	for range d.count() {
		out = append(out, d.str())
	}
	return out
}
