package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"kb/check"
	"kb/content"
)

const checkUsage = `usage: kb check [--content DIR] [--format text|json|github] [--strict] [--all] [--max-size SIZE]`

// runCheck serves kb check: load the content as kb serve would, print what
// is wrong with it, and fail on errors (or, with --strict, on warnings).
func runCheck(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("kb check", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, checkUsage)
		flags.PrintDefaults()
	}
	dir := envOr(getenv, "content", "")
	flags.StringVar(&dir, "content", dir, "content folder to check; empty means the built-in example (env KB_CONTENT)")
	format := envOr(getenv, "format", "text")
	flags.StringVar(&format, "format", format, "output: text (path:line: level: message), json, or github (Actions annotations) (env KB_FORMAT)")
	strict, err := envFlagBool(getenv, "strict")
	if err != nil {
		return err
	}
	flags.BoolVar(&strict, "strict", strict, "fail on warnings too (env KB_STRICT)")
	all, err := envFlagBool(getenv, "all")
	if err != nil {
		return err
	}
	flags.BoolVar(&all, "all", all, "list every use of a front-matter key or link scheme of another docs system, instead of one summary each (env KB_ALL)")
	maxSize := envOr(getenv, "max-size", "")
	flags.StringVar(&maxSize, "max-size", maxSize, "largest Markdown file rendered, e.g. 2MiB; overrides kb.yaml max_size (env KB_MAX_SIZE)")
	pos, err := parseInterleaved(flags, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("kb check takes no arguments, got %q; the folder is --content DIR", pos)
	}
	if !slices.Contains(check.Formats, format) {
		return fmt.Errorf("--format %q: want %s", format, strings.Join(check.Formats, ", "))
	}
	opts := content.Options{NoHighlight: true} // kb check reads links and headings, not colours
	if maxSize != "" {
		if opts.MaxSize, err = content.ParseByteSize(maxSize); err != nil {
			return fmt.Errorf("--max-size: %w", err)
		}
	}
	files, source, closeFiles, err := openContent(dir)
	if err != nil {
		return err
	}
	defer closeFiles()
	start := time.Now()
	snap, err := content.Load(ctx, files, opts)
	if err != nil {
		return err
	}
	findings, err := check.Run(ctx, snap, check.Options{Files: files, Now: now(), All: all})
	if err != nil {
		return err
	}
	if prefix := displayPrefix(dir); prefix != "" {
		for i := range findings {
			if findings[i].Path != "" {
				findings[i].Path = prefix + findings[i].Path
			}
		}
	}
	if err := check.Write(stdout, format, findings); err != nil {
		return err
	}
	errs, warns := check.Count(findings)
	summary := fmt.Sprintf("kb check: %s, %s in %s of %s (%s)", countOf(errs, "error"), countOf(warns, "warning"),
		countOf(len(snap.Articles), "file"), source, time.Since(start).Round(time.Millisecond))
	if errs > 0 || strict && warns > 0 {
		if errs == 0 {
			summary += "; --strict fails on warnings"
		}
		return &checkFailed{summary}
	}
	fmt.Fprintln(stderr, summary)
	return nil
}

// checkFailed is the error of a check that found errors: kb exits with 1.
type checkFailed struct{ summary string }

func (e *checkFailed) Error() string { return strings.TrimPrefix(e.summary, "kb ") }

// displayPrefix is what findings' root-relative paths are prefixed with, so
// they are relative to the working folder, as editors and GitHub expect.
func displayPrefix(dir string) string {
	if dir == "" {
		return ""
	}
	d := filepath.ToSlash(filepath.Clean(dir))
	if d == "." {
		return ""
	}
	return strings.TrimSuffix(d, "/") + "/"
}

// envFlagBool reads the KB_ environment variable of a boolean flag.
func envFlagBool(getenv func(string) string, name string) (bool, error) {
	v := getenv(envName(name))
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: want true or false", envName(name), v)
	}
	return b, nil
}

// countOf spells n things: "1 error", "3 errors".
func countOf(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
