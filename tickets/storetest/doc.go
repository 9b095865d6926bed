// Package storetest is the conformance suite of kb's stores: one set of
// tests that every backend of the links store (tickets.Store over bbolt,
// postgres.Links) and of the feedback counts (feedback.Store,
// postgres.Feedback) must pass, every test of it. A backend's own test calls
// Run with a way to open its storage; a shared backend runs the concurrency,
// token and delivery tests through two handles at once, as two replicas.
//
// storetest imports tickets and feedback; it is for tests only, and its API
// is internal to kb.
package storetest
