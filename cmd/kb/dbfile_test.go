package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
)

// realDB writes a links database with n links under a new folder and
// returns the file's bytes.
func realDB(t *testing.T, n int) []byte {
	t.Helper()
	data := t.TempDir()
	store, closeFn, err := openBolt(data)
	require.NoError(t, err)
	for i := range n {
		_, _, err := store.Add(context.Background(), tickets.Link{
			Ticket:    tickets.Ticket{System: "jira", Key: fmt.Sprintf("OPS-%d", i), Title: "a title long enough to fill pages of the file"},
			ArticleID: "etcd-no-leader", LinkedBy: "test",
		})
		require.NoError(t, err)
	}
	require.NoError(t, closeFn())
	b, err := os.ReadFile(filepath.Join(data, dbFile))
	require.NoError(t, err)
	return b
}

func TestInspectDB(t *testing.T) {
	good := realDB(t, 500)
	require.Greater(t, len(good), 64<<10)
	flipped := bytes.Clone(good)
	flipped[boltPageHeader+20] ^= 0xff // a byte of the first meta record: its checksum fails, the second is used
	m, err := bestBoltMeta(bytes.NewReader(good), int64(len(good)))
	require.NoError(t, err)
	need := int(m.hw) * int(m.pageSize) // bbolt grows the file ahead of the pages it uses
	bothBad := bytes.Clone(flipped)
	bothBad[4096+boltPageHeader+20] ^= 0xff
	tests := []struct {
		name    string
		file    []byte // nil: no file
		wantErr string
	}{
		{name: "missing", file: nil},
		{name: "whole", file: good},
		{name: "first meta damaged", file: flipped},
		{name: "empty", file: []byte{}, wantErr: "is empty"},
		{name: "garbage", file: bytes.Repeat([]byte("not a bbolt file "), 1000), wantErr: "no valid meta page"},
		{name: "both meta damaged", file: bothBad, wantErr: "no valid meta page"},
		{name: "truncated to one page", file: good[:4096], wantErr: "truncated"},
		{name: "truncated in the middle", file: good[:len(good)/3], wantErr: "truncated"},
		{name: "last page in use cut", file: good[:need-1], wantErr: "truncated"},
		{name: "space past the pages in use cut", file: good[:need]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), dbFile)
			if tt.file != nil {
				require.NoError(t, os.WriteFile(path, tt.file, 0o600))
			}
			err := inspectDB(path)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tickets.ErrCorrupt)
			assert.ErrorContains(t, err, tt.wantErr)
			if tt.file != nil {
				after, err := os.ReadFile(path)
				require.NoError(t, err)
				assert.Equal(t, tt.file, after, "the file is only read")
			}
		})
	}
	t.Run("not a regular file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), dbFile)
		require.NoError(t, os.Mkdir(path, 0o700))
		assert.ErrorIs(t, inspectDB(path), tickets.ErrCorrupt)
	})
}

// FuzzInspectDB: whatever the file holds, inspectDB answers without
// panicking, and a refusal always wraps tickets.ErrCorrupt.
func FuzzInspectDB(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xed, 0xda, 0x0c, 0xed}, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), dbFile)
		require.NoError(t, os.WriteFile(path, b, 0o600))
		if err := inspectDB(path); err != nil {
			assert.ErrorIs(t, err, tickets.ErrCorrupt)
		}
	})
}

// TestServeOnReadOnlyVolume starts kb on a data folder whose volume is
// read-only (a real tmpfs remounted ro): pages and search are served from
// the index found there, links are read, link writes answer 503 with a
// JSON error, /readyz says read-only, and nothing on the volume changes.
func TestServeOnReadOnlyVolume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kb processes")
	}
	vol := t.TempDir()
	if err := syscall.Mount("tmpfs", vol, "tmpfs", 0, "size=64m"); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v): the read-only volume test needs root", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(vol, 0); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	data := filepath.Join(vol, "data")
	token, _, err := kb(t, "", "token", "create", "w", "--scope", "links:write", "--data", data)
	require.NoError(t, err)
	token = strings.TrimSpace(token)
	_, _, err = kb(t, "", "index", "--data", data)
	require.NoError(t, err)
	store, closeFn, err := openBolt(data)
	require.NoError(t, err)
	_, _, err = store.Add(context.Background(), tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: "RO-1"}, ArticleID: "etcd-no-leader", LinkedBy: "t"})
	require.NoError(t, err)
	require.NoError(t, closeFn())
	before, err := os.ReadFile(filepath.Join(data, dbFile))
	require.NoError(t, err)
	require.NoError(t, syscall.Mount("tmpfs", vol, "tmpfs", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""))

	c := startChild(t, "--data", data)
	status, body := get(t, c.base+"/readyz")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `"links":{"status":"read-only"`)
	assert.Contains(t, body, `"search":{"ready":true`)
	status, body = get(t, c.base+"/api/v1/search?q=etcd+leader")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "etcd-no-leader", "search is served from the index on the volume")
	status, body = get(t, c.base+"/api/v1/tickets/jira/RO-1")
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "etcd-no-leader", "links are read")

	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, c.base+"/api/v1/links",
		strings.NewReader(`{"ticket": {"system": "jira", "key": "RO-2"}, "article": "etcd-no-leader"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := durableClient.Do(req)
	require.NoError(t, err)
	msg, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	assert.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	assert.Contains(t, string(msg), `"error":"The links store's volume is read-only`)
	c.kill()
	after, err := os.ReadFile(filepath.Join(data, dbFile))
	require.NoError(t, err)
	assert.Equal(t, before, after)
}
