package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/themes"
	"kb/tickets"
)

// LinkStore holds ticket links, webhook deliveries and API tokens;
// *tickets.Store implements it over bbolt and *postgres.Links over the
// PostgreSQL database a fleet of replicas shares (which also implements
// StoreHealth). It lists only what the handlers use, in three small groups.
type LinkStore interface {
	LinkReadWriter
	DeliveryRecorder
	TokenChecker
}

// LinkReadWriter reads and writes ticket links. Article ids are lower case.
type LinkReadWriter interface {
	// Add stores a link, or updates the one with the same ticket and
	// article; created is false for an update. A nil error means on disk.
	Add(ctx context.Context, l tickets.Link) (stored tickets.Link, created bool, err error)
	// Delete removes one link, or returns tickets.ErrNotFound.
	Delete(ctx context.Context, system, key, article string) error
	// ByTicket returns the links of one ticket, oldest first.
	ByTicket(ctx context.Context, system, key string) ([]tickets.Link, error)
	// ByArticle returns a page of an article's links, newest first, and their total.
	ByArticle(ctx context.Context, article string, offset, limit int) ([]tickets.Link, int, error)
	// Counts returns the number of links of every article that has any.
	Counts(ctx context.Context) (map[string]int, error)
	// Each calls fn for every link.
	Each(ctx context.Context, fn func(tickets.Link) error) error
}

// DeliveryRecorder records webhook deliveries once, with their links,
// resolved tickets (knowledge gaps among them) and the references seen on
// tickets before they are resolved.
type DeliveryRecorder interface {
	Record(ctx context.Context, d tickets.Delivery) (stored []tickets.Link, duplicate bool, err error)
	EachResolved(ctx context.Context, fn func(tickets.Resolved) error) error
	Mentions(ctx context.Context, system, key string) ([]string, error)
	ResolvedTicket(ctx context.Context, system, key string) (tickets.Resolved, bool, error)
}

// TokenChecker finds the API token a secret belongs to, in constant time,
// or returns tickets.ErrUnauthorized.
type TokenChecker interface {
	Authenticate(ctx context.Context, secret string) (tickets.Token, error)
}

// errLinksOff is returned by the link routes when kb runs without a links store.
var errLinksOff = errors.New("no links store")

// linksAvailable returns the store, or a 503 naming why the ticket links are
// unavailable (the pages and search keep working).
func (s *Server) linksAvailable() (LinkStore, error) {
	switch {
	case s.linksErr != nil:
		return nil, echo.NewHTTPError(http.StatusServiceUnavailable,
			"Ticket links are unavailable: "+s.linksErr.Error()+". Pages and search still work; /readyz has the details.").Wrap(s.linksErr)
	case s.links == nil:
		return nil, echo.NewHTTPError(http.StatusServiceUnavailable, "Ticket links are not enabled on this kb.").Wrap(errLinksOff)
	}
	return s.links, nil
}

// storeError turns an error of the links store into a response error: a
// damaged file is a 503 that names it, a full disk a 507 and a read-only
// volume or an unreachable database a 503 with Retry-After (remembered for
// /readyz and /metrics until a write succeeds again or the database answers
// its health check), bad input a 400, anything else a 500.
func (s *Server) storeError(err error) error {
	var ve *tickets.ValidationError
	switch {
	case errors.As(err, &ve):
		return echo.NewHTTPError(http.StatusBadRequest, ve.Error()).Wrap(err)
	case errors.Is(err, tickets.ErrUnavailable):
		s.fault.Store(&storeFault{state: storeUnavailable, err: err.Error(), since: s.now()})
		return &retryLater{after: retryUnavailable, err: echo.NewHTTPError(http.StatusServiceUnavailable, "The links database is unreachable, so nothing was recorded. "+
			"Retry in a few seconds: kb reconnects by itself, and pages and search keep working.").Wrap(err)}
	case errors.Is(err, tickets.ErrCorrupt):
		return echo.NewHTTPError(http.StatusServiceUnavailable, "The links database is damaged: "+err.Error()+
			". An operator must restore it from a backup (kb links import); kb does not modify it.").Wrap(err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return echo.NewHTTPError(http.StatusServiceUnavailable, "The request ended before the links store answered.").Wrap(err)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		s.fault.Store(&storeFault{state: storeFull, err: err.Error(), since: s.now()})
		return &retryLater{after: retryFault, err: echo.NewHTTPError(http.StatusInsufficientStorage, "The links store's disk is full, so nothing was recorded. "+
			"Retry once space is freed; kb recovers by itself.").Wrap(err)}
	case errors.Is(err, syscall.EROFS), errors.Is(err, tickets.ErrReadOnly):
		s.fault.Store(&storeFault{state: storeReadOnly, err: err.Error(), since: s.now()})
		return &retryLater{after: retryFault, err: echo.NewHTTPError(http.StatusServiceUnavailable, "The links store's volume is read-only, so nothing was recorded. "+
			"Retry once it is writable again; kb recovers by itself.").Wrap(err)}
	}
	return err
}

// Seconds a client is told to wait (Retry-After) before writing again.
const (
	retryUnavailable = "2"  // a database restarting or failing over
	retryFault       = "30" // an operator frees space or remounts
)

// retryLater is a response error that tells the client when to try again.
type retryLater struct {
	after string // Retry-After, in seconds
	err   error  // an *echo.HTTPError
}

func (e *retryLater) Error() string { return e.err.Error() }
func (e *retryLater) Unwrap() error { return e.err }

// retryAfter returns the Retry-After of a response error, "" for none.
func retryAfter(err error) string {
	var rl *retryLater
	if errors.As(err, &rl) {
		return rl.after
	}
	return ""
}

// Store states beyond "ok" that a failed write, or the database's health
// check, reveals.
const (
	storeFull        = "full"
	storeReadOnly    = "read-only"
	storeUnavailable = "unavailable"
)

// StoreHealth is implemented by a links store that can be unreachable while
// kb runs, shared by the replicas of a fleet (the PostgreSQL one): Health
// returns why it is unreachable, or nil while it answers; Name names it for
// /readyz ("10.0.0.5:5432/kb"); Listening reports whether the other
// replicas' writes reach this one at once (else within the store's re-read).
type StoreHealth interface {
	Health() error
	Name() string
	Listening() bool
}

// linksHealth returns why the links store is unreachable, or nil.
func (s *Server) linksHealth() error {
	if h, ok := s.links.(StoreHealth); ok {
		return h.Health()
	}
	return nil
}

// storeFault is why the last write to the store failed for want of space or
// of a writable volume; the next write that succeeds clears it.
type storeFault struct {
	state, err string
	since      time.Time
}

// wrote records that a write to the store succeeded.
func (s *Server) wrote() {
	s.clearFault()
}

// clearFault forgets why the last write failed.
func (s *Server) clearFault() {
	if s.fault.Load() != nil {
		s.fault.Store(nil)
	}
}

// linkVersions count the link writes per article, in stripes chosen by a
// hash of the article id, so that a cached article page (which lists the
// article's tickets) is rendered again after a write concerning it. A
// collision only costs an extra rendering. Reading a version allocates
// nothing, which keeps a cache hit free of allocations.
type linkVersions struct {
	seed    maphash.Seed
	stripes [256]atomic.Uint64
}

func newLinkVersions() *linkVersions { return &linkVersions{seed: maphash.MakeSeed()} }

func (v *linkVersions) stripe(id string) *atomic.Uint64 {
	return &v.stripes[maphash.String(v.seed, id)%uint64(len(v.stripes))]
}

// get returns the version of the links of article id.
func (v *linkVersions) get(id string) uint64 { return v.stripe(id).Load() }

// bump marks the links of the articles ids as changed; call it after the
// write is on disk.
func (v *linkVersions) bump(ids ...string) {
	for _, id := range ids {
		v.stripe(id).Add(1)
	}
}

// bumpAll marks the links of every article as changed.
func (v *linkVersions) bumpAll() {
	for i := range v.stripes {
		v.stripes[i].Add(1)
	}
}

// LinksChanged tells the server that the links of the articles ids changed
// in the store behind its back (another replica wrote them): their cached
// pages are rendered again at the next request. cmd/kb calls it for the
// store's change notifications.
func (s *Server) LinksChanged(ids ...string) { s.linkVer.bump(ids...) }

// AllLinksChanged is LinksChanged for every article: after an outage of
// the store, when pages were rendered without their tickets, or a
// notification too large to list its articles.
func (s *Server) AllLinksChanged() { s.linkVer.bumpAll() }

// recentTickets is how many of an article's tickets its page lists.
const recentTickets = 5

// ticketsBlock is the "Solved N tickets" part of an article page.
type ticketsBlock struct {
	Count   int         // links of the article, all relations
	Recent  []ticketRow // the most recent ones
	MoreURL string      // the API listing all of them
}

// ticketRow is one ticket in an article page, a report or a card.
type ticketRow struct {
	System       string // "jira"
	SystemLabel  string // "Jira"
	Key          string
	URL          string // the ticket in its tool; "" when unknown
	Title        string
	Status       string
	Relation     string    // "resolved_by", ...
	RelationText string    // "resolved by"
	Date         time.Time // resolved, else linked
	Note         string
}

var relationTexts = map[tickets.Relation]string{
	tickets.ResolvedBy: "resolved by", tickets.Workaround: "workaround",
	tickets.Referenced: "referenced", tickets.Outdated: "outdated",
}

func toTicketRow(l tickets.Link) ticketRow {
	r := ticketRow{
		System: l.Ticket.System, SystemLabel: tickets.SystemLabel(l.Ticket.System), Key: l.Ticket.Key,
		URL: l.Ticket.URL, Title: l.Ticket.Title, Status: l.Ticket.Status,
		Relation: string(l.Relation), RelationText: relationTexts[l.Relation], Date: l.LinkedAt, Note: l.Note,
	}
	if l.Ticket.ResolvedAt != nil {
		r.Date = *l.Ticket.ResolvedAt
	}
	return r
}

// pageStoreTimeout bounds the store's answer for a page's tickets block: a
// slow database never holds up a page.
const pageStoreTimeout = time.Second

// articleTickets reads the tickets block of article id; nil when the store
// is unavailable (the page says nothing rather than fail, and is rendered
// again once the store is back: AllLinksChanged).
func (s *Server) articleTickets(ctx context.Context, id string) *ticketsBlock {
	store, err := s.linksAvailable()
	if err != nil || s.linksHealth() != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, pageStoreTimeout)
	defer cancel()
	links, total, err := store.ByArticle(ctx, id, 0, recentTickets)
	if err != nil {
		s.log.Warn("cannot read the tickets of an article; its page shows none", "err", err, "id", id)
		return nil
	}
	b := &ticketsBlock{Count: total, MoreURL: "/api/v1/articles/" + url.PathEscape(id) + "/tickets"}
	for _, l := range links {
		b.Recent = append(b.Recent, toTicketRow(l))
	}
	return b
}

// articlePageFor returns the cached page of a, rendered again when links of
// a were written since it was rendered, so that a new link shows at once.
func (s *Server) articlePageFor(ctx context.Context, snap *content.Snapshot, a *content.Article) (*blob, error) {
	ps, b := s.cached(snap, a)
	version := s.linkVer.get(a.ID)
	if b != nil && b.linkVersion == version {
		return b, nil
	}
	return s.renderOnce(ctx, ps, flightKey{key: a, version: version}, func() (*blob, error) {
		view := s.articleView(snap, a)
		view.Tickets = s.articleTickets(ctx, a.ID)
		view.OEmbed = oembedLink(snap, a)
		b, err := s.renderBlob(themes.PageArticle, view)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", a.Path, err)
		}
		b.linkVersion = version
		ps.pages.Store(a, b) // a concurrent, older rendering may win; its version makes the next request render again
		return b, nil
	})
}

// renderBlob renders page with data into a blob that is not cached.
func (s *Server) renderBlob(page string, data any) (*blob, error) {
	s.metrics.renders.WithLabelValues(page).Inc()
	var buf bytes.Buffer
	if err := s.theme.Render(&buf, page, data); err != nil {
		return nil, err
	}
	return newBlob(buf.Bytes(), s.hdr.html, s.hdr.noCache, &s.gz), nil
}

// linksStatus is the part of /readyz about the links store.
type linksStatus struct {
	Status string `json:"status"`          // "ok", "full", "read-only", "damaged", "unavailable" or "off"
	Store  string `json:"store,omitempty"` // which store: "bbolt" or "postgres HOST:PORT/DB"
	// Notifications, for a store shared by replicas: "listening" (others'
	// writes show here at once) or "reconnecting" (within the re-read).
	Notifications string `json:"notifications,omitempty"`
	Error         string `json:"error,omitempty"` // why unavailable
}

func (s *Server) linksReadiness() *linksStatus {
	st := s.linksState()
	if h, ok := s.links.(StoreHealth); ok {
		st.Store, st.Notifications = "postgres "+h.Name(), "reconnecting"
		if h.Listening() {
			st.Notifications = "listening"
		}
	} else if s.links != nil {
		st.Store = "bbolt"
	}
	return st
}

func (s *Server) linksState() *linksStatus {
	if err := s.linksHealth(); err != nil {
		return &linksStatus{Status: storeUnavailable, Error: "the links database is unreachable (link writes answer 503 with Retry-After; pages and search are served; kb reconnects by itself): " + err.Error()}
	}
	if f := s.fault.Load(); f != nil && f.state == storeUnavailable {
		if _, ok := s.links.(StoreHealth); ok {
			s.clearFault() // the health check answers again
		}
	}
	switch {
	case errors.Is(s.linksErr, tickets.ErrCorrupt):
		return &linksStatus{Status: "damaged", Error: "the links database is damaged (the link API answers 503; the file is left as it is): " + s.linksErr.Error()}
	case s.linksErr != nil:
		return &linksStatus{Status: "unavailable", Error: "ticket links are unavailable (the link API answers 503): " + s.linksErr.Error()}
	case s.links == nil:
		return &linksStatus{Status: "off"}
	}
	if f := s.fault.Load(); f != nil {
		return &linksStatus{Status: f.state, Error: "writes to the links store fail since " + f.since.UTC().Format(time.RFC3339) +
			" (link writes answer " + map[string]string{storeFull: "507", storeReadOnly: "503", storeUnavailable: "503"}[f.state] + "; reads work): " + f.err}
	}
	return &linksStatus{Status: "ok"}
}

// BackupStatus reports the hot backups of the links database; cmd/kb's
// backup loop implements it.
type BackupStatus interface {
	// LastBackup returns when the newest good backup was taken (zero when
	// there is none yet) and why the last attempt failed, if it did.
	LastBackup() (time.Time, error)
}

// backupStatus is the backup part of /readyz.
type backupStatus struct {
	Last       *time.Time `json:"last,omitempty"`        // the newest good backup
	AgeSeconds *float64   `json:"age_seconds,omitempty"` // how old it is
	Error      string     `json:"error,omitempty"`       // why the last attempt failed
}

func (s *Server) backupReadiness() *backupStatus {
	if s.backups == nil {
		return nil
	}
	last, err := s.backups.LastBackup()
	var b backupStatus
	if !last.IsZero() {
		age := s.now().Sub(last).Seconds()
		b.Last, b.AgeSeconds = &last, &age
	}
	if err != nil {
		b.Error = err.Error()
	}
	return &b
}
