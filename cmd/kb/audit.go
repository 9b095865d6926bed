package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"kb/tickets"
)

const auditUsage = `usage:
  kb audit [--since 24h|2026-11-02|2026-11-02T09:00:00Z] [--limit N] [--format text|json] [--data DIR | --store postgres://...]`

// runAudit prints the audit trail, newest first.
func runAudit(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("kb audit", flag.ContinueOnError)
	flags.SetOutput(stderr)
	data := envOr(getenv, "data", "kb-data")
	flags.StringVar(&data, "data", data, "folder of the links database (env KB_DATA)")
	storeURL := envOr(getenv, "store", "")
	flags.StringVar(&storeURL, "store", storeURL, "the PostgreSQL database of a fleet, postgres://...; empty: the bbolt file in --data (env KB_STORE)")
	since := flags.String("since", "", "only entries from this time on: a duration back from now (24h, 90m) or a date or RFC 3339 time")
	limit := flags.Int("limit", 100, "entries printed at most")
	format := flags.String("format", "text", "text or json (one object per line)")
	pos, err := parseInterleaved(flags, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		fmt.Fprintln(stderr, auditUsage)
		return errors.New("kb audit takes no arguments")
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("--format %q: text or json", *format)
	}
	if *limit <= 0 {
		return fmt.Errorf("--limit %d: at least 1", *limit)
	}
	from, err := parseSince(*since, now())
	if err != nil {
		return err
	}
	store, closeStore, err := openStore(ctx, data, storeURL)
	if err != nil {
		return err
	}
	defer closeStore()
	events, err := store.List(ctx, tickets.AuditQuery{Since: from, Limit: *limit})
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		for _, e := range events {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "TIME\tWHO\tACTION\tTARGET\tFROM\tDETAIL")
	for _, e := range events {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.UTC().Format(time.RFC3339), e.Who, e.Action, e.Target, e.From, e.Detail)
	}
	return w.Flush()
}

// parseSince reads --since: a duration back from now, a date (UTC) or an
// RFC 3339 time; "" is the whole trail.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: a duration such as 24h, a date such as 2026-11-02 or an RFC 3339 time", s)
}
