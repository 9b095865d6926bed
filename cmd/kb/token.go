package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"kb/tickets"
)

const tokenUsage = `usage:
  kb token create NAME [--scope links:write|read] [--read-path GLOB]... [--data DIR | --store postgres://...]
  kb token list [--data DIR | --store postgres://...]
  kb token revoke NAME [--data DIR | --store postgres://...]`

// runToken manages API tokens: the secret is printed once at creation and
// only its hash is stored.
func runToken(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, tokenUsage)
		return flag.ErrHelp
	}
	verb := args[0]
	flags := flag.NewFlagSet("kb token "+verb, flag.ContinueOnError)
	flags.SetOutput(stderr)
	data := envOr(getenv, "data", "kb-data")
	flags.StringVar(&data, "data", data, "folder of the links database (env KB_DATA)")
	storeURL := envOr(getenv, "store", "")
	flags.StringVar(&storeURL, "store", storeURL, "the PostgreSQL database of a fleet, postgres://...; empty: the bbolt file in --data (env KB_STORE)")
	scope := string(tickets.ScopeWrite)
	var readPaths repeated
	if verb == "create" {
		flags.StringVar(&scope, "scope", scope, "links:write (write links, and read) or read")
		flags.Var(&readPaths, "read-path", "limit what the token reads to the paths matching this glob (security/**); repeatable")
	}
	pos, err := parseInterleaved(flags, args[1:])
	if err != nil {
		return err
	}
	want := map[string]int{"create": 1, "list": 0, "revoke": 1}
	n, ok := want[verb]
	if !ok || len(pos) != n {
		fmt.Fprintln(stderr, tokenUsage)
		return errors.New("kb token: wrong arguments")
	}
	store, closeStore, err := openStore(ctx, data, storeURL)
	if err != nil {
		return err
	}
	defer closeStore()
	switch verb {
	case "create":
		secret, err := store.CreateToken(ctx, pos[0], tickets.Scope(scope), readPaths...)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", secret)
		fmt.Fprintf(stderr, "token %q (%s) created; it is shown only this once. Use it as: Authorization: Bearer <token>\n", pos[0], scope)
		detail := "scope " + scope
		if len(readPaths) > 0 {
			detail += ", read paths " + strings.Join(readPaths, " ")
		}
		auditCLI(ctx, store, getenv, now, stderr, tickets.Event{Action: tickets.ActTokenCreate, Target: pos[0], Detail: detail})
	case "list":
		list, err := store.Tokens(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tSCOPE\tREAD PATHS\tCREATED\tFIRST USED")
		for _, t := range list {
			used := "never"
			if !t.FirstUsed.IsZero() {
				used = t.FirstUsed.Format("2006-01-02 15:04")
			}
			paths := "all"
			if t.ReadPaths != nil {
				paths = strings.Join(t.ReadPaths, " ")
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Scope, paths, t.Created.Format("2006-01-02 15:04"), used)
		}
		return w.Flush()
	case "revoke":
		if err := store.RevokeToken(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "token %q revoked\n", pos[0])
		auditCLI(ctx, store, getenv, now, stderr, tickets.Event{Action: tickets.ActTokenRevoke, Target: pos[0]})
	}
	return nil
}

// parseInterleaved parses flags that may come before or after positional
// arguments ("create NAME --scope read") and returns the positional ones.
func parseInterleaved(flags *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		args = flags.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// envOr returns the KB_ environment variable of flag name, or def.
func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(envName(name)); v != "" {
		return v
	}
	return def
}

// auditCLI appends an act of the command line to the audit trail: who is
// the operating-system user, from "cli". The act is done already, so a
// failure is reported, not returned.
func auditCLI(ctx context.Context, store tickets.Audit, getenv func(string) string, now func() time.Time, stderr io.Writer, e tickets.Event) {
	e.Who, e.From, e.Time = "cli", "cli", now()
	if u := getenv("USER"); u != "" {
		e.Who = "cli:" + u
	}
	if err := store.Append(ctx, e); err != nil {
		fmt.Fprintf(stderr, "kb: warning: audit trail not written: %v\n", err)
	}
}

// repeated is a flag that may be given more than once (--read-path A
// --read-path B).
type repeated []string

func (r *repeated) String() string { return strings.Join(*r, " ") }

func (r *repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}
