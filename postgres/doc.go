// Package postgres keeps what kb writes (ticket links, API tokens, webhook
// deliveries, resolved tickets and mentions, "this helped" counts) in
// PostgreSQL, for a fleet of kb replicas behind a load balancer: the shared
// state that git does not hold. It is the PostgreSQL backend of the stores
// that packages tickets and feedback define over bbolt, and passes the same
// conformance suite (tickets/storetest).
//
// The schema is versioned SQL in migrations/, embedded and applied by goose
// at start under an advisory lock; a database migrated by a newer kb is
// refused (ErrSchemaNewer). Every write is one transaction, acknowledged
// only after COMMIT; duplicates are decided by primary keys (INSERT … ON
// CONFLICT), never by a replica's memory. Writes send a NOTIFY in their
// transaction, and DB.Run turns the notifications of every replica into
// cache invalidations, with a periodic re-read of article link versions as
// the safety net. A database that is down makes every call fail fast with
// tickets.ErrUnavailable, and DB.Health says so until it answers again.
//
// postgres imports tickets, feedback and content types only; only it and
// cmd/kb import pgx. Its API is internal to kb.
package postgres
