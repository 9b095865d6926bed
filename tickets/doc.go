// Package tickets records which tickets were resolved by which articles, and
// the API tokens that may write those links. Links are the only data kb holds
// that git does not, so every write is on disk (bbolt with fsync) before it
// returns, and a damaged file is reported, never repaired or removed.
//
// tickets stores its data in buckets of a bbolt file that cmd/kb opens and
// hands over; it knows nothing about HTTP. A fleet of replicas keeps the
// same data in PostgreSQL (package postgres), which uses the rules exported
// here (Link.Normalise, Delivery.Normalise, MergeRefs, MergeResolved,
// NewToken, ReadExport) so that both stores decide alike; Copy moves
// everything from one store to another and checks the counts. Its API is
// internal to kb.
package tickets
