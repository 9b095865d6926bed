package storetest_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"kb/feedback"
	"kb/tickets"
	"kb/tickets/storetest"
)

// TestBBolt runs the conformance suite against the embedded store: the
// links (package tickets) and the helpful counts (package feedback) in one
// bbolt file, as kb serve opens them.
func TestBBolt(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Backend {
		path := filepath.Join(t.TempDir(), "kb.db")
		openAudit := func(t *testing.T, now func() time.Time, lim tickets.AuditLimits) storetest.Opened {
			db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
			require.NoError(t, err)
			links, err := tickets.Open(db, now)
			require.NoError(t, errors.Join(err, closeOnErr(err, db)))
			links.SetAuditLimits(lim)
			fb, err := feedback.Open(db)
			require.NoError(t, errors.Join(err, closeOnErr(err, db)))
			return storetest.Opened{Links: links, Feedback: fb, Close: db.Close}
		}
		return storetest.Backend{
			Open: func(t *testing.T, now func() time.Time) storetest.Opened {
				return openAudit(t, now, tickets.AuditLimits{})
			},
			OpenAudit: openAudit,
		}
	})
}

func closeOnErr(err error, db *bbolt.DB) error {
	if err != nil {
		return db.Close()
	}
	return nil
}
