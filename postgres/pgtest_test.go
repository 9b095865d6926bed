package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// testURL returns the URL of a schema of its own in the database of
// KB_TEST_POSTGRES, dropped by t.Cleanup; without the variable the test is
// skipped.
func testURL(t testing.TB) string {
	t.Helper()
	base := testBase(t)
	raw := make([]byte, 6)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	schema := "kb_test_" + hex.EncodeToString(raw)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	require.NoError(t, err, "KB_TEST_POSTGRES=%s", base)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
	require.NoError(t, err)
	require.NoError(t, conn.Close(ctx))
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		require.NoError(t, err)
		_, err = conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		require.NoError(t, err)
		require.NoError(t, conn.Close(ctx))
	})
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// testBase returns KB_TEST_POSTGRES, or skips the test without it.
func testBase(t testing.TB) string {
	t.Helper()
	base := os.Getenv("KB_TEST_POSTGRES")
	if base == "" {
		t.Skip("KB_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable): skipping the PostgreSQL tests")
	}
	return base
}
