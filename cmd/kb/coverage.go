package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"kb/alertrules"
	"kb/content"
)

const coverageUsage = `usage: kb coverage --rules FILE [--rules FILE]... [FILE...] [--content DIR] [--format text|json] [--strict]`

// runCoverage serves kb coverage: which alerts of Prometheus rule files have
// no runbook, which runbooks name alerts no rule defines, and which
// runbook_url annotations land on no article.
func runCoverage(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("kb coverage", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, coverageUsage)
		flags.PrintDefaults()
	}
	var ruleFiles []string
	if v := getenv(envName("rules")); v != "" {
		ruleFiles = strings.Split(v, ",")
	}
	flags.Func("rules", "Prometheus rule file (groups:) or PrometheusRule manifest; repeat for more, or list more after the flags (env KB_RULES, comma-separated)", func(s string) error {
		ruleFiles = append(ruleFiles, s)
		return nil
	})
	dir := envOr(getenv, "content", "")
	flags.StringVar(&dir, "content", dir, "content folder; empty means the built-in example (env KB_CONTENT)")
	format := envOr(getenv, "format", "text")
	flags.StringVar(&format, "format", format, "output: text or json (env KB_FORMAT)")
	strict, err := envFlagBool(getenv, "strict")
	if err != nil {
		return err
	}
	flags.BoolVar(&strict, "strict", strict, "also fail when an alert has no runbook or a runbook names an alert no rule defines (env KB_STRICT)")
	pos, err := parseInterleaved(flags, args)
	if err != nil {
		return err
	}
	ruleFiles = append(ruleFiles, pos...)
	if len(ruleFiles) == 0 {
		fmt.Fprintln(stderr, coverageUsage)
		return errors.New("kb coverage needs rule files: --rules FILE")
	}
	if format != "text" && format != "json" {
		return fmt.Errorf("--format %q: want text or json", format)
	}
	rules, err := readRules(ruleFiles)
	if err != nil {
		return err
	}
	files, _, closeFiles, err := openContent(dir)
	if err != nil {
		return err
	}
	defer closeFiles()
	snap, err := content.Load(ctx, files, content.Options{NoHighlight: true}) // only the links and alerts matter here
	if err != nil {
		return err
	}
	r := alertrules.Coverage(snap, rules)
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else if err := writeCoverage(stdout, r, len(ruleFiles)); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	switch {
	case len(r.BrokenURLs) > 0:
		return fmt.Errorf("coverage: %d runbook_url annotations land on no article or name no alert", len(r.BrokenURLs))
	case strict && (len(r.Missing) > 0 || len(r.Orphaned) > 0):
		return fmt.Errorf("coverage: %d alerts without a runbook, %d runbooks for alerts no rule defines (--strict)", len(r.Missing), len(r.Orphaned))
	}
	return nil
}

// readRules reads and parses every rule file; any error fails them all, so
// a typo never passes as "no alerts".
func readRules(paths []string) ([]alertrules.Rule, error) {
	var rules []alertrules.Rule
	var errs []error
	for _, f := range alertrules.ReadFiles(openRuleFile, paths) {
		if err := f.Err(); err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, f.Rules...)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("cannot read the rule files:\n%w", errors.Join(errs...))
	}
	return rules, nil
}

// openRuleFile opens a rule file named on the command line.
func openRuleFile(p string) (io.ReadCloser, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("rule file: %w", err)
	}
	return f, nil
}

// writeCoverage prints the report for people: each list with file:line
// first, so editors can jump to the rule.
func writeCoverage(w io.Writer, r alertrules.Report, files int) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	section := func(title string, n int) {
		if n > 0 {
			fmt.Fprintf(tw, "%s (%d):\n", title, n)
		}
	}
	section("Alerts without a runbook", len(r.Missing))
	for _, m := range r.Missing {
		sev := ""
		if m.Severity != "" {
			sev = m.Severity
		}
		fmt.Fprintf(tw, "  %s:%d:\t%s\t%s\n", m.File, m.Line, m.Alert, sev)
	}
	section("Runbooks for alerts that no rule defines", len(r.Orphaned))
	for _, o := range r.Orphaned {
		fmt.Fprintf(tw, "  %s:\t%s\n", o.Path, strings.Join(o.Alerts, ", "))
	}
	section("runbook_url that lands on no article or names no alert", len(r.BrokenURLs))
	for _, b := range r.BrokenURLs {
		fmt.Fprintf(tw, "  %s:%d:\t%s\t%s: %s\n", b.File, b.Line, b.Alert, b.URL, b.Problem)
	}
	unchecked := 0
	for _, u := range r.Unchecked {
		unchecked += u.Count
	}
	section("runbook_url not checked", unchecked)
	for _, u := range r.Unchecked {
		fmt.Fprintf(tw, "  %d\t%s (e.g. %s)\n", u.Count, u.Reason, u.Example)
	}
	pct := 100
	if r.Alerts > 0 {
		pct = 100 * r.Covered / r.Alerts
	}
	fmt.Fprintf(tw, "%s in %s from %s: %d have a runbook (%d%%), %d do not; %s in the content.\n",
		countOf(r.Alerts, "alert"), countOf(r.Rules, "rule"), countOf(files, "file"), r.Covered, pct, len(r.Missing), countOf(r.Runbooks, "runbook"))
	return tw.Flush()
}
