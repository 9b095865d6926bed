package server

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"kb/tickets"
	"kb/webhook"
)

// Live reload: an open page listens to GET /api/v1/events and reloads itself
// when its own content changed (app.js compares the page's ETag), within a
// second of a save.
const (
	livePoll      = 200 * time.Millisecond // how often a stream looks for a new snapshot
	liveHeartbeat = 25 * time.Second       // keeps proxies from closing a quiet stream
	liveWrite     = 30 * time.Second       // deadline of one write to the stream
)

// events serves GET /api/v1/events: server-sent events naming the content
// version, once at connect and again whenever a new snapshot is published.
// A restarted server sends the same version for the same content, so pages
// never reload in a loop.
func (s *Server) events(c *echo.Context) error {
	if !s.live {
		return echo.NewHTTPError(http.StatusNotFound, "Live reload is off; start kb serve with --watch.")
	}
	w := c.Response()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	send := func(format string, args ...any) error {
		if err := rc.SetWriteDeadline(time.Now().Add(liveWrite)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return err
		}
		return rc.Flush()
	}
	// The version sent is the reader's view's: an edit of an article the
	// reader may not read changes nothing they can see, and tells them nothing.
	base := s.lib.Snapshot()
	version := ""
	if base != nil {
		version = s.readerView(base, reader(c)).snap.Version
	}
	if err := send("retry: 1000\nevent: version\ndata: %s\n\n", version); err != nil {
		return nil // the client left
	}
	poll := time.NewTicker(livePoll)
	defer poll.Stop()
	beat := time.NewTicker(liveHeartbeat)
	defer beat.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-beat.C:
			if send(": heartbeat\n\n") != nil {
				return nil
			}
		case <-poll.C:
			next := s.lib.Snapshot()
			if next == nil || next == base {
				continue
			}
			base = next
			v := s.readerView(base, reader(c)).snap.Version
			if v == version {
				continue
			}
			version = v
			if send("event: version\ndata: %s\n\n", version) != nil {
				return nil
			}
		}
	}
}

// Puller fetches the content's git ref at once, outside its interval;
// cmd/kb passes *live.Content when kb serves a git ref.
type Puller interface {
	// Push asks for a pull soon; it never blocks.
	Push()
}

// gitHook serves POST /api/v1/hooks/git, the push webhook of GitHub, GitLab,
// Gitea or anything that can send a shared secret: kb fetches at once. The
// body is not trusted for anything; only its signature is checked.
func (s *Server) gitHook(c *echo.Context) error {
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	if s.puller == nil {
		return echo.NewHTTPError(http.StatusNotFound, "This kb does not pull from git; start it with --git-ref.")
	}
	secret := s.webhookSecret(snap, webhook.Git)
	if len(secret) == 0 {
		s.metrics.hook(webhook.Git, webhook.OutcomeOff)
		return hookError(webhook.ErrNoSecret, webhook.Git) // checked before the body is read
	}
	body, err := readBody(c)
	if err != nil {
		s.metrics.hook(webhook.Git, webhook.OutcomeUnparsable)
		return err
	}
	if wait := s.authFails.wait(c.Request()); wait > 0 {
		s.metrics.hook(webhook.Git, webhook.OutcomeRefused)
		return tooManyFailures(c, wait)
	}
	if err := webhook.VerifyPush(secret, c.Request().Header.Get, body); err != nil {
		s.metrics.hook(webhook.Git, webhook.OutcomeBadSignature)
		s.authFails.failed(c.Request())
		s.audit(c, tickets.ActWebhookBadSig, webhook.Git, "")
		return echo.NewHTTPError(http.StatusUnauthorized, "Bad or missing signature: send X-Hub-Signature-256 (GitHub), X-Gitea-Signature (Gitea), X-Gitlab-Token (GitLab) or X-KB-Secret.").Wrap(err)
	}
	s.puller.Push()
	s.metrics.hook(webhook.Git, webhook.OutcomeAccepted)
	c.Response().Header()["Cache-Control"] = s.hdr.noStore
	return c.JSON(http.StatusAccepted, map[string]string{"status": "fetching"})
}
