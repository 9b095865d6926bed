package main

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

// testDatabase creates a database of its own in the server of
// KB_TEST_POSTGRES, dropped by t.Cleanup, and returns its URL; without the
// variable the test is skipped.
func testDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("KB_TEST_POSTGRES")
	if base == "" {
		t.Skip("KB_TEST_POSTGRES is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable): skipping the PostgreSQL tests")
	}
	raw := make([]byte, 6)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	name := "kb_test_" + hex.EncodeToString(raw)
	pgExec(t, base, "CREATE DATABASE "+name)
	t.Cleanup(func() { pgExec(t, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

// pgExec runs one statement on the database at u.
func pgExec(t *testing.T, u, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql, args...)
	require.NoError(t, err)
}
