package alertrules

import (
	"fmt"
	"io"
	"strings"
)

// MaxFileSize bounds a rule file kb reads, for kb coverage and for
// /reports/coverage alike: 8 MiB. The largest rule sets in common use
// (kube-prometheus's, a few hundred KB) fit many times over, and a server
// that reads the files of kb.yaml's rules: on a request, then parses them as
// YAML, never holds more than that per file.
const MaxFileSize = 8 << 20

// ErrTooLarge is a rule file over MaxFileSize.
var ErrTooLarge = fmt.Errorf("larger than %d bytes", MaxFileSize)

// Opener opens a rule file by the name it is listed under. Its errors name
// the file and say what to fix, as the caller knows best where files come
// from (the command line, kb.yaml).
type Opener func(name string) (io.ReadCloser, error)

// File is one rule file as ReadFiles read it.
type File struct {
	Path     string // as listed, without surrounding spaces
	Rules    []Rule // its alerting rules; with a ParseErr, those read before the errors
	ReadErr  error  // the file could not be read, so it has no rules; the error names the file
	ParseErr error  // the file was read but is not a rule file in full: what Parse returned
}

// Err returns why the file did not yield all its rules, nil when it did.
func (f File) Err() error {
	if f.ReadErr != nil {
		return f.ReadErr
	}
	return f.ParseErr
}

// ReadFiles reads and parses the rule files listed in paths, in order,
// opened by open and read up to MaxFileSize bytes each. Blank entries are
// skipped. Every file gets a File, whether or not it could be read, so that
// the caller decides whether one bad file fails them all.
func ReadFiles(open Opener, paths []string) []File {
	var out []File
	for _, p := range paths {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		f := File{Path: p}
		src, err := readLimited(open, p)
		if err != nil {
			f.ReadErr = err
		} else {
			f.Rules, f.ParseErr = Parse(p, src)
		}
		out = append(out, f)
	}
	return out
}

// readLimited reads the file p, refusing one over MaxFileSize.
func readLimited(open Opener, p string) ([]byte, error) {
	r, err := open(p)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	src, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if len(src) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w", p, ErrTooLarge)
	}
	return src, nil
}
