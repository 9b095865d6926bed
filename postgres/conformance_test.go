package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"kb/searchlog"
	"kb/searchlog/searchlogtest"
	"kb/tickets"
	"kb/tickets/storetest"
)

// TestConformance runs the stores' conformance suite against PostgreSQL,
// each test in a schema of its own; two handles open at once are two
// replicas of one fleet.
func TestConformance(t *testing.T) {
	testBase(t)
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		u := testURL(t)
		openAudit := func(t *testing.T, now func() time.Time, lim tickets.AuditLimits) storetest.Opened {
			db, err := Open(context.Background(), u, Options{Now: now, AuditLimits: lim})
			require.NoError(t, err)
			require.NoError(t, db.Health())
			return storetest.Opened{Links: db.Links(), Feedback: db.Feedback(), Close: func() error { db.Close(); return nil }}
		}
		return storetest.Backend{Shared: true, OpenAudit: openAudit,
			Open: func(t *testing.T, now func() time.Time) storetest.Opened {
				return openAudit(t, now, tickets.AuditLimits{})
			}}
	})
}

// TestSearchLogConformance runs searchlog's conformance suite against
// PostgreSQL, each test in a schema of its own.
func TestSearchLogConformance(t *testing.T) {
	testBase(t)
	searchlogtest.Run(t, func(t *testing.T, limits searchlog.Limits) searchlog.Store {
		db, err := Open(context.Background(), testURL(t), Options{})
		require.NoError(t, err)
		t.Cleanup(db.Close)
		return db.SearchLog(limits)
	})
}
