package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"

	"kb/content"
)

// batchSize is the number of articles indexed per bleve batch. Each batch
// becomes one segment: at 10,000 articles batches of 128 made ~80 segments
// and a forced merge (15% of a cold start's CPU); 1,000 is what the bare
// bleve build of make bench-scale uses.
const batchSize = 1000

// acquireWriter takes the writer token, giving up when ctx ends or the
// index closes.
func (x *Index) acquireWriter(ctx context.Context) (release func(), err error) {
	if x.opts.ReadOnly {
		return nil, ErrReadOnly
	}
	select {
	case x.writer <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-x.closing:
		return nil, ErrClosed
	}
	return func() { <-x.writer }, nil
}

// stopped returns why a long write must stop: ctx ended or Close was called.
func (x *Index) stopped(ctx context.Context) error {
	select {
	case <-x.closing:
		return ErrClosed
	default:
		return ctx.Err()
	}
}

func (x *Index) current() *generation {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.cur
}

// Sync brings the index to snap. A missing, damaged or outdated index is
// rebuilt beside the serving one and swapped in; otherwise only articles
// whose indexed content changed are indexed again, and those gone are
// deleted. It records snap.Version. Writes are serialised: a Sync waits for
// a running Update or Sync.
func (x *Index) Sync(ctx context.Context, snap *content.Snapshot) error {
	if snap == nil {
		return errors.New("search: sync with no snapshot")
	}
	release, err := x.acquireWriter(ctx)
	if err != nil {
		return err
	}
	defer release()
	g := x.current()
	if g == nil || g.broken.Load() {
		return x.rebuild(ctx, snap)
	}
	err = x.syncChanges(ctx, g, snap)
	if err == nil || x.stopped(ctx) != nil {
		return err
	}
	x.log.Warn("search index update failed; rebuilding it", "err", err)
	x.setErr(err)
	return x.rebuild(ctx, snap)
}

// Rebuild builds a new index from snap beside the serving one and swaps it
// in (kb index). Searches keep using the old index until then.
func (x *Index) Rebuild(ctx context.Context, snap *content.Snapshot) error {
	if snap == nil {
		return errors.New("search: rebuild with no snapshot")
	}
	release, err := x.acquireWriter(ctx)
	if err != nil {
		return err
	}
	defer release()
	return x.rebuild(ctx, snap)
}

// rebuild builds a complete generation from snap and swaps it in.
func (x *Index) rebuild(ctx context.Context, snap *content.Snapshot) (err error) {
	x.building.Store(true)
	defer x.building.Store(false)
	start := time.Now()

	name := ""
	var idx bleve.Index
	if x.dir == "" {
		idx, err = bleve.NewMemOnly(x.mapping)
	} else {
		name = "gen-" + strconv.FormatInt(time.Now().UnixNano(), 10)
		idx, err = bleve.NewUsing(filepath.Join(x.dir, name), x.mapping, scorch.Name, scorch.Name,
			map[string]any{"bolt_timeout": x.opts.LockTimeout.String()})
	}
	if err != nil {
		err = fmt.Errorf("create search index: %w", err)
		x.setErr(err)
		return err
	}
	g := &generation{name: name, idx: idx, learned: learnedWords{}}
	if ruleSet(x.opts.Off).on(RuleLearnedWords) {
		g.learned = learnWords(snap.Articles)
	}
	man := make(manifest, len(snap.Articles))
	handedOver := false
	defer func() {
		if err != nil && !handedOver { // swap throws away what it was handed
			if cerr := closeIndex(idx); cerr != nil {
				x.log.Warn("cannot close unfinished search index", "err", cerr)
			}
			if name != "" {
				if rerr := os.RemoveAll(filepath.Join(x.dir, name)); rerr != nil {
					x.log.Warn("cannot remove unfinished search index", "err", rerr, "path", name)
				}
			}
			if !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled) {
				x.setErr(err)
			}
		}
	}()

	batch := idx.NewBatch()
	for i, a := range snap.Articles {
		if i%64 == 0 {
			if err := x.stopped(ctx); err != nil {
				return err
			}
		}
		d := x.document(a, x.docOptions(g, a))
		if err := batch.Index(d.id, d.fields); err != nil {
			return fmt.Errorf("index %s: %w", a.Path, err)
		}
		man.set(d)
		x.indexed.Add(1)
		if batch.Size() >= batchSize {
			if err := idx.Batch(batch); err != nil {
				return fmt.Errorf("build search index: %w", err)
			}
			batch.Reset()
		}
	}
	meta := indexMeta{Mapping: MappingVersion, Content: snap.Version, Built: time.Now().UTC()}
	if err := setState(batch, &meta, man); err != nil {
		return err
	}
	if err := setLearned(batch, g.learned); err != nil {
		return err
	}
	if err := idx.Batch(batch); err != nil {
		return fmt.Errorf("build search index: %w", err)
	}
	g.meta.Store(&meta)
	g.manifest.Store(&man)
	if name != "" {
		x.compact(ctx, idx)
		if err := x.writeCurrent(name); err != nil {
			return err
		}
	}
	handedOver = true
	if err := x.swap(g); err != nil {
		return err
	}
	x.log.Info("search index built", "count", len(snap.Articles), "dur", time.Since(start).Round(time.Millisecond), "version", snap.Version)
	return nil
}

// compact merges a freshly built on-disk index into one segment, which
// makes searches faster and the index smaller. Failing that, bleve's
// background merging gets there later.
func (x *Index) compact(ctx context.Context, idx bleve.Index) {
	adv, err := idx.Advanced()
	if err != nil {
		return
	}
	if s, ok := adv.(*scorch.Scorch); ok {
		if err := s.ForceMerge(ctx, nil); err != nil {
			x.log.Warn("search index not compacted; searches are a little slower until bleve merges it", "err", err)
		}
	}
}

// docOptions returns what the indexed form of a depends on in g.
func (x *Index) docOptions(g *generation, a *content.Article) docOptions {
	o := docOptions{off: x.opts.Off, learned: g.learned}
	if x.opts.Evidence != nil {
		o.ev = x.opts.Evidence(a)
	}
	return o
}

// document builds the indexed form of a with o, reading its text. An
// article whose text is gone from the render cache (someone cleared it
// while kb runs) is indexed without it and with no fingerprint, so the
// next sync indexes it again, from the load that rendered it again.
func (x *Index) document(a *content.Article, o docOptions) document {
	text, code, err := a.Text()
	if err != nil {
		x.log.Warn("article indexed without its text until the next sync", "path", a.Path, "err", err)
	}
	d := newDocument(a, text, code, o)
	if err != nil {
		d.fingerprint = ""
	}
	return d
}

// setLearned adds the learned words to the batch that builds a generation.
func setLearned(batch *bleve.Batch, w learnedWords) error {
	words := make([]string, 0, len(w))
	for k := range w {
		words = append(words, k)
	}
	slices.Sort(words)
	raw, err := json.Marshal(words)
	if err != nil {
		return fmt.Errorf("encode learned words: %w", err)
	}
	batch.SetInternal([]byte(keyLearned), raw)
	return nil
}

// setState adds kb's metadata and manifest to batch, so they change in the
// same step as the documents.
func setState(batch *bleve.Batch, meta *indexMeta, man manifest) error {
	m, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("encode index metadata: %w", err)
	}
	mj, err := json.Marshal(man)
	if err != nil {
		return fmt.Errorf("encode index manifest: %w", err)
	}
	batch.SetInternal([]byte(keyMeta), m)
	batch.SetInternal([]byte(keyManifest), mj)
	batch.SetInternal([]byte(keyPending), []byte("{}"))
	return nil
}

// maxPending is how many changed manifest entries are stored on their own
// before the whole manifest is stored again.
const maxPending = 1000

// setPending adds kb's metadata and the manifest entries changed since the
// whole manifest was stored to batch; it returns them, or nil when it
// stored the whole manifest instead.
func setPending(batch *bleve.Batch, meta *indexMeta, g *generation, man manifest, touched []string) (manifest, error) {
	pending := maps.Clone(g.pending)
	if pending == nil {
		pending = manifest{}
	}
	for _, id := range touched {
		pending[id] = man[id] // nil once deleted
	}
	if len(pending) > maxPending {
		return nil, setState(batch, meta, man)
	}
	m, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("encode index metadata: %w", err)
	}
	pj, err := json.Marshal(pending)
	if err != nil {
		return nil, fmt.Errorf("encode index manifest changes: %w", err)
	}
	batch.SetInternal([]byte(keyMeta), m)
	batch.SetInternal([]byte(keyPending), pj)
	return pending, nil
}

// syncChanges indexes the articles of snap whose fingerprint differs from
// the manifest and deletes the ones snap no longer has.
func (x *Index) syncChanges(ctx context.Context, g *generation, snap *content.Snapshot) error {
	old := g.entries()
	man := maps.Clone(old)
	seen := make(map[string]bool, len(snap.Articles))
	batch := g.idx.NewBatch()
	changed, deleted := 0, 0
	for i, a := range snap.Articles {
		if i%64 == 0 {
			if err := x.stopped(ctx); err != nil {
				return err
			}
		}
		seen[a.ID] = true
		o := x.docOptions(g, a)
		if old.fingerprint(a.ID) == fingerprint(a, o.ev) {
			continue
		}
		d := x.document(a, o)
		if err := batch.Index(d.id, d.fields); err != nil {
			return fmt.Errorf("index %s: %w", a.Path, err)
		}
		man.set(d)
		changed++
		x.indexed.Add(1)
		if batch.Size() >= batchSize {
			if err := x.applyBatch(g, batch); err != nil {
				return err
			}
			batch.Reset()
		}
	}
	for id := range old {
		if !seen[id] {
			batch.Delete(id)
			delete(man, id)
			deleted++
		}
	}
	prev := g.meta.Load()
	if changed == 0 && deleted == 0 && prev.Content == snap.Version {
		return nil
	}
	meta := indexMeta{Mapping: MappingVersion, Content: snap.Version, Built: prev.Built}
	if err := setState(batch, &meta, man); err != nil {
		return err
	}
	if err := x.applyBatch(g, batch); err != nil {
		return err
	}
	g.pending = nil // the whole manifest is stored
	g.manifest.Store(&man)
	g.meta.Store(&meta)
	x.log.Info("search index updated", "count", changed, "deleted", deleted, "version", snap.Version)
	return nil
}

// applyBatch writes batch to the serving generation. It holds the read lock
// so the generation cannot be closed underneath.
func (x *Index) applyBatch(g *generation, batch *bleve.Batch) (err error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.closed {
		return ErrClosed
	}
	defer func() {
		if r := recover(); r != nil {
			g.broken.Store(true)
			err = fmt.Errorf("write search index: damaged: %v", r)
		}
	}()
	if err := g.idx.Batch(batch); err != nil {
		return fmt.Errorf("write search index: %w", err)
	}
	return nil
}

// Update indexes articles, replacing the ones with the same id, and makes
// them searchable before it returns. The index must have been built (Sync).
func (x *Index) Update(ctx context.Context, articles []*content.Article) error {
	return x.change(ctx, func(g *generation, batch *bleve.Batch, man manifest) ([]string, error) {
		ids := make([]string, 0, len(articles))
		for _, a := range articles {
			d := x.document(a, x.docOptions(g, a))
			if err := batch.Index(d.id, d.fields); err != nil {
				return nil, fmt.Errorf("index %s: %w", a.Path, err)
			}
			man.set(d)
			ids = append(ids, d.id)
			x.indexed.Add(1)
		}
		return ids, nil
	})
}

// Delete removes the articles with the given ids; unknown ids are ignored.
func (x *Index) Delete(ctx context.Context, ids []string) error {
	return x.change(ctx, func(_ *generation, batch *bleve.Batch, man manifest) ([]string, error) {
		for _, id := range ids {
			batch.Delete(id)
			delete(man, id)
		}
		return ids, nil
	})
}

// change applies one edit of the serving generation with its manifest; edit
// returns the ids whose entries it changed.
func (x *Index) change(ctx context.Context, edit func(*generation, *bleve.Batch, manifest) ([]string, error)) error {
	release, err := x.acquireWriter(ctx)
	if err != nil {
		return err
	}
	defer release()
	g := x.current()
	if g == nil {
		return ErrNotReady
	}
	man := maps.Clone(g.entries())
	batch := g.idx.NewBatch()
	touched, err := edit(g, batch, man)
	if err != nil {
		return err
	}
	meta := *g.meta.Load()
	meta.Content = "" // the index no longer matches a whole snapshot
	pending, err := setPending(batch, &meta, g, man, touched)
	if err != nil {
		return err
	}
	if err := x.applyBatch(g, batch); err != nil {
		return err
	}
	g.pending = pending
	g.manifest.Store(&man)
	g.meta.Store(&meta)
	return nil
}
