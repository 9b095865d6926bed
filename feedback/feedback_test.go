package feedback

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"
)

func openTest(t *testing.T, path string) (*Store, *bbolt.DB) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	s, err := Open(db)
	require.NoError(t, err)
	return s, db
}

func TestHelpfulCountsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kb.db")
	s, db := openTest(t, path)
	for range 3 {
		_, err := s.Helpful(ctx, "etcd-no-leader")
		require.NoError(t, err)
	}
	n, err := s.Helpful(ctx, "pg-lag")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, db.Close())

	s, db = openTest(t, path)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	got, err := s.HelpfulCounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"etcd-no-leader": 3, "pg-lag": 1}, got)
}

func TestHelpfulBadID(t *testing.T) {
	s, db := openTest(t, filepath.Join(t.TempDir(), "kb.db"))
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	for _, id := range []string{"", strings.Repeat("x", maxID+1)} {
		_, err := s.Helpful(context.Background(), id)
		assert.ErrorIs(t, err, ErrBadID)
	}
}
