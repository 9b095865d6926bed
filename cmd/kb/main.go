// Command kb serves a folder of Markdown runbooks and articles as a fast,
// searchable knowledge base. See README.md for the commands and flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, time.Now, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kb:", err)
		os.Exit(1)
	}
}

const usage = `kb serves a folder of Markdown runbooks and articles as a knowledge base.

Usage:
  kb serve   [--content DIR] [--data DIR] [--addr HOST:PORT] [--theme DIR]
  kb index   [--content DIR] [--data DIR]           rebuild the search index
  kb search  [--data DIR] [--server URL] [--json] [--limit N] QUERY...
  kb token   create|list|revoke NAME [--scope links:write|read] [--data DIR | --store URL]
  kb audit   [--since DUR|TIME] [--limit N] [--format text|json] [--data DIR | --store URL]   the audit trail, newest first
  kb links   export|import [--data DIR | --store URL]
  kb store   copy --from STORE --to STORE | migrate --store URL   move links between bbolt and PostgreSQL
  kb check   [--content DIR] [--format text|json|github] [--strict]   lint content for CI
  kb coverage --rules FILE... [--content DIR] [--format text|json]   alerts without runbooks
  kb new     runbook|article TITLE [--service S] [--alerts A,B] --content DIR
  kb version

Run "kb COMMAND -h" for the flags of a command. Every flag can also be set
with an environment variable: --content is KB_CONTENT, --addr is KB_ADDR, ...
`

// run is the whole program behind main, so tests can call it. now is the
// clock of everything that reasons about dates (review dates, report windows).
func run(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		cfg, err := parseConfig(cmd, rest, getenv, stderr)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, now, stderr)
	case "index", "search":
		cfg, err := parseConfig(cmd, rest, getenv, stderr)
		if err != nil {
			return err
		}
		if cmd == "index" {
			return runIndex(ctx, cfg, stdout, stderr)
		}
		return runSearch(ctx, cfg, stdout)
	case "token":
		return runToken(ctx, rest, getenv, now, stdout, stderr)
	case "audit":
		return runAudit(ctx, rest, getenv, now, stdout, stderr)
	case "links":
		return runLinks(ctx, rest, getenv, stdin, stdout, stderr)
	case "store":
		return runStore(ctx, rest, getenv, stdout, stderr)
	case "check":
		return runCheck(ctx, rest, getenv, now, stdout, stderr)
	case "coverage":
		return runCoverage(ctx, rest, getenv, stdout, stderr)
	case "new":
		return runNew(ctx, rest, getenv, now, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "kb", version)
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
