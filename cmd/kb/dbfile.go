package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"

	"kb/tickets"
)

// bbolt's on-disk layout, as far as inspectDB reads it (go.etcd.io/bbolt,
// internal/common: page.go and meta.go). Each of the first two pages holds a
// page header and a meta record; a file is usable when at least one meta
// record is valid and the file is as long as that record says.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltPageHeader = 16                  // id, flags, count, overflow
	boltMetaSize   = 64                  // magic … checksum
	boltSumOffset  = boltPageHeader + 56 // the checksum covers the meta record before it
)

// boltMeta is the part of a meta record inspectDB checks.
type boltMeta struct {
	pageSize           uint32
	root, freelist, hw uint64 // page ids; hw is the high-water mark: pages in use
	txid               uint64
}

// readBoltMeta decodes the meta record at the start of page p, or says why it
// is not one. bbolt writes it in the machine's byte order; kb runs on
// little-endian machines (amd64, arm64).
func readBoltMeta(p []byte) (boltMeta, error) {
	if len(p) < boltSumOffset+8 {
		return boltMeta{}, errors.New("short meta page")
	}
	le := binary.LittleEndian
	m := p[boltPageHeader:]
	if le.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, errors.New("not a bbolt meta page")
	}
	if v := le.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("bbolt format version %d, kb reads %d", v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(p[boltPageHeader:boltSumOffset])
	if h.Sum64() != le.Uint64(p[boltSumOffset:]) {
		return boltMeta{}, errors.New("meta page checksum mismatch")
	}
	return boltMeta{
		pageSize: le.Uint32(m[8:]),
		root:     le.Uint64(m[16:]),
		freelist: le.Uint64(m[32:]),
		hw:       le.Uint64(m[40:]),
		txid:     le.Uint64(m[48:]),
	}, nil
}

// noFreelist is bbolt's freelist page id when the freelist is not stored.
const noFreelist = ^uint64(0)

// inspectDB checks the bbolt file at path before it is opened, because bbolt
// trusts its file: it initialises a zero-length file as a new, empty
// database (every link and token gone, silently), and a truncated file
// makes it fault on its memory map, which ends the process at every start.
// A missing file is fine (a new database is made); anything else that is
// not a whole database is an error wrapping tickets.ErrCorrupt. The file is
// only read.
func inspectDB(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: cannot read %s: %w", tickets.ErrCorrupt, path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%w: cannot read %s: %w", tickets.ErrCorrupt, path, err)
	}
	switch {
	case !st.Mode().IsRegular():
		return fmt.Errorf("%w: %s is not a regular file", tickets.ErrCorrupt, path)
	case st.Size() == 0:
		return fmt.Errorf("%w: %s is empty (0 bytes); an existing database is never replaced", tickets.ErrCorrupt, path)
	}
	m, err := bestBoltMeta(f, st.Size())
	if err != nil {
		return fmt.Errorf("%w: %s: %w", tickets.ErrCorrupt, path, err)
	}
	need := int64(m.hw) * int64(m.pageSize)
	switch {
	case m.hw < 2 || m.root >= m.hw || (m.freelist != noFreelist && m.freelist >= m.hw):
		return fmt.Errorf("%w: %s: meta page names pages past its end", tickets.ErrCorrupt, path)
	case st.Size() < need:
		return fmt.Errorf("%w: %s is truncated: %d bytes, the database needs %d", tickets.ErrCorrupt, path, st.Size(), need)
	}
	return nil
}

// bestBoltMeta returns the valid meta record of the highest transaction, as
// bbolt picks it. The second meta page sits one page in, at the page size
// that the first names; when the first is damaged, the usual page sizes are tried.
func bestBoltMeta(f io.ReaderAt, size int64) (boltMeta, error) {
	page := func(off int64) []byte {
		b := make([]byte, boltSumOffset+8)
		if off+int64(len(b)) > size {
			return nil
		}
		if _, err := f.ReadAt(b, off); err != nil {
			return nil
		}
		return b
	}
	m0, err0 := readBoltMeta(page(0))
	sizes := []int64{4096, 8192, 16384, 65536}
	if err0 == nil {
		if m0.pageSize < 512 || m0.pageSize > 1<<20 || m0.pageSize&(m0.pageSize-1) != 0 {
			return boltMeta{}, fmt.Errorf("implausible page size %d", m0.pageSize)
		}
		sizes = []int64{int64(m0.pageSize)}
	}
	var m1 boltMeta
	err1 := errors.New("no second meta page")
	for _, ps := range sizes {
		if m1, err1 = readBoltMeta(page(ps)); err1 == nil && int64(m1.pageSize) == ps {
			break
		}
		if err1 == nil {
			err1 = fmt.Errorf("second meta page names page size %d", m1.pageSize)
		}
	}
	switch {
	case err0 == nil && (err1 != nil || m0.txid >= m1.txid):
		return m0, nil
	case err1 == nil:
		return m1, nil
	}
	return boltMeta{}, fmt.Errorf("no valid meta page (first: %v; second: %v)", err0, err1)
}
