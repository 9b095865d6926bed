package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"kb/tickets"
)

// migrations are the versioned schema changes, applied in order by goose at
// start; a file is never edited once released, a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Defaults of Options.
const (
	defaultConnectTimeout   = 5 * time.Second
	defaultStatementTimeout = 5 * time.Second
	defaultResyncEvery      = 30 * time.Second
	defaultHealthEvery      = time.Second
	defaultMaxConns         = 10
	// scanTimeout bounds a statement that reads a whole table (Each,
	// exports, copies): longer than a lookup may take, never unbounded.
	scanTimeout    = 5 * time.Minute
	migrateTimeout = time.Minute
)

// ErrSchemaNewer is returned by Open for a database whose schema was
// migrated by a newer kb than this one: this kb would misread it.
var ErrSchemaNewer = errors.New("the database schema is newer than this kb knows")

// Options configure a DB; zero values take the defaults.
type Options struct {
	Logger *slog.Logger
	// Now stamps links, tokens and deliveries; nil means time.Now.
	Now func() time.Time
	// ConnectTimeout bounds opening one connection (5 s).
	ConnectTimeout time.Duration
	// StatementTimeout bounds one read or write, as a context deadline
	// (5 s); the server also cancels a statement that runs twice as long.
	StatementTimeout time.Duration
	// MaxConns bounds the pool (10).
	MaxConns int32
	// HealthEvery is how often Run checks the database (1 s).
	HealthEvery time.Duration
	// ResyncEvery is how often Run reads every article's link version,
	// the safety net for a missed notification (30 s).
	ResyncEvery time.Duration
	// OnChange is called by Run for every change another replica (or this
	// one) made; nil: changes are not followed.
	OnChange func(Change)
	// AuditLimits bound the audit trail (90 days, 100,000 entries).
	AuditLimits tickets.AuditLimits
	// OnPull is called by Run when another replica was asked to pull its
	// git ref (a push webhook reaches one replica of a fleet); nil: ignored.
	OnPull func()
}

// Change is what changed in the shared store.
type Change struct {
	// Articles whose links changed.
	Articles []string
	// All: anything may have changed (the first read after an outage, a
	// notification too large to name its articles).
	All bool
}

// DB is kb's PostgreSQL database: a pool with timeouts, the schema applied
// at start, and the notifications that keep replicas current. Links and
// Feedback return the stores over it.
type DB struct {
	pool     *pgxpool.Pool
	opts     Options
	log      *slog.Logger
	name     string // host:port/database, for people: never the password
	replica  string // this process's id in notifications
	schema   atomic.Pointer[string]
	ready    atomic.Bool                // the schema was checked and applied
	down     atomic.Pointer[healthNote] // why the database is unavailable; nil when it answers
	listened atomic.Bool                // a LISTEN connection is open
}

// healthNote is why the database is unavailable, and since when.
type healthNote struct {
	err   error
	since time.Time
}

// Open prepares the database at url (postgres://user@host:port/db?...):
// the pool, then the schema, migrated to this kb's version. A database that
// cannot be reached is not an error: the DB reports it (Health), every
// store call fails with tickets.ErrUnavailable, and Run connects and
// migrates as soon as it answers. A schema newer than this kb's, a bad URL
// or a refused login are errors.
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	opts.ConnectTimeout = cmpOr(opts.ConnectTimeout, defaultConnectTimeout)
	opts.StatementTimeout = cmpOr(opts.StatementTimeout, defaultStatementTimeout)
	opts.HealthEvery = cmpOr(opts.HealthEvery, defaultHealthEvery)
	opts.ResyncEvery = cmpOr(opts.ResyncEvery, defaultResyncEvery)
	if opts.MaxConns <= 0 {
		opts.MaxConns = defaultMaxConns
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres store URL: %w", err)
	}
	cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	cfg.MaxConns = opts.MaxConns
	cfg.PingTimeout = opts.ConnectTimeout
	cfg.HealthCheckPeriod = 5 * time.Second
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "kb"
	}
	// Acknowledged means committed and flushed (and, where the server
	// replicates synchronously, on the standby too), whatever the
	// server's default says.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	// A backstop for a statement whose client went away: the context
	// deadline ends it on kb's side first.
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint((scanTimeout + time.Minute).Milliseconds())
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres store: %w", err)
	}
	db := &DB{
		pool: pool, opts: opts, log: opts.Logger,
		name:    fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database),
		replica: replicaID(),
	}
	if err := db.setup(ctx); err != nil {
		if !errors.Is(err, tickets.ErrUnavailable) {
			pool.Close()
			return nil, err
		}
		db.markDown(err)
		db.log.Warn("PostgreSQL is unavailable; kb serves pages and search, link writes answer 503 until it answers", "err", err, "store", db.name)
	}
	return db, nil
}

// replicaID names this process in notifications, so that it can tell its
// own from the other replicas'.
func replicaID() string {
	return fmt.Sprintf("%016x", rand.Uint64())
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Close closes the pool.
func (db *DB) Close() { db.pool.Close() }

// Name names the database for /readyz and logs: host:port/database.
func (db *DB) Name() string { return db.name }

// Health returns why the database is unavailable, wrapping
// tickets.ErrUnavailable, or nil when it answered the last check.
func (db *DB) Health() error {
	if n := db.down.Load(); n != nil {
		return n.err
	}
	return nil
}

// markDown records that the database is unavailable: the latest reason,
// since the first.
func (db *DB) markDown(err error) {
	since := db.opts.Now()
	if prev := db.down.Load(); prev != nil {
		since = prev.since
	}
	db.down.Store(&healthNote{err: err, since: since})
}

// setup checks and migrates the schema and learns the notification channel.
func (db *DB) setup(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, migrateTimeout)
	defer cancel()
	var schema string
	if err := db.pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return db.classify(ctx, fmt.Errorf("connect to %s: %w", db.name, err))
	}
	if err := db.migrate(ctx, schema); err != nil {
		return err
	}
	db.schema.Store(&schema)
	db.ready.Store(true)
	return nil
}

// migrate applies the embedded migrations with goose under a session lock
// (one replica at a time; the others wait, then find nothing to do), after
// refusing a schema newer than any migration this kb has.
func (db *DB) migrate(ctx context.Context, schema string) error {
	sqlDB := stdlib.OpenDBFromPool(db.pool) // closing it leaves the pool open
	defer sqlDB.Close()
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("kb schema " + schema))
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64()>>1)), lock.WithLockTimeout(1, 60))
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true), goose.WithTableName("kb_schema_version"))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	sources := p.ListSources()
	known := sources[len(sources)-1].Version
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return db.classify(ctx, fmt.Errorf("read the schema version of %s: %w", db.name, err))
	}
	if current > known {
		return fmt.Errorf("%w: %s has schema version %d, this kb knows up to %d: upgrade kb on this replica before starting it (the schema is never migrated down)",
			ErrSchemaNewer, db.name, current, known)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return db.classify(ctx, fmt.Errorf("migrate %s from schema version %d: %w", db.name, current, err))
	}
	for _, r := range res {
		db.log.Info("schema migrated", "version", r.Source.Version, "path", r.Source.Path, "dur", r.Duration, "store", db.name)
	}
	return nil
}

// txAttempts bounds the runs of one transaction: a broken connection is
// retried once, a deadlock or serialization failure a few times.
const txAttempts = 5

// tx runs fn in a transaction that is committed when fn returns nil, with
// the statement timeout; a nil error means committed. A connection found
// broken before anything was sent (a restarted server), and a transaction
// the server aborted to break a deadlock, are run again; fn must derive
// everything from the transaction it is given.
func (db *DB) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	if err := db.usable(ctx); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err := db.tryTx(ctx, fn)
		if err == nil || attempt == txAttempts || ctx.Err() != nil || !(pgconn.SafeToRetry(err) && attempt == 1 || conflict(err)) {
			return db.classify(ctx, err)
		}
		if conflict(err) { // let the other transaction finish first
			time.Sleep(time.Duration(rand.IntN(10*attempt)+1) * time.Millisecond)
		}
	}
}

// conflict reports a transaction the server aborted for another one's
// sake: it succeeds when run again.
func conflict(err error) bool {
	var pge *pgconn.PgError
	return errors.As(err, &pge) && (pge.Code == "40P01" || pge.Code == "40001")
}

func (db *DB) tryTx(ctx context.Context, fn func(pgx.Tx) error) error {
	sctx, cancel := context.WithTimeout(ctx, db.opts.StatementTimeout)
	defer cancel()
	return pgx.BeginFunc(sctx, db.pool, fn)
}

// call runs fn, one statement (a read, or a write that is a transaction by
// itself), with the statement timeout (or scanTimeout for whole tables); a
// connection found broken before anything was sent is retried once.
func (db *DB) call(ctx context.Context, whole bool, fn func(ctx context.Context) error) error {
	if err := db.usable(ctx); err != nil {
		return err
	}
	timeout := db.opts.StatementTimeout
	if whole {
		timeout = scanTimeout
	}
	for attempt := 0; ; attempt++ {
		sctx, cancel := context.WithTimeout(ctx, timeout)
		err := fn(sctx)
		cancel()
		if err == nil || attempt > 0 || !pgconn.SafeToRetry(err) || ctx.Err() != nil {
			return db.classify(ctx, err)
		}
	}
}

// usable fails fast while the schema is not set up (the database was
// unreachable at start) or the caller is gone.
func (db *DB) usable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !db.ready.Load() {
		if err := db.Health(); err != nil {
			return err
		}
		return fmt.Errorf("%w: the schema of %s is not set up yet", tickets.ErrUnavailable, db.name)
	}
	return nil
}

// classify marks the errors that mean "the database is unavailable" with
// tickets.ErrUnavailable (and notes it for Health), a full disk with
// ENOSPC and a read-only server with tickets.ErrReadOnly, so that the
// server answers 503 or 507 with Retry-After. The caller's own
// cancellation stays what it is.
func (db *DB) classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ce *callerError
	if errors.As(err, &ce) || ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return err
	}
	var pge *pgconn.PgError
	if errors.As(err, &pge) {
		switch {
		case pge.Code == "53100": // disk_full
			return fmt.Errorf("%w: %w", syscall.ENOSPC, err)
		case pge.Code == "25006": // read_only_sql_transaction: a standby
			return fmt.Errorf("%w: %w", tickets.ErrReadOnly, err)
		case pge.Code[:2] == "08", pge.Code == "57P01", pge.Code == "57P02", pge.Code == "57P03", pge.Code == "53300", pge.Code == "3D000", pge.Code == "57014":
			// connection exceptions, shutdowns, too many connections, a
			// database that is gone, a statement canceled by the server
		default:
			return err
		}
	} else if !unreachable(err) {
		return err
	}
	err = fmt.Errorf("%w: %w", tickets.ErrUnavailable, err)
	db.markDown(err)
	return err
}

// unreachable reports whether err means no answer came from the server.
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
