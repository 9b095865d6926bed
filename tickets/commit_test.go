package tickets

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"
)

// TestGroupCommit runs many writes at once, every seventh failing: each
// caller gets its own outcome, and exactly the writes that succeeded are
// stored, however they were grouped.
func TestGroupCommit(t *testing.T) {
	s := newStore(t)
	errOdd := errors.New("this write fails")
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Go(func() {
			err := s.update(func(tx *bbolt.Tx) error {
				if err := tx.Bucket([]byte(bucketTokens)).Put(fmt.Appendf(nil, "k%03d", i), []byte("v")); err != nil {
					return err
				}
				if i%7 == 0 {
					return errOdd
				}
				return nil
			})
			if i%7 == 0 {
				assert.ErrorIs(t, err, errOdd, "write %d", i)
			} else {
				assert.NoError(t, err, "write %d", i)
			}
		})
	}
	wg.Wait()
	require.NoError(t, s.db.View(func(tx *bbolt.Tx) error {
		for i := range 300 {
			got := tx.Bucket([]byte(bucketTokens)).Get(fmt.Appendf(nil, "k%03d", i))
			assert.Equal(t, i%7 != 0, got != nil, "write %d", i)
		}
		return nil
	}))
	assert.False(t, s.commit.leading, "the lead is given up when the queue is empty")
	assert.Empty(t, s.commit.queue)
}
