package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"kb/tickets"
)

// notification is the payload of kb's notifications, sent with pg_notify
// once the write it announces is committed.
type notification struct {
	Replica  string   `json:"r"`
	Articles []string `json:"a,omitempty"`
	All      bool     `json:"all,omitempty"`
	Pull     bool     `json:"pull,omitempty"`
}

// parseNotification reads a payload of the channel: anyone with access to
// the database may NOTIFY on it, so it is checked like any input.
func parseNotification(payload string) (notification, error) {
	var msg notification
	dec := json.NewDecoder(strings.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&msg); err != nil {
		return notification{}, fmt.Errorf("notification %.80q: %w", payload, err)
	}
	if dec.More() {
		return notification{}, fmt.Errorf("notification %.80q: text after the JSON object", payload)
	}
	if msg.Replica == "" {
		return notification{}, fmt.Errorf("notification %.80q: no replica", payload)
	}
	if len(msg.Articles) == 0 {
		msg.Articles = nil
	}
	return msg, nil
}

// maxPayload keeps a notification under PostgreSQL's 8,000-byte limit; a
// longer list of articles becomes "all".
const maxPayload = 7000

// channel is the notification channel of db's schema: replicas on one
// schema share it, tests on schemas of their own never hear each other.
func (db *DB) channel() string {
	if s := db.schema.Load(); s != nil {
		return "kb_changes:" + *s
	}
	return "kb_changes"
}

// notify tells every replica listening that the links of articles
// changed. It is sent after the write's COMMIT, in a transaction of its
// own that writes nothing: a NOTIFY inside the write's transaction would
// hold PostgreSQL's notification queue lock through the commit's WAL flush
// and so serialize every concurrent link write. A notification lost
// between the two (the replica died) is made up for by the re-read of
// article versions; a failure is logged, never returned, since the write is
// committed.
func (db *DB) notify(ctx context.Context, articles []string) {
	payload, err := json.Marshal(notification{Replica: db.replica, Articles: articles})
	if err == nil && len(payload) > maxPayload {
		payload, err = json.Marshal(notification{Replica: db.replica, All: true})
	}
	if err == nil {
		err = db.call(ctx, false, func(ctx context.Context) error {
			_, err := db.pool.Exec(ctx, "SELECT pg_notify($1, $2)", db.channel(), string(payload))
			return err
		})
	}
	if err != nil && ctx.Err() == nil {
		db.log.Warn("cannot notify the other replicas of a link write; they see it at their next re-read", "err", err, "count", len(articles))
	}
}

// AnnouncePull asks the other replicas to pull their git ref now: a push
// webhook reaches one replica behind a load balancer, and this one passes
// it on.
func (db *DB) AnnouncePull(ctx context.Context) error {
	payload, err := json.Marshal(notification{Replica: db.replica, Pull: true})
	if err != nil {
		return fmt.Errorf("encode notification: %w", err)
	}
	return db.call(ctx, false, func(ctx context.Context) error {
		_, err := db.pool.Exec(ctx, "SELECT pg_notify($1, $2)", db.channel(), string(payload))
		return err
	})
}

// Run keeps db healthy and its replica current until ctx ends: it checks
// the database every HealthEvery (applying the schema once it answers, if
// it did not at Open), listens for the notifications of every replica's
// writes and passes them to OnChange, and reads every article's link
// version every ResyncEvery, and at once after an outage or a lost
// listening connection, to catch what a notification missed.
func (db *DB) Run(ctx context.Context) {
	resync := make(chan bool, 1) // true: report every article
	trigger := func(all bool) {
		select {
		case resync <- all:
		default:
			if all { // a pending plain resync must become an "all" one
				select {
				case <-resync:
				default:
				}
				resync <- true
			}
		}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { db.healthLoop(ctx, trigger) })
	wg.Go(func() { db.listenLoop(ctx, trigger) })
	wg.Go(func() { db.resyncLoop(ctx, resync) })
}

// healthLoop pings the database; the first answer after an outage clears
// Health and asks for a full resync, since pages rendered meanwhile show no
// tickets.
func (db *DB) healthLoop(ctx context.Context, trigger func(all bool)) {
	t := time.NewTicker(db.opts.HealthEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := db.check(ctx)
		if ctx.Err() != nil {
			return
		}
		was := db.down.Load()
		switch {
		case err == nil && was != nil:
			db.down.Store(nil)
			db.log.Info("PostgreSQL answers again; ticket links are back", "store", db.name, "dur", db.opts.Now().Sub(was.since).Round(time.Millisecond))
			trigger(true)
		case err != nil && was == nil:
			db.markDown(err)
			db.pool.Reset() // no broken connection is handed out once it answers again
			db.log.Warn("PostgreSQL is unavailable; serving pages and search, link writes answer 503", "err", err, "store", db.name)
		case err != nil:
			db.markDown(err) // the latest reason, for /readyz
		}
	}
}

// check sets the schema up if Open could not, else pings.
func (db *DB) check(ctx context.Context) error {
	if !db.ready.Load() {
		err := db.setup(ctx)
		if errors.Is(err, ErrSchemaNewer) {
			db.log.Error("this kb cannot use the database: upgrade it", "err", err)
			return fmt.Errorf("%w: %w", tickets.ErrUnavailable, err)
		}
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, db.opts.ConnectTimeout)
	defer cancel()
	if err := db.pool.Ping(pctx); err != nil {
		return fmt.Errorf("%w: ping %s: %w", tickets.ErrUnavailable, db.name, err)
	}
	return nil
}

// listenLoop holds a connection of its own that LISTENs on the channel, and
// opens it again when it breaks.
func (db *DB) listenLoop(ctx context.Context, trigger func(all bool)) {
	lost := false
	for ctx.Err() == nil {
		if db.ready.Load() {
			err := db.listen(ctx, func() {
				if lost { // notifications may have been missed meanwhile
					trigger(false)
				}
			})
			if ctx.Err() != nil {
				return
			}
			if db.listened.Swap(false) {
				db.log.Warn("lost the PostgreSQL notification connection; reconnecting", "err", err, "store", db.name)
				lost = true
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(db.opts.HealthEvery):
		}
	}
}

// listen runs one LISTEN connection until it fails or ctx ends.
func (db *DB) listen(ctx context.Context, started func()) error {
	actx, cancel := context.WithTimeout(ctx, db.opts.ConnectTimeout)
	pc, err := db.pool.Acquire(actx)
	cancel()
	if err != nil {
		return err
	}
	conn := pc.Hijack() // held for as long as it listens, outside the pool
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx) // it is being discarded; its error says nothing new
	}()
	lctx, cancel := context.WithTimeout(ctx, db.opts.StatementTimeout)
	_, err = conn.Exec(lctx, "LISTEN "+pgx.Identifier{db.channel()}.Sanitize())
	cancel()
	if err != nil {
		return err
	}
	db.listened.Store(true)
	started()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		msg, err := parseNotification(n.Payload)
		if err != nil {
			db.log.Warn("ignoring a notification kb did not write", "err", err)
			continue
		}
		switch {
		case msg.Pull:
			if msg.Replica != db.replica && db.opts.OnPull != nil {
				db.opts.OnPull()
			}
		case db.opts.OnChange != nil:
			db.opts.OnChange(Change{Articles: msg.Articles, All: msg.All})
		}
	}
}

// Listening reports whether the notification connection is open: while it
// is not, other replicas' writes show here within ResyncEvery only.
func (db *DB) Listening() bool { return db.listened.Load() }

// resyncLoop reads every article's link version and reports the articles
// whose version moved since the last read.
func (db *DB) resyncLoop(ctx context.Context, resync <-chan bool) {
	t := time.NewTicker(db.opts.ResyncEvery)
	defer t.Stop()
	var seen map[string]int64
	for {
		all := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case all = <-resync:
		}
		if !db.ready.Load() {
			continue
		}
		versions, err := db.versions(ctx)
		if err != nil {
			if ctx.Err() == nil {
				db.log.Debug("cannot read the link versions; trying again later", "err", err)
			}
			continue
		}
		if db.opts.OnChange == nil {
			continue
		}
		if all {
			db.opts.OnChange(Change{All: true})
		} else if seen != nil {
			var changed []string
			for id, v := range versions {
				if seen[id] != v {
					changed = append(changed, id)
				}
			}
			if len(changed) > 0 {
				db.log.Info("links changed without a notification; pages updated", "count", len(changed))
				db.opts.OnChange(Change{Articles: changed})
			}
		}
		seen = versions
	}
}

// versions reads the link version of every article.
func (db *DB) versions(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.call(ctx, true, func(ctx context.Context) error {
		clear(out)
		rows, err := db.pool.Query(ctx, "SELECT article, version FROM article_links")
		if err != nil {
			return err
		}
		var id string
		var v int64
		_, err = pgx.ForEachRow(rows, []any{&id, &v}, func() error { out[id] = v; return nil })
		return err
	})
	return out, err
}
