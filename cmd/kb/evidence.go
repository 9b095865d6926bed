package main

import (
	"context"
	"io"

	"kb/tickets"
)

// linksChanged is told which articles' ticket links a write changed
// (live.Evidence.LinksChanged); none given means any article's.
type linksChanged func(articles ...string)

// notifyingLinks is the links store as the server writes it: after each
// successful write it tells search which articles' solved tickets changed,
// so that the index follows within a second (search ranking rule 16).
type notifyingLinks struct {
	*tickets.Store
	changed linksChanged
}

// Add stores a link and reports its article.
func (n notifyingLinks) Add(ctx context.Context, l tickets.Link) (tickets.Link, bool, error) {
	stored, created, err := n.Store.Add(ctx, l)
	if err == nil {
		n.changed(stored.ArticleID)
	}
	return stored, created, err
}

// Delete removes a link and reports its article.
func (n notifyingLinks) Delete(ctx context.Context, system, key, article string) error {
	err := n.Store.Delete(ctx, system, key, article)
	if err == nil {
		n.changed(article)
	}
	return err
}

// Record stores a webhook delivery and reports the articles it linked.
func (n notifyingLinks) Record(ctx context.Context, d tickets.Delivery) ([]tickets.Link, bool, error) {
	stored, dup, err := n.Store.Record(ctx, d)
	if err == nil && len(stored) > 0 {
		ids := make([]string, 0, len(stored))
		for _, l := range stored {
			ids = append(ids, l.ArticleID)
		}
		n.changed(ids...)
	}
	return stored, dup, err
}

// Import reads links and reports that any article's may have changed.
func (n notifyingLinks) Import(ctx context.Context, r io.Reader) (int, error) {
	count, err := n.Store.Import(ctx, r)
	if err == nil && count > 0 {
		n.changed()
	}
	return count, err
}
