package check

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"kb/content"
)

// Options configures Run.
type Options struct {
	// Files is the content folder the snapshot was loaded from. check lists
	// its top-level folders, for kb's own routes; nil skips that.
	Files fs.FS
	// Now is the time stale reviews are measured against; zero means time.Now().
	Now time.Time
	// All lists every finding on its own: front-matter keys kb does not know
	// (one info each) and links removed for a scheme that another
	// documentation system uses (one warning each), which are otherwise
	// summarised in one finding per key set and per scheme.
	All bool
}

// Run checks snap and returns its findings sorted by path and line, those
// about the whole folder last. It fails only when ctx ends.
func Run(ctx context.Context, snap *content.Snapshot, opts Options) ([]Finding, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	c := &checker{snap: snap, opts: opts}
	for w := range snap.AllWarnings() {
		if c.anchorsTitle(w) {
			continue
		}
		if s := foreignScheme(w); s != "" && !opts.All {
			if c.foreign == nil {
				c.foreign = map[string][]Finding{}
			}
			c.foreign[s] = append(c.foreign[s], classify(w))
			continue
		}
		c.add(classify(w))
	}
	for _, a := range snap.Articles {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c.frontMatter(a)
		c.runbook(a)
		c.review(a)
		c.links(a)
		c.unfilled(a)
	}
	c.reservedFolders()
	c.unknownKeys()
	c.schemes()
	sortFindings(c.out)
	return merge(c.out), nil
}

type checker struct {
	snap *content.Snapshot
	opts Options
	out  []Finding

	unknown map[string][]string  // unknown front-matter key → paths using it
	foreign map[string][]Finding // links removed for a scheme that is not dangerous, by scheme
	images  map[string]string    // attachment path → what is wrong with it as an image, "" if fine
	ids     map[string]map[string]bool

	templates map[content.Type]map[string]bool // guidance text of the kb new templates, by type
}

func (c *checker) add(f Finding) {
	c.out = append(c.out, f)
}

// frontMatter reports unknown keys that look like typos of known ones and
// collects the others for one summary.
func (c *checker) frontMatter(a *content.Article) {
	if len(a.Extra) == 0 {
		return
	}
	var typos []string
	for _, k := range slices.Sorted(maps.Keys(a.Extra)) {
		if _, ok := suggest(k); ok {
			typos = append(typos, k)
			continue
		}
		if c.unknown == nil {
			c.unknown = map[string][]string{}
		}
		c.unknown[k] = append(c.unknown[k], a.Path)
	}
	if len(typos) == 0 && !c.opts.All {
		return
	}
	for _, k := range typos {
		s, _ := suggest(k)
		c.add(Finding{Path: a.Path, Line: a.KeyLine(k), Level: Error, Kind: KindUnknownKey,
			Message: fmt.Sprintf("front matter: unknown key %q; did you mean %q? (kb ignores the value)", k, s)})
	}
	if c.opts.All {
		for _, kl := range a.Keys {
			if _, extra := a.Extra[kl.Key]; extra && !slices.Contains(typos, kl.Key) {
				c.add(Finding{Path: a.Path, Line: kl.Line, Level: Info, Kind: KindUnknownKey,
					Message: fmt.Sprintf("front matter: key %q is not one of kb's; kept for themes", kl.Key)})
			}
		}
	}
}

// unknownKeys summarises the front-matter keys kb does not know and that
// are no likely typo: usually another documentation system's (ms.date,
// weight, layout), harmless, and kept for themes.
func (c *checker) unknownKeys() {
	if len(c.unknown) == 0 || c.opts.All {
		return
	}
	keys := slices.Collect(maps.Keys(c.unknown))
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(c.unknown[b]), len(c.unknown[a])), strings.Compare(a, b))
	})
	files := map[string]bool{}
	var list []string
	for i, k := range keys {
		for _, p := range c.unknown[k] {
			files[p] = true
		}
		if i < 8 {
			list = append(list, fmt.Sprintf("%s (%d)", k, len(c.unknown[k])))
		}
	}
	more := ""
	if len(keys) > len(list) {
		more = fmt.Sprintf(" and %d more", len(keys)-len(list))
	}
	c.out = append(c.out, Finding{Level: Info, Kind: KindUnknownKey, Message: fmt.Sprintf(
		"front matter: %d files use %d keys kb does not know: %s%s; kb keeps them for themes (likely typos of kb's keys are reported one by one; --all lists every use)",
		len(files), len(keys), strings.Join(list, ", "), more)})
}

// schemes summarises links removed for a scheme that is not dangerous, one
// finding per scheme at its first use.
func (c *checker) schemes() {
	for _, s := range slices.Sorted(maps.Keys(c.foreign)) {
		fs := c.foreign[s]
		sortFindings(fs)
		f := fs[0]
		if len(fs) > 1 {
			files := map[string]bool{}
			for _, g := range fs {
				files[g.Path] = true
			}
			f.Message += fmt.Sprintf(" (and %d more links with scheme %s: in %d files; kb links only http, https and mailto; --all lists them)", len(fs)-1, s, len(files))
		}
		c.out = append(c.out, f)
	}
}

// runbook warns about a runbook that on-call cannot reach from an alert or
// whose owners are unknown. Folder index files are not runbooks of their own.
func (c *checker) runbook(a *content.Article) {
	if a.Type != content.TypeRunbook || content.IsIndexFile(a.Path) {
		return
	}
	var missing []string
	if len(a.Alerts) == 0 && a.FileAlert() == "" { // a file named after its alert answers it
		missing = append(missing, "alerts:")
	}
	if a.Service == "" {
		missing = append(missing, "service:")
	}
	if len(a.Owners) == 0 {
		missing = append(missing, "owners:")
	}
	if len(missing) == 0 {
		return
	}
	var whys []string
	if missing[0] == "alerts:" {
		whys = append(whys, "alerts: routes /alerts/{name} here")
	}
	if a.Service == "" || len(a.Owners) == 0 {
		whys = append(whys, "service: and owners: tell on-call whose it is")
	}
	why := strings.Join(whys, ", ")
	c.add(Finding{Path: a.Path, Level: Warning, Kind: KindMissingField,
		Message: fmt.Sprintf("runbook without %s in its front matter (%s)", joinAnd(missing), why)})
}

func joinAnd(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// day is the unit of review intervals.
const day = 24 * time.Hour

// review warns about a review date past its interval (the article's
// review_every, else kb.yaml's) or in the future.
func (c *checker) review(a *content.Article) {
	if a.Reviewed.IsZero() {
		return
	}
	every := a.ReviewEvery
	if every == 0 {
		every = time.Duration(c.snap.Site.ReviewEvery)
	}
	now := c.opts.Now
	switch {
	case a.Reviewed.After(now.Add(day)):
		c.add(Finding{Path: a.Path, Line: a.KeyLine("reviewed"), Level: Warning, Kind: KindStale,
			Message: fmt.Sprintf("reviewed: %s is in the future", a.Reviewed.Format(time.DateOnly))})
	case every > 0 && now.Sub(a.Reviewed) > every:
		age := int(now.Sub(a.Reviewed) / day)
		c.add(Finding{Path: a.Path, Line: a.KeyLine("reviewed"), Level: Warning, Kind: KindStale,
			Message: fmt.Sprintf("review is overdue: reviewed %s, %d days ago, and due every %d days; check the article and set reviewed: %s",
				a.Reviewed.Format(time.DateOnly), age, int(every/day), now.Format(time.DateOnly))})
	}
}
