package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const linksUsage = `usage:
  kb links export [--data DIR | --store URL] [--out FILE]   write every ticket link as JSON lines (default: stdout)
  kb links import [--data DIR | --store URL] FILE|-         add links from a file written by export`

// runLinks backs up and restores ticket links.
func runLinks(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, linksUsage)
		return flag.ErrHelp
	}
	verb := args[0]
	flags := flag.NewFlagSet("kb links "+verb, flag.ContinueOnError)
	flags.SetOutput(stderr)
	data := envOr(getenv, "data", "kb-data")
	flags.StringVar(&data, "data", data, "folder of the links database (env KB_DATA)")
	storeURL := envOr(getenv, "store", "")
	flags.StringVar(&storeURL, "store", storeURL, "the PostgreSQL database of a fleet, postgres://...; empty: the bbolt file in --data (env KB_STORE)")
	out := "-"
	if verb == "export" {
		flags.StringVar(&out, "out", out, "file to write, - for stdout")
	}
	pos, err := parseInterleaved(flags, args[1:])
	if err != nil {
		return err
	}
	if (verb != "export" || len(pos) != 0) && (verb != "import" || len(pos) != 1) {
		fmt.Fprintln(stderr, linksUsage)
		return errors.New("kb links: wrong arguments")
	}
	store, closeStore, err := openStore(ctx, data, storeURL)
	if err != nil {
		return err
	}
	defer closeStore()
	if verb == "export" {
		w, closeOut := stdout, func() error { return nil }
		if out != "-" {
			f, err := os.Create(out)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			defer f.Close() // after a failure; the checked Close below comes first
			w, closeOut = f, f.Close
		}
		bw := bufio.NewWriter(w)
		if err := store.Export(ctx, bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := closeOut(); err != nil { // a backup is only whole once it is on disk
			return fmt.Errorf("export: %w", err)
		}
		return nil
	}
	r := stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		defer f.Close()
		r = f
	}
	n, err := store.Import(ctx, r)
	fmt.Fprintf(stderr, "%d links imported\n", n)
	if err != nil {
		return fmt.Errorf("import %s: %w", pos[0], err)
	}
	return nil
}
