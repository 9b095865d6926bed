package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/tickets"
)

func openTest(t *testing.T, u string, opts Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), u, opts)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db
}

// run starts db.Run until the test ends.
func run(t *testing.T, db *DB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { db.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func exec(t *testing.T, u, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), u)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), sql)
	require.NoError(t, err)
}

func sampleLink(key string) tickets.Link {
	return tickets.Link{Ticket: tickets.Ticket{System: "jira", Key: key}, ArticleID: "etcd-no-leader", LinkedBy: "test"}
}

// TestNewerSchemaRefused: a replica finding a schema version it does not
// know refuses to start, saying what to do.
func TestNewerSchemaRefused(t *testing.T) {
	u := testURL(t)
	openTest(t, u, Options{})
	exec(t, u, "INSERT INTO kb_schema_version (version_id, is_applied) VALUES (999, true)")
	_, err := Open(context.Background(), u, Options{})
	require.ErrorIs(t, err, ErrSchemaNewer)
	assert.Contains(t, err.Error(), "999")
	assert.Contains(t, err.Error(), "upgrade kb")
}

// TestMigrationsConcurrent: replicas starting at once migrate once.
func TestMigrationsConcurrent(t *testing.T) {
	u := testURL(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			db, err := Open(context.Background(), u, Options{})
			if assert.NoError(t, err) {
				assert.NoError(t, db.Health())
				db.Close()
			}
		})
	}
	wg.Wait()
}

// TestNotificationsReachOtherReplicas: a write through one replica reaches
// another's OnChange within a second.
func TestNotificationsReachOtherReplicas(t *testing.T) {
	u := testURL(t)
	changes := make(chan Change, 16)
	b := openTest(t, u, Options{OnChange: func(c Change) { changes <- c }})
	run(t, b)
	require.Eventually(t, b.Listening, 5*time.Second, 10*time.Millisecond)
	a := openTest(t, u, Options{})
	start := time.Now()
	_, _, err := a.Links().Add(context.Background(), sampleLink("OPS-1"))
	require.NoError(t, err)
	select {
	case c := <-changes:
		assert.Equal(t, []string{"etcd-no-leader"}, c.Articles)
		assert.Less(t, time.Since(start), time.Second)
	case <-time.After(5 * time.Second):
		t.Fatal("no notification within 5 s")
	}
}

// TestResyncCatchesMissedNotifications: a write whose notification was
// never heard (no listener then) is found by the periodic re-read.
func TestResyncCatchesMissedNotifications(t *testing.T) {
	u := testURL(t)
	changes := make(chan Change, 16)
	b := openTest(t, u, Options{ResyncEvery: 200 * time.Millisecond, OnChange: func(c Change) { changes <- c }})
	a := openTest(t, u, Options{})
	_, _, err := a.Links().Add(context.Background(), sampleLink("OPS-1")) // b has read no version yet
	require.NoError(t, err)
	_, err = b.versions(context.Background())
	require.NoError(t, err)
	run(t, b)
	require.Eventually(t, b.Listening, 5*time.Second, 10*time.Millisecond)
	// Written behind kb's back: no notification at all. Again until
	// reported, since the first re-read only learns the versions.
	require.Eventually(t, func() bool {
		exec(t, u, "UPDATE article_links SET version = version + 1 WHERE article = 'etcd-no-leader'")
		for {
			select {
			case c := <-changes:
				if slices.Contains(c.Articles, "etcd-no-leader") {
					return true
				}
			case <-time.After(300 * time.Millisecond):
				return false
			}
		}
	}, 30*time.Second, time.Millisecond, "the re-read did not report the article")
}

// try runs sql on the database at u and returns its error.
func try(u, sql string) error {
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), sql)
	return err
}

// rename renames a database kb is connected to. New connections are
// refused first, so kb's reconnections cannot win the race against the
// rename however slow the machine is; then its connections are ended.
func rename(t *testing.T, base, from, to string) {
	t.Helper()
	exec(t, base, "ALTER DATABASE "+from+" WITH ALLOW_CONNECTIONS false")
	require.Eventually(t, func() bool {
		exec(t, base, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"+from+"'")
		return try(base, "ALTER DATABASE "+from+" RENAME TO "+to) == nil
	}, 60*time.Second, 10*time.Millisecond)
	exec(t, base, "ALTER DATABASE "+to+" WITH ALLOW_CONNECTIONS true")
}

// TestUnreachableAtStartThenRecovers: kb starts while its database does not
// exist yet (as a dropped or renamed one would): calls fail fast with
// ErrUnavailable, and once it exists the schema is applied and writes work
// without a restart.
func TestUnreachableAtStartThenRecovers(t *testing.T) {
	base := testBase(t)
	raw := make([]byte, 6)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	name := "kb_test_" + hex.EncodeToString(raw)
	u, err := url.Parse(base)
	require.NoError(t, err)
	u.Path = "/" + name
	t.Cleanup(func() {
		exec(t, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		exec(t, base, "DROP DATABASE IF EXISTS "+name+"_away WITH (FORCE)")
	})

	db := openTest(t, u.String(), Options{HealthEvery: 100 * time.Millisecond})
	require.ErrorIs(t, db.Health(), tickets.ErrUnavailable)
	start := time.Now()
	_, _, err = db.Links().Add(context.Background(), sampleLink("OPS-1"))
	require.ErrorIs(t, err, tickets.ErrUnavailable)
	assert.Less(t, time.Since(start), time.Second, "fails fast")

	run(t, db)
	exec(t, base, "CREATE DATABASE "+name)
	require.Eventually(t, func() bool { return db.Health() == nil }, 30*time.Second, 50*time.Millisecond)
	_, created, err := db.Links().Add(context.Background(), sampleLink("OPS-1"))
	require.NoError(t, err)
	assert.True(t, created)

	// The database goes away while kb runs: unavailable, then back.
	rename(t, base, name, name+"_away")
	exec(t, base, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"+name+"_away'")
	require.Eventually(t, func() bool { return db.Health() != nil }, 30*time.Second, 50*time.Millisecond)
	_, _, err = db.Links().Add(context.Background(), sampleLink("OPS-2"))
	require.ErrorIs(t, err, tickets.ErrUnavailable)
	rename(t, base, name+"_away", name)
	require.Eventually(t, func() bool { return db.Health() == nil }, 30*time.Second, 50*time.Millisecond)
	require.Eventually(t, db.Listening, 30*time.Second, 50*time.Millisecond)
	_, _, err = db.Links().Add(context.Background(), sampleLink("OPS-2"))
	require.NoError(t, err)
	n, err := db.Links().Count(context.Background(), "etcd-no-leader")
	require.NoError(t, err)
	assert.Equal(t, 2, n, "nothing acknowledged was lost")
}

// TestTerminatedConnectionsReconnect: the server ends every connection of
// kb (a failover, an operator): the next write succeeds on a new
// connection, and the listener comes back.
func TestTerminatedConnectionsReconnect(t *testing.T) {
	u := testURL(t)
	pu, err := url.Parse(u)
	require.NoError(t, err)
	q := pu.Query()
	app := "kb_test_" + q.Get("search_path")
	q.Set("application_name", app)
	pu.RawQuery = q.Encode()
	changes := make(chan Change, 16)
	db := openTest(t, pu.String(), Options{HealthEvery: 100 * time.Millisecond, OnChange: func(c Change) { changes <- c }})
	run(t, db)
	require.Eventually(t, db.Listening, 5*time.Second, 10*time.Millisecond)
	_, _, err = db.Links().Add(context.Background(), sampleLink("OPS-1"))
	require.NoError(t, err)
	exec(t, u, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"+app+"'")
	require.Eventually(t, func() bool {
		_, _, err := db.Links().Add(context.Background(), sampleLink("OPS-2"))
		return err == nil
	}, 30*time.Second, 50*time.Millisecond)
	require.Eventually(t, db.Listening, 30*time.Second, 10*time.Millisecond)
	drain(changes)
	other := openTest(t, u, Options{})
	_, _, err = other.Links().Add(context.Background(), sampleLink("OPS-3"))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		select {
		case c := <-changes:
			return slices.Contains(c.Articles, "etcd-no-leader") || c.All
		default:
			return false
		}
	}, 5*time.Second, 10*time.Millisecond, "notifications arrive again")
}

func drain(ch chan Change) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// TestCrossedDeliveriesNeverDeadlock records deliveries that resolve the
// same tickets in opposite orders, at once, through two replicas: the
// server may abort one of two crossed transactions, and kb runs it again,
// so every delivery is recorded.
func TestCrossedDeliveriesNeverDeadlock(t *testing.T) {
	u := testURL(t)
	stores := []*Links{openTest(t, u, Options{}).Links(), openTest(t, u, Options{}).Links()}
	ticket := func(k string) tickets.Resolved {
		return tickets.Resolved{Ticket: tickets.Ticket{System: "jira", Key: k}, Source: "jira", Articles: []string{"a"}}
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			res := []tickets.Resolved{ticket("A"), ticket("B"), ticket("C")}
			if i%2 == 1 {
				slices.Reverse(res)
			}
			_, dup, err := stores[i%2].Record(context.Background(), tickets.Delivery{Source: "jira", ID: fmt.Sprint("d-", i), Resolved: res,
				Mentions: []tickets.Mention{{Ticket: tickets.Ticket{System: "pagerduty", Key: fmt.Sprint("P", i%3)}, Refs: []string{"/a/a"}}}})
			assert.NoError(t, err)
			assert.False(t, dup)
		})
	}
	wg.Wait()
	tot, err := stores[0].Totals(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 40, tot.Deliveries)
	assert.Equal(t, 3, tot.Resolved)
}
