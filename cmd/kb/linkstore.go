package main

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"kb/feedback"
	"kb/tickets"
	"kb/webhook"
)

// openLinks opens the links store for kb serve. Another kb holding the file
// is an error, so that kb exits at once with a clear message. Any other
// problem (a damaged or foreign file, a schema from a newer kb, no access)
// is not: kb serves pages and search, the link API answers 503, /readyz names
// the problem, and the file is left exactly as it is for an operator.
// The "this helped" counts live in the same file (package feedback); fb is
// nil whenever the links store is unavailable, which hides the button.
func openLinks(dataDir string, now func() time.Time, log *slog.Logger) (db *bbolt.DB, store *tickets.Store, fb *feedback.Store, linksErr error, closeFn func(), err error) {
	db, err = openDB(dataDir)
	switch {
	case errors.Is(err, errLocked):
		return nil, nil, nil, nil, nil, err
	case err != nil:
		log.Error(restoreAdvice, "err", err)
		return nil, nil, nil, err, func() {}, nil
	}
	store, err = tickets.Open(db, now)
	if err != nil {
		if cerr := db.Close(); cerr != nil {
			log.Warn("closing the links database", "err", cerr)
		}
		log.Error(restoreAdvice, "err", err)
		return nil, nil, nil, err, func() {}, nil
	}
	if fb, err = feedback.Open(db); err != nil {
		log.Warn("feedback unavailable; article pages show no \"this helped\" button", "err", err)
		fb = nil
	}
	return db, store, fb, nil, func() {
		if err := db.Close(); err != nil {
			log.Error("closing the links database", "err", err)
		}
	}, nil
}

// restoreAdvice is logged when the links database cannot be used: kb serves
// pages and search without it and never touches the file.
const restoreAdvice = "ticket links unavailable; serving pages and search, the link API answers 503. " +
	"kb.db is left as it is. To restore: stop kb, move kb.db aside, then either copy the newest file of " +
	"--data/backups/ to kb.db or start kb and run 'kb links import' with an export; bbolt's own tools " +
	"(go run go.etcd.io/bbolt/cmd/bbolt@v1.5.0 check|surgery kb.db) can inspect and repair a copy"

// webhookSecrets reads KB_WEBHOOK_SECRET_<SOURCE> for every webhook source
// and for the git push hook (KB_WEBHOOK_SECRET_GIT):
// secrets kept in the environment (or a secret manager filling it) rather
// than in kb.yaml, which lives in git. They win over kb.yaml.
func webhookSecrets(getenv func(string) string) map[string]string {
	out := map[string]string{}
	for _, src := range append(webhook.Sources(), webhook.Git) { // the push webhook too
		if v := strings.TrimSpace(getenv("KB_WEBHOOK_SECRET_" + strings.ToUpper(src))); v != "" {
			out[src] = v
		}
	}
	return out
}

// envBool reads a boolean environment variable; anything unparsable is an error.
func envBool(getenv func(string) string, name string) (bool, error) {
	v := getenv(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errors.New(name + "=" + strconv.Quote(v) + ": want true or false")
	}
	return b, nil
}
