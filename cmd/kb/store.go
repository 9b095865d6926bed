package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"kb/feedback"
	"kb/postgres"
	"kb/tickets"
)

const storeUsage = `usage:
  kb store copy --from STORE --to STORE   copy every link, token, delivery, mention, resolved ticket and
                                          "this helped" count into an empty store, then verify the counts
  kb store migrate --store URL            apply the schema migrations of this kb to a PostgreSQL database

A STORE is a bbolt file (kb-data/kb.db, or the --data folder holding it) or a
PostgreSQL URL (postgres://user@host:5432/kb?sslmode=disable). Stop the kb
serving the source first: a copy of a store being written is refused by the check.`

// isPostgresURL reports whether s names a PostgreSQL database.
func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// openPostgresCLI opens the database at url for a command: unlike kb
// serve, a command fails at once when it cannot reach it.
func openPostgresCLI(ctx context.Context, url string) (*postgres.DB, error) {
	if !isPostgresURL(url) {
		return nil, fmt.Errorf("--store %q: want a PostgreSQL URL, postgres://user@host:5432/db", redact(url))
	}
	db, err := postgres.Open(ctx, url, postgres.Options{Now: time.Now})
	if err != nil {
		return nil, err
	}
	if err := db.Health(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// redact hides the user and password of a URL for messages.
func redact(s string) string {
	scheme := strings.Index(s, "://")
	at := strings.LastIndex(s, "@")
	if scheme < 0 || at < scheme+3 {
		return s
	}
	return s[:scheme+3] + "xxxxx" + s[at:]
}

// copyEnd is one side of kb store copy.
type copyEnd struct {
	links interface {
		tickets.Source
		tickets.Sink
	}
	feedback interface {
		HelpfulCounts(ctx context.Context) (map[string]int, error)
		SetHelpful(ctx context.Context, counts map[string]int) error
	}
	name  string
	close func()
}

// openEnd opens a store named on kb store copy's command line.
func openEnd(ctx context.Context, spec string, create bool) (copyEnd, error) {
	if isPostgresURL(spec) {
		db, err := openPostgresCLI(ctx, spec)
		if err != nil {
			return copyEnd{}, err
		}
		return copyEnd{links: db.Links(), feedback: db.Feedback(), name: "postgres " + db.Name(), close: db.Close}, nil
	}
	path := spec
	if info, err := os.Stat(spec); err == nil && info.IsDir() {
		path = filepath.Join(spec, dbFile)
	}
	if _, err := os.Stat(path); err != nil && !create {
		return copyEnd{}, fmt.Errorf("%s: %w", path, err)
	}
	db, err := openDBFile(path)
	if err != nil {
		return copyEnd{}, err
	}
	links, err := tickets.Open(db, time.Now)
	if err != nil {
		db.Close()
		return copyEnd{}, err
	}
	fb, err := feedback.Open(db)
	if err != nil {
		db.Close()
		return copyEnd{}, err
	}
	return copyEnd{links: links, feedback: fb, name: path, close: func() { db.Close() }}, nil
}

// runStore runs kb store copy and kb store migrate.
func runStore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, storeUsage)
		return flag.ErrHelp
	}
	verb := args[0]
	flags := flag.NewFlagSet("kb store "+verb, flag.ContinueOnError)
	flags.SetOutput(stderr)
	var from, to string
	storeURL := envOr(getenv, "store", "")
	switch verb {
	case "copy":
		flags.StringVar(&from, "from", "", "the store to copy: a bbolt file or a PostgreSQL URL")
		flags.StringVar(&to, "to", "", "the empty store to copy into: a bbolt file (created) or a PostgreSQL URL")
	case "migrate":
		flags.StringVar(&storeURL, "store", storeURL, "the PostgreSQL database, postgres://... (env KB_STORE)")
	default:
		fmt.Fprintln(stderr, storeUsage)
		return fmt.Errorf("kb store: unknown command %q", verb)
	}
	pos, err := parseInterleaved(flags, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintln(stderr, storeUsage)
		return fmt.Errorf("kb store %s takes no arguments, got %q", verb, pos)
	}
	if verb == "migrate" {
		db, err := openPostgresCLI(ctx, storeURL)
		if err != nil {
			return err
		}
		db.Close()
		fmt.Fprintf(stderr, "schema of %s is up to date\n", db.Name())
		return nil
	}
	if from == "" || to == "" {
		fmt.Fprintln(stderr, storeUsage)
		return errors.New("kb store copy needs --from and --to")
	}
	src, err := openEnd(ctx, from, false)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer src.close()
	dst, err := openEnd(ctx, to, true)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer dst.close()
	return copyStore(ctx, src, dst, stdout)
}

// copyStore copies src into the empty dst and checks the counts.
func copyStore(ctx context.Context, src, dst copyEnd, stdout io.Writer) error {
	have, err := dst.feedback.HelpfulCounts(ctx)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	if len(have) > 0 {
		return fmt.Errorf("--to: %w: it holds \"this helped\" counts of %d articles; copy into a new one", tickets.ErrNotEmpty, len(have))
	}
	totals, err := tickets.Copy(ctx, src.links, dst.links)
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", src.name, dst.name, err)
	}
	helpful, err := src.feedback.HelpfulCounts(ctx)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if err := dst.feedback.SetHelpful(ctx, helpful); err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	got, err := dst.feedback.HelpfulCounts(ctx)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	if !maps.Equal(got, helpful) {
		return fmt.Errorf("%w: the \"this helped\" counts differ", tickets.ErrCopyMismatch)
	}
	fmt.Fprintf(stdout, "copied %s to %s: %d links, %d tokens, %d webhook deliveries, %d resolved tickets, %d mentions, %d \"this helped\" counts; every count verified\n",
		src.name, dst.name, totals.Links, totals.Tokens, totals.Deliveries, totals.Resolved, totals.Mentions, len(helpful))
	return nil
}
