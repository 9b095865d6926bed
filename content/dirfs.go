package content

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is returned for a path that is a named pipe, a device or a
// socket (or a symbolic link to one): kb reads, renders and serves regular
// files only, since opening or reading the others can block forever.
var ErrNotRegular = errors.New("not a regular file (a named pipe, device or socket)")

// DirFS returns the files below root for Load and NewLibrary. Unlike
// root.FS(), it never blocks on a named pipe in the folder: every file is
// opened without blocking and checked on the opened handle, so a FIFO
// swapped in after the listing is refused too.
func DirFS(root *os.Root) fs.FS {
	return dirFS{root: root, fsys: root.FS()}
}

type dirFS struct {
	root *os.Root
	fsys fs.FS // root.FS(), for the calls that open nothing
}

func (r dirFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, err := r.root.OpenFile(name, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if m := info.Mode(); !m.IsRegular() && !m.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: ErrNotRegular}
	}
	return f, nil
}

func (r dirFS) ReadFile(name string) ([]byte, error) {
	f, err := r.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func (r dirFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(r.fsys, name) }

func (r dirFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(r.fsys, name) }

// irregular reports whether a listed file's mode (from lstat: a symbolic
// link is followed later, on the opened handle) is one kb never reads.
func irregular(m fs.FileMode) bool {
	return m&(fs.ModeNamedPipe|fs.ModeSocket|fs.ModeDevice|fs.ModeCharDevice|fs.ModeIrregular) != 0
}

// irregularText names what m is, for a warning.
func irregularText(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		return "a device"
	}
	return fmt.Sprintf("not a regular file (%s)", m.Type())
}
