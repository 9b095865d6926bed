package server

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v5"

	"kb/content"
	"kb/searchlog"
	"kb/themes"
	"kb/tickets"
)

// Deps lists what a Server needs; cmd/kb fills it in.
type Deps struct {
	Library *content.Library // current snapshot via Library.Snapshot(); Library.Err() is the last load error
	Theme   *themes.Theme
	Search  Searcher // nil: search pages fall back to titles, the API answers 503
	Logger  *slog.Logger
	Version string

	// Links holds ticket links and API tokens; nil, or LinksErr set, turns
	// the link API into 503s while pages and search keep working.
	Links    LinkStore
	LinksErr error // why the links store could not be opened, e.g. a damaged file; /readyz names it
	// LinksReadOnly: the store was opened read-only (its volume is); link
	// writes answer 503 and /readyz says so from the start.
	LinksReadOnly bool
	// WebhookSecrets override kb.yaml webhook_secrets by source (cmd/kb
	// reads them from KB_WEBHOOK_SECRET_<SOURCE>: secrets are better kept out of git).
	WebhookSecrets map[string]string
	// APIReadToken requires a token (any scope) for reads under /api/ too.
	APIReadToken bool
	// Backups reports the hot backups of the links database for /readyz
	// and /metrics; nil when none are taken.
	Backups BackupStatus
	// Feedback stores "this helped" counts; nil hides the button.
	Feedback FeedbackStore
	// SearchLog records searches and opened results for /reports/search;
	// nil records nothing.
	SearchLog searchlog.Store

	// Live makes open pages reload by themselves when their content changes
	// (kb serve --watch): pages listen to GET /api/v1/events.
	Live bool
	// Now is the clock for everything that reasons about dates (reports,
	// review states, new-file templates); cmd/kb passes time.Now, tests a
	// fixed time. Nil means time.Now.
	Now func() time.Time
	// Puller, when set, is asked to pull after a verified push webhook
	// (POST /api/v1/hooks/git): kb fetches at once instead of at the next interval.
	Puller Puller

	// Proxy, when set, reads the user and groups from an authenticating
	// proxy's headers (only from its addresses). Sessions, when set, signs
	// users in (OpenID Connect). With neither, every reader is anonymous:
	// kb.yaml access: rules then show only what they open to "*".
	Proxy    *Proxy
	Sessions Sessions
	// Audit is the audit trail of writes and administrative acts; nil
	// records none. AdminGroup is the group whose members read it at
	// /reports/audit; "" shows it to nobody.
	Audit      tickets.Audit
	AdminGroup string
	// Index says how far the search index is behind the content, for
	// /metrics; nil: never behind.
	Index IndexProgress
}

// IndexProgress reports how long the search index has been behind the
// content served; *live.Content implements it.
type IndexProgress interface {
	IndexLag() time.Duration
}

// Server serves kb's pages, attachments and operational endpoints.
type Server struct {
	gz      gzipPool // writers for the gzip form of pages
	lib     *content.Library
	theme   *themes.Theme // the given theme plus the generated syntax stylesheets
	log     *slog.Logger
	version string
	search  Searcher
	live    bool
	puller  Puller
	index   IndexProgress
	now     func() time.Time
	echo    *echo.Echo
	pages   atomic.Pointer[pageSet] // pages of the snapshot seen last
	views   atomic.Pointer[views]   // what each kind of reader sees of it

	proxy    *Proxy
	sessions Sessions
	metrics  *metrics
	hdr      headerValues

	links          LinkStore
	linksErr       error
	fault          atomic.Pointer[storeFault] // a write failed for want of space or of a writable volume
	authFails      *failLimiter               // failed tokens and webhook secrets, per client address
	renderSlots    chan struct{}              // pages rendered on request at once (see renderOnce)
	linkVer        *linkVersions              // bumped by link writes; article pages listing tickets follow it
	webhookSecrets map[string]string
	apiReadToken   bool
	apiDoc         *blob // /api/v1/openapi.json

	feedback   FeedbackStore
	searchLog  searchlog.Store
	backups    BackupStatus
	auditLog   tickets.Audit
	adminGroup string
	xorigin    *http.CrossOriginProtection // refuses cross-site form posts ("this helped")
}

// errNotLoaded is returned while the library has no snapshot yet.
var errNotLoaded = errors.New("content not loaded")

// New returns a Server for d. It fails when the theme cannot be completed
// with kb's generated assets.
func New(d Deps) (*Server, error) {
	if d.Library == nil {
		return nil, errors.New("server: no content library")
	}
	if d.Theme == nil {
		return nil, errors.New("server: no theme")
	}
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	css, err := syntaxStylesheets()
	if err != nil {
		return nil, fmt.Errorf("server: syntax highlighting stylesheets: %w", err)
	}
	theme, err := d.Theme.WithAssets(css)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{
		lib:     d.Library,
		theme:   theme,
		log:     log,
		version: d.Version,
		search:  d.Search,
		live:    d.Live,
		puller:  d.Puller,
		index:   d.Index,
		now:     d.Now,
		hdr:     newHeaderValues(),

		proxy:    d.Proxy,
		sessions: d.Sessions,
	}
	s.metrics = newMetrics(s)
	s.links, s.linksErr, s.linkVer = d.Links, d.LinksErr, newLinkVersions()
	s.authFails = newFailLimiter(s.now)
	s.renderSlots = make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	if d.LinksReadOnly {
		s.fault.Store(&storeFault{state: storeReadOnly, err: "the data volume was read-only when kb started", since: s.now()})
	}
	s.webhookSecrets, s.apiReadToken = maps.Clone(d.WebhookSecrets), d.APIReadToken
	s.apiDoc = newBlob(openAPIDocument, s.hdr.json, s.hdr.noCache, &s.gz)
	s.feedback, s.xorigin, s.backups = d.Feedback, http.NewCrossOriginProtection(), d.Backups
	s.searchLog = d.SearchLog
	s.auditLog, s.adminGroup = d.Audit, d.AdminGroup
	s.echo = echo.NewWithConfig(echo.Config{
		Logger:           s.log,
		HTTPErrorHandler: s.handleError,
		// UnescapePathParamValues: a path parameter is percent-decoded exactly once.
		Router:     echo.NewRouter(echo.RouterConfig{AutoHandleHEAD: true, UnescapePathParamValues: true}),
		Filesystem: noFiles{}, // kb never serves files through echo; content goes through Snapshot.Open
	})
	s.routes(s.echo)
	return s, nil
}

// Handler returns the http.Handler serving every route.
func (s *Server) Handler() http.Handler {
	return s.echo
}

// snapshot returns the current content snapshot, or errNotLoaded.
func (s *Server) snapshot() (*content.Snapshot, error) {
	snap := s.lib.Snapshot()
	if snap == nil {
		return nil, errNotLoaded
	}
	return snap, nil
}

// handleError is the echo HTTPErrorHandler: the only place errors become
// responses. 4xx says what went wrong; 5xx says "internal error" and logs the cause.
func (s *Server) handleError(c *echo.Context, err error) {
	req := c.Request()
	if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
		s.log.Warn("error after the response was sent", "err", err, "path", req.URL.Path)
		return
	}
	status, msg := http.StatusInternalServerError, "internal error"
	var he *echo.HTTPError
	var sc echo.HTTPStatusCoder
	switch {
	case errors.Is(err, content.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, errNotLoaded):
		status, msg = http.StatusServiceUnavailable, "The content is not loaded yet; try again in a moment."
	case errors.As(err, &he):
		status, msg = he.Code, he.Message
	case errors.As(err, &sc):
		status, msg = sc.StatusCode(), ""
	}
	switch {
	case status == http.StatusNotFound && he != nil && he.Message != "":
		// a handler said what is missing: keep it
	case status == http.StatusNotFound && strings.HasPrefix(req.URL.Path, "/api/"):
		msg = "There is no API endpoint at " + clip(req.URL.Path) + "."
	case status == http.StatusNotFound:
		msg = "There is no page at " + clip(req.URL.Path) + "."
	case status >= 500 && status != http.StatusServiceUnavailable && status != http.StatusNotImplemented && status != http.StatusInsufficientStorage: // 501: oEmbed XML, an answer; 507: a full disk, named
		s.log.Error("request failed", "err", err, "path", req.URL.Path, "route", c.Path())
		msg = "internal error"
	case status == http.StatusRequestEntityTooLarge && msg == "":
		msg = fmt.Sprintf("The body is larger than %d bytes (1 MiB).", maxBody)
	case msg == "":
		msg = http.StatusText(status)
	}
	if errors.Is(err, errNotLoaded) {
		c.Response().Header().Set("Retry-After", "1") // the first load is running
	} else if after := retryAfter(err); after != "" {
		c.Response().Header().Set("Retry-After", after)
	}
	s.respond(c, status, msg)
}

// respond writes an error response: {"error": msg} under /api/, a themed
// HTML page elsewhere.
func (s *Server) respond(c *echo.Context, status int, msg string) {
	req := c.Request()
	h := c.Response().Header()
	for _, k := range []string{"Content-Disposition", "Content-Encoding", "Content-Length", "Etag", "Last-Modified", "Accept-Ranges", "Vary"} {
		delete(h, k)
	}
	h["Content-Security-Policy"] = s.hdr.csp // an attachment may have set its own
	h["Cache-Control"] = s.hdr.noStore
	var err error
	switch {
	case req.Method == http.MethodHead:
		err = c.NoContent(status)
	case strings.HasPrefix(req.URL.Path, "/api/") || req.URL.Query().Get("format") == "json":
		err = c.JSON(status, map[string]string{"error": msg})
	default:
		err = s.errorPage(c, status, msg)
	}
	if err != nil {
		s.log.Warn("cannot send error response", "err", err, "path", req.URL.Path, "status", status)
	}
}

// noFiles is the echo Filesystem: empty, so that nothing is ever served from
// the working directory by accident.
type noFiles struct{}

func (noFiles) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
