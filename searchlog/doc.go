// Package searchlog keeps search statistics: per query (normalised, no user
// identity) how often it was searched, how often it found nothing, and which
// results were opened. The store is bounded: at most Limits.MaxQueries
// queries, none older than Limits.MaxAge, at most maxOpens result URLs a
// query. Store is the interface; *Bolt keeps it in bbolt, and package
// postgres in PostgreSQL; searchlogtest.Run is the conformance suite both pass.
package searchlog
