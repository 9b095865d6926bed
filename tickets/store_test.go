package tickets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"
)

func openDB(t *testing.T, path string) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	return db
}

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(openDB(t, filepath.Join(t.TempDir(), "kb.db")), nil)
	require.NoError(t, err)
	return s
}

func link(system, key, article string) Link {
	return Link{Ticket: Ticket{System: system, Key: key, URL: "https://jira.example.com/browse/" + key, Title: "Disk full on db-1"}, ArticleID: article, LinkedBy: "jira"}
}

func TestAddIsIdempotent(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	first, created, err := s.Add(ctx, link("jira", "OPS-1", "disk-full"))
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, ResolvedBy, first.Relation, "default relation")

	again := link("jira", "OPS-1", "disk-full")
	again.Note = "the second time"
	second, created, err := s.Add(ctx, again)
	require.NoError(t, err)
	assert.False(t, created, "the same ticket and article is one link")
	assert.Equal(t, first.LinkedAt, second.LinkedAt, "the first link time is kept")
	assert.Equal(t, "the second time", second.Note)

	links, total, err := s.ByArticle(ctx, "disk-full", 0, 10)
	require.NoError(t, err)
	assert.Equal(t, 1, total)
	assert.Equal(t, "the second time", links[0].Note)
}

func TestConcurrentSameLinkIsOne(t *testing.T) {
	s := newStore(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdCount := 0
	for range 100 {
		wg.Go(func() {
			_, created, err := s.Add(context.Background(), link("jira", "OPS-7", "dns"))
			assert.NoError(t, err)
			if created {
				mu.Lock()
				createdCount++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1, createdCount, "exactly one writer creates the link")
	n, err := s.Count(context.Background(), "dns")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	byTicket, err := s.ByTicket(context.Background(), "jira", "OPS-7")
	require.NoError(t, err)
	assert.Len(t, byTicket, 1)
}

func TestQueries(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { clock = clock.Add(time.Minute); return clock }
	for _, l := range []Link{
		link("jira", "OPS-1", "disk-full"),
		link("jira", "OPS-2", "disk-full"),
		link("zendesk", "99", "disk-full"),
		link("jira", "OPS-1", "inode-exhaustion"),
	} {
		_, _, err := s.Add(ctx, l)
		require.NoError(t, err)
	}
	page, total, err := s.ByArticle(ctx, "disk-full", 0, 2)
	require.NoError(t, err)
	assert.Equal(t, 3, total)
	require.Len(t, page, 2)
	assert.Equal(t, "99", page[0].Ticket.Key, "newest first")
	assert.Equal(t, "OPS-2", page[1].Ticket.Key)
	page, _, err = s.ByArticle(ctx, "disk-full", 2, 2)
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, "OPS-1", page[0].Ticket.Key)
	page, _, err = s.ByArticle(ctx, "disk-full", 50, 2)
	require.NoError(t, err)
	assert.Empty(t, page, "an offset past the end is an empty page")

	both, err := s.ByTicket(ctx, "jira", "OPS-1")
	require.NoError(t, err)
	require.Len(t, both, 2)
	assert.Equal(t, "disk-full", both[0].ArticleID)
	assert.Equal(t, "inode-exhaustion", both[1].ArticleID)
	prefix, err := s.ByTicket(ctx, "jira", "OPS")
	require.NoError(t, err)
	assert.Empty(t, prefix, "a key is matched whole, never as a prefix")

	require.NoError(t, s.Delete(ctx, "jira", "OPS-1", "disk-full"))
	assert.ErrorIs(t, s.Delete(ctx, "jira", "OPS-1", "disk-full"), ErrNotFound)
	n, err := s.Count(ctx, "disk-full")
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(l *Link)
		field string
	}{
		{name: "no system", edit: func(l *Link) { l.Ticket.System = "" }, field: "ticket.system"},
		{name: "upper-case system", edit: func(l *Link) { l.Ticket.System = "JIRA" }, field: "ticket.system"},
		{name: "no key", edit: func(l *Link) { l.Ticket.Key = " " }, field: "ticket.key"},
		{name: "newline in key", edit: func(l *Link) { l.Ticket.Key = "OPS-1\nX" }, field: "ticket.key"},
		{name: "NUL in key", edit: func(l *Link) { l.Ticket.Key = "OPS\x00" }, field: "ticket.key"},
		{name: "slash in key", edit: func(l *Link) { l.Ticket.Key = "a/b" }, field: "ticket.key"},
		{name: "long key", edit: func(l *Link) { l.Ticket.Key = strings.Repeat("k", MaxKey+1) }, field: "ticket.key"},
		{name: "javascript URL", edit: func(l *Link) { l.Ticket.URL = "javascript:alert(1)" }, field: "ticket.url"},
		{name: "data URL", edit: func(l *Link) { l.Ticket.URL = "data:text/html,<script>" }, field: "ticket.url"},
		{name: "relative URL", edit: func(l *Link) { l.Ticket.URL = "/browse/OPS-1" }, field: "ticket.url"},
		{name: "no article", edit: func(l *Link) { l.ArticleID = "" }, field: "article"},
		{name: "bad relation", edit: func(l *Link) { l.Relation = "fixed" }, field: "relation"},
		{name: "long note", edit: func(l *Link) { l.Note = strings.Repeat("n", MaxNote+1) }, field: "note"},
		{name: "control in note", edit: func(l *Link) { l.Note = "a\x07b" }, field: "note"},
		{name: "anchor with quote", edit: func(l *Link) { l.Anchor = `x" onclick="` }, field: "anchor"},
	}
	s := newStore(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := link("jira", "OPS-1", "a")
			tt.edit(&l)
			_, _, err := s.Add(context.Background(), l)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
		})
	}
	n, err := s.Count(context.Background(), "a")
	require.NoError(t, err)
	assert.Zero(t, n, "nothing invalid is stored")
}

func TestExportImport(t *testing.T) {
	src := newStore(t)
	ctx := context.Background()
	for _, k := range []string{"OPS-1", "OPS-2", "OPS-3"} {
		_, _, err := src.Add(ctx, link("jira", k, "disk-full"))
		require.NoError(t, err)
	}
	var buf bytes.Buffer
	require.NoError(t, src.Export(ctx, &buf))
	assert.Equal(t, 3, strings.Count(buf.String(), "\n"), "one JSON object a line")

	dst := newStore(t)
	n, err := dst.Import(ctx, bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	var again bytes.Buffer
	require.NoError(t, dst.Export(ctx, &again))
	assert.Equal(t, buf.String(), again.String(), "an import keeps times and authors")

	_, err = dst.Import(ctx, strings.NewReader(buf.String()+"{\"ticket\":{\"system\":\"jira\"}}\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 4")
	_, err = dst.Import(ctx, strings.NewReader(`{"ticket":{"system":"jira","key":"X"},"article":"a","evil":1}`))
	assert.ErrorContains(t, err, "unknown field")
}

func TestTokens(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	secret, err := s.CreateToken(ctx, "jira", ScopeWrite)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(secret, "kb_"))
	_, err = s.CreateToken(ctx, "jira", ScopeWrite)
	assert.ErrorIs(t, err, ErrExists)
	_, err = s.CreateToken(ctx, "Bad Name", ScopeWrite)
	assert.Error(t, err)
	readSecret, err := s.CreateToken(ctx, "grafana", ScopeRead)
	require.NoError(t, err)

	tok, err := s.Authenticate(ctx, secret)
	require.NoError(t, err)
	assert.Equal(t, "jira", tok.Name)
	assert.True(t, tok.CanWrite())
	tok, err = s.Authenticate(ctx, readSecret)
	require.NoError(t, err)
	assert.False(t, tok.CanWrite())
	_, err = s.Authenticate(ctx, secret+"x")
	assert.ErrorIs(t, err, ErrUnauthorized)

	list, err := s.Tokens(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	for _, tk := range list {
		sum := sha256.Sum256([]byte(secret))
		assert.NotContains(t, string(tk.Hash), secret, "only hashes are stored")
		if tk.Name == "jira" {
			assert.Equal(t, sum[:], tk.Hash)
		}
	}
	require.NoError(t, s.RevokeToken(ctx, "jira"))
	_, err = s.Authenticate(ctx, secret)
	assert.ErrorIs(t, err, ErrUnauthorized, "a revoked token no longer works")
	assert.ErrorIs(t, s.RevokeToken(ctx, "jira"), ErrNotFound)
}

func TestCorruptFileIsReportedAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kb.db")
	db := openDB(t, path)
	s, err := Open(db, nil)
	require.NoError(t, err)
	for i := range 200 {
		_, _, err := s.Add(context.Background(), link("jira", "OPS-"+strings.Repeat("9", i%50+1), "a"))
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	damaged := bytes.Clone(raw)
	pageSize := os.Getpagesize()
	for i := 2 * pageSize; i < len(damaged); i += 7 { // keep the meta pages, scribble over the data
		damaged[i] ^= 0x5a
	}
	require.NoError(t, os.WriteFile(path, damaged, 0o600))

	err = func() (err error) {
		defer func() { // bbolt.Open panics on some damage; cmd/kb recovers the same way
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		db2, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
		if err != nil {
			return err
		}
		_, err = Open(db2, nil)
		return errors.Join(err, db2.Close())
	}()
	require.Error(t, err)
	after, rerr := os.ReadFile(path)
	require.NoError(t, rerr)
	assert.Equal(t, damaged, after, "a damaged file is never modified")
}

func TestNewerSchemaIsRefused(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "kb.db"))
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte(bucketMeta))
		if err != nil {
			return err
		}
		return b.Put(keySchema, []byte("99"))
	}))
	_, err := Open(db, nil)
	assert.ErrorContains(t, err, "newer")
}

func FuzzImport(f *testing.F) {
	f.Add([]byte(`{"ticket":{"system":"jira","key":"OPS-1","url":"https://x.example/OPS-1"},"article":"a"}` + "\n"))
	f.Add([]byte("{\n"))
	f.Add([]byte(`{"ticket":{"system":"jira","key":"A\u0000"},"article":"a"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newStore(t)
		n, err := s.Import(context.Background(), bytes.NewReader(data))
		assert.GreaterOrEqual(t, n, 0)
		if err == nil {
			// Everything imported reads back valid.
			require.NoError(t, s.Each(context.Background(), func(l Link) error { return l.Normalise() }))
		}
	})
}

// TestDamageNeverCrashes damages a links file in many ways: opening it gives
// an error or a store that reads back, and never a crash that would take kb
// (and with it the pages and search) down.
func TestDamageNeverCrashes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kb.db")
	db := openDB(t, path)
	s, err := Open(db, nil)
	require.NoError(t, err)
	for i := range 400 {
		_, _, err := s.Add(context.Background(), link("jira", fmt.Sprintf("OPS-%d", i), fmt.Sprintf("article-%d", i%17)))
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	pageSize := os.Getpagesize()
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 25 {
		damaged := bytes.Clone(raw)
		for range 1 + rng.IntN(4) {
			at := 2*pageSize + rng.IntN(len(damaged)-2*pageSize)
			n := 1 + rng.IntN(64)
			for i := at; i < min(at+n, len(damaged)); i++ {
				damaged[i] = byte(rng.Uint32())
			}
		}
		p := filepath.Join(t.TempDir(), "kb.db")
		require.NoError(t, os.WriteFile(p, damaged, 0o600))
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil { // bbolt.Open panics on some damage; cmd/kb recovers the same way
					err = fmt.Errorf("%w: %v", ErrCorrupt, r)
				}
			}()
			db2, err := bbolt.Open(p, 0o600, &bbolt.Options{Timeout: time.Second})
			if err != nil {
				return fmt.Errorf("%w: %w", ErrCorrupt, err)
			}
			s2, err := Open(db2, nil)
			if err != nil {
				return errors.Join(err, db2.Close())
			}
			return errors.Join(s2.Each(context.Background(), func(Link) error { return nil }), db2.Close())
		}()
		if err != nil {
			assert.ErrorIs(t, err, ErrCorrupt, "round %d", round)
		}
	}
}
