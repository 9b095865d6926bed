package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
)

// backupFixture opens a real links database with n links and the backups of it.
func backupFixture(t *testing.T, n, keep int) (*backups, *tickets.Store) {
	t.Helper()
	data := t.TempDir()
	db, err := openDB(data)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	store, err := tickets.Open(db, nil)
	require.NoError(t, err)
	for i := range n {
		_, _, err := store.Add(context.Background(), tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: fmt.Sprintf("B-%d", i)}, ArticleID: "etcd-no-leader", LinkedBy: "t"})
		require.NoError(t, err)
	}
	var tick atomic.Int64
	start := time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC)
	b := &backups{
		db: db, dir: filepath.Join(data, backupDir), interval: time.Hour, keep: keep,
		now: func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Minute) },
		log: slog.New(slog.DiscardHandler),
	}
	return b, store
}

func TestBackupRestores(t *testing.T) {
	b, _ := backupFixture(t, 300, 7)
	path, err := b.once()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(filepath.Base(path), "kb-2026"), path)

	// Restoring is copying the file to kb.db of a (stopped) kb.
	data := t.TempDir()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(data, dbFile), src, 0o600))
	restored, closeFn, err := openBolt(data)
	require.NoError(t, err)
	defer closeFn()
	var out strings.Builder
	require.NoError(t, restored.Export(context.Background(), &out))
	assert.Equal(t, 300, strings.Count(out.String(), "\n"), "every link is in the backup")
}

func TestBackupRetention(t *testing.T) {
	b, store := backupFixture(t, 10, 2)
	var paths []string
	for range 4 {
		_, _, err := store.Add(context.Background(), tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: "MORE"}, ArticleID: "etcd-no-leader", LinkedBy: "t"})
		require.NoError(t, err)
		p, err := b.once()
		require.NoError(t, err)
		paths = append(paths, filepath.Base(p))
	}
	files, err := b.files()
	require.NoError(t, err)
	assert.Equal(t, paths[2:], files, "the newest two are kept")
	entries, err := os.ReadDir(b.dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary file is left behind")
}

func TestBackupVerifyRefusesDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, os.WriteFile(path, []byte("not a database"), 0o600))
	assert.ErrorIs(t, verifyBackup(path), tickets.ErrCorrupt)
}

// TestBackupRun takes a backup at once when there is none, then on the
// interval, and reports it through LastBackup.
func TestBackupRun(t *testing.T) {
	b, _ := backupFixture(t, 5, 3)
	b.interval = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.run(ctx); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := b.files()
		if len(files) >= 2 {
			break
		}
		require.True(t, time.Now().Before(deadline), "no second backup within 30 s")
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	last, err := b.LastBackup()
	require.NoError(t, err)
	assert.False(t, last.IsZero())
}
