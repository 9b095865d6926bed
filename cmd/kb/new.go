package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"kb/content"
	"kb/scaffold"
)

const newUsage = `usage: kb new runbook|article TITLE... [--service S] [--alerts A,B] [--content DIR] [--dir FOLDER] [--id ID]`

// runNew serves kb new: write a new runbook or article from the template,
// with its front matter filled in, and print its path.
func runNew(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("kb new", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, newUsage)
		flags.PrintDefaults()
	}
	dir := envOr(getenv, "content", "")
	flags.StringVar(&dir, "content", dir, "content folder to write into (env KB_CONTENT)")
	var p scaffold.Params
	flags.StringVar(&p.Service, "service", "", "service the runbook belongs to; runbooks go to runbooks/<service>/")
	var alerts string
	flags.StringVar(&alerts, "alerts", "", "comma-separated alert names the runbook answers, e.g. KubePodCrashLooping,KubePodNotReady")
	flags.StringVar(&p.Dir, "dir", "", "folder in the content folder for the file (default runbooks/<service> or articles)")
	flags.StringVar(&p.ID, "id", "", "id of the article (default: from the title, and the service for a runbook)")
	pos, err := parseInterleaved(flags, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 || pos[0] != "runbook" && pos[0] != "article" {
		fmt.Fprintln(stderr, newUsage)
		return errors.New(`kb new needs a type and a title, e.g. kb new runbook "etcd has no leader" --service etcd`)
	}
	if dir == "" {
		return errors.New("kb new writes into a content folder: give it with --content DIR (or KB_CONTENT); without one kb uses the built-in example, which cannot be changed")
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return fmt.Errorf("--content %s: not a folder", dir)
	}
	p.Type = content.Type(pos[0])
	p.Title = strings.Join(pos[1:], " ")
	p.Alerts = strings.Split(alerts, ",")
	p.Reviewed = dateOf(now())

	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("open content: %w", err)
	}
	defer root.Close()
	snap, err := content.Load(ctx, content.DirFS(root), content.Options{NoHighlight: true}) // ids and paths only
	if err != nil {
		return err
	}
	p.Owners = snap.Site.Owners
	tmpl, source, err := scaffold.Template(content.DirFS(root), p.Type)
	if err != nil {
		return err
	}
	f, err := scaffold.New(tmpl, p)
	if err != nil {
		return err
	}
	if a, ok := snap.ByID(f.ID); ok {
		return fmt.Errorf("id %q is already %s's; choose another title or give an id with --id", f.ID, a.Path)
	}
	if a, ok := snap.ByFoldedURL(content.URLFor(f.Path)); ok {
		return fmt.Errorf("%s already exists (as %s); kb new never overwrites a file: choose another title or --dir", f.Path, a.Path)
	}
	if err := writeNew(root, f); err != nil {
		return err
	}
	fmt.Fprintln(stdout, filepath.Join(dir, filepath.FromSlash(f.Path)))
	fmt.Fprintf(stderr, "kb new: wrote %s %q (id %s) from the %s template; fill it in, then run kb check\n", p.Type, p.Title, f.ID, source)
	return nil
}

// writeNew creates the file of f inside root, never replacing one.
func writeNew(root *os.Root, f scaffold.File) error {
	if err := root.MkdirAll(path.Dir(f.Path), 0o755); err != nil {
		return fmt.Errorf("create folder for %s: %w", f.Path, err)
	}
	out, err := root.OpenFile(f.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists; kb new never overwrites a file: choose another title or --dir", f.Path)
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", f.Path, err)
	}
	if _, err := out.Write(f.Source); err != nil {
		out.Close()
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	return nil
}

// dateOf is the local date of t at midnight UTC, as reviewed: dates are written.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
