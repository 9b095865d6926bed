package search

import "errors"

// Errors callers branch on. The server maps them to HTTP statuses:
// ErrBadQuery (and *QueryError) to 400, ErrNotReady to 503 with Retry-After,
// ErrBusy to 429, ErrTimeout to 503.
var (
	// ErrBadQuery is wrapped by every *QueryError.
	ErrBadQuery = errors.New("bad query")
	// ErrNotReady means the index is being built or is missing; retry later.
	ErrNotReady = errors.New("search index not ready")
	// ErrBusy means too many searches are running; retry shortly.
	ErrBusy = errors.New("too many searches at once")
	// ErrTimeout means a search ran past its deadline.
	ErrTimeout = errors.New("search took too long")
	// ErrLocked means another process holds the index folder.
	ErrLocked = errors.New("search index is in use by another process")
	// ErrReadOnly is returned by writes to an index opened read-only.
	ErrReadOnly = errors.New("search index is open read-only")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("search index is closed")
)

// QueryError is a query kb refuses, with a message for the person who typed
// it. It wraps ErrBadQuery.
type QueryError struct {
	Msg string
}

func (e *QueryError) Error() string { return e.Msg }

// Unwrap returns ErrBadQuery.
func (e *QueryError) Unwrap() error { return ErrBadQuery }
