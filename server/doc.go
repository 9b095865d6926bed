// Package server is kb's HTTP layer: the echo routes (all in routes.go),
// middleware, HTML pages rendered with a themes.Theme, attachments, health,
// readiness and Prometheus metrics.
//
// Pages are rendered once per content snapshot, compressed once, and served
// from memory with a strong ETag; a new snapshot starts a new page cache.
// Errors become responses in one place, handleError. Handlers never block on
// I/O other than reading an attachment.
//
// server is the only package that imports echo. It may import content,
// render, search, tickets and themes; nothing imports it but cmd/kb. Its API
// is internal to kb.
package server
