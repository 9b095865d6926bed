package server

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v5"

	"kb/access"
	"kb/content"
	"kb/reports"
	"kb/search"
	"kb/tickets"
)

// readerKey is where identify leaves the request's access.Reader.
const readerKey = "kb.reader"

// reader returns who the request reads as: anonymous until identify found
// a signed-in user, trusted proxy headers or a token.
func reader(c *echo.Context) access.Reader {
	r, _ := c.Get(readerKey).(access.Reader)
	return r
}

// maxViews bounds the views kept per snapshot: one per distinct set of
// readable classes (and token path limits) seen. Past it, views are built
// per request and their pages are not kept, which costs time, never memory.
const maxViews = 64

// views holds, for one snapshot, what each kind of reader may see.
type views struct {
	base    *content.Snapshot
	classes []access.Class // distinct classes of the snapshot's articles and attachments
	open    bool           // everything is readable by anyone: every reader gets base
	mu      sync.Mutex
	byKey   map[string]*readerView
	bySnap  map[*content.Snapshot]*pageSet
}

// readerView is one reader's snapshot, its search filter and its pages.
type readerView struct {
	snap     *content.Snapshot
	readable []access.Class
	// only holds the IDs of the view's articles when the reader's paths
	// limit it (a token's read scopes): the search index filters on them.
	only  []string
	pages *pageSet
}

func newViews(base *content.Snapshot) *views {
	classes := base.Classes()
	return &views{
		base: base, classes: classes, open: len(classes) == 0 || slices.Equal(classes, []access.Class{""}),
		byKey: map[string]*readerView{}, bySnap: map[*content.Snapshot]*pageSet{},
	}
}

// viewsOf returns the views of snap, starting new ones for a new snapshot.
func (s *Server) viewsOf(snap *content.Snapshot) *views {
	for {
		v := s.views.Load()
		if v != nil && v.base == snap {
			return v
		}
		next := newViews(snap)
		if s.views.CompareAndSwap(v, next) {
			return next
		}
	}
}

// view returns the snapshot as the request's reader may see it: the one
// helper every handler reads content through. Articles and attachments the
// reader may not read are absent from it, so they answer the same 404 as a
// path that holds nothing, and no listing, tag, backlink, feed or report
// built from it can name them.
func (s *Server) view(c *echo.Context) (*content.Snapshot, error) {
	snap, err := s.snapshot()
	if err != nil {
		return nil, err
	}
	rv := s.readerView(snap, reader(c))
	return rv.snap, nil
}

// readerView returns r's view of snap, from the views' cache when it can.
func (s *Server) readerView(snap *content.Snapshot, r access.Reader) *readerView {
	vs := s.viewsOf(snap)
	if vs.open && r.Paths == nil {
		return &readerView{snap: snap}
	}
	readable := make([]access.Class, 0, len(vs.classes))
	for _, cl := range vs.classes {
		if cl.Allows(r) {
			readable = append(readable, cl)
		}
	}
	if r.Paths == nil && len(readable) == len(vs.classes) {
		return &readerView{snap: snap} // the reader sees everything
	}
	key := strings.Join(classStrings(readable), "\n") + "\x00" + strings.Join(r.Paths, "\n")
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if rv, ok := vs.byKey[key]; ok {
		return rv
	}
	keep := func(cl access.Class, p string) bool { return slices.Contains(readable, cl) && r.PathAllowed(p) }
	view := snap.View(
		func(a *content.Article) bool { return keep(a.Class, a.Path) },
		func(p string) bool { return keep(snap.Access.Class(p, nil), p) },
	)
	rv := &readerView{snap: view, readable: readable, pages: &pageSet{snap: view, seenAt: s.now()}}
	if r.Paths != nil {
		rv.only = make([]string, 0, len(view.Articles))
		for _, a := range view.Articles {
			rv.only = append(rv.only, a.ID)
		}
	}
	if len(vs.byKey) < maxViews {
		vs.byKey[key] = rv
		vs.bySnap[view] = rv.pages
	}
	return rv
}

func classStrings(cs []access.Class) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

// viewPages returns the page set of a reader's view snap, nil when snap is
// no view of the current snapshot.
func (s *Server) viewPages(snap *content.Snapshot) *pageSet {
	vs := s.views.Load()
	if vs == nil {
		return nil
	}
	vs.mu.Lock()
	defer vs.mu.Unlock()
	return vs.bySnap[snap]
}

// restrict sets q's access filter for the request's reader. Hits are still
// checked against the reader's view (restrictHits): the index may lag a
// change of kb.yaml's rules by a moment.
func (s *Server) restrict(c *echo.Context, q search.Query) search.Query {
	snap := s.lib.Snapshot()
	if snap == nil {
		q.Restricted = true
		return q
	}
	rv := s.readerView(snap, reader(c))
	if rv.snap == snap {
		return q
	}
	q.Restricted, q.Readable, q.Only = true, rv.readable, rv.only
	return q
}

// restrictHits drops the hits a reader's view does not hold.
func restrictHits(view *content.Snapshot, hits []search.Hit) []search.Hit {
	out := hits[:0:0]
	for _, h := range hits {
		if _, ok := view.ByID(h.ID); ok {
			out = append(out, h)
		}
	}
	return out
}

// Proxy names the headers an authenticating proxy (oauth2-proxy, an
// identity-aware proxy) sets and the peers allowed to set them.
type Proxy struct {
	UserHeader   string         // e.g. X-Forwarded-User
	GroupsHeader string         // e.g. X-Forwarded-Groups: comma-separated
	Trusted      []netip.Prefix // peers whose headers count; any other's are ignored and logged
}

// fromProxy returns the reader the proxy headers of req name, and whether
// they were set by a trusted peer. Headers from any other peer are ignored
// (and logged by the caller): anyone can send a header.
func (p *Proxy) fromProxy(req *http.Request) (r access.Reader, present, trusted bool) {
	user := strings.TrimSpace(req.Header.Get(p.UserHeader))
	groups := req.Header.Get(p.GroupsHeader)
	if user == "" && groups == "" {
		return r, false, false
	}
	addr, err := netip.ParseAddrPort(req.RemoteAddr)
	if err != nil || !slices.ContainsFunc(p.Trusted, func(pr netip.Prefix) bool { return pr.Contains(addr.Addr().Unmap()) }) {
		return r, true, false
	}
	if user == "" {
		return r, true, true // groups without a user: anonymous
	}
	r.User = user
	for g := range strings.SplitSeq(groups, ",") {
		if g = strings.TrimSpace(g); g != "" {
			r.Groups = append(r.Groups, g)
		}
	}
	return r, true, true
}

// restricted reports whether the request's reader sees less than everything.
func (s *Server) restricted(c *echo.Context) bool {
	snap := s.lib.Snapshot()
	return snap != nil && s.readerView(snap, reader(c)).snap != snap
}

// Sessions reads the signed-in user of a request and serves sign-in and
// sign-out; *signin.OIDC implements it.
type Sessions interface {
	// Reader returns the user of req's session cookie; ok is false without
	// a valid one (none, forged, expired).
	Reader(req *http.Request) (r access.Reader, ok bool)
	Login(w http.ResponseWriter, req *http.Request)    // GET /auth/login?next=
	Callback(w http.ResponseWriter, req *http.Request) // GET /auth/callback
	Logout(w http.ResponseWriter, req *http.Request)   // POST /auth/logout
}

// identify sets the request's reader: the user of a session cookie, or of
// trusted proxy headers. Proxy headers from an untrusted peer are ignored
// and logged: the reader stays anonymous.
func (s *Server) identify(next echo.HandlerFunc) echo.HandlerFunc {
	if s.proxy == nil && s.sessions == nil {
		return next
	}
	return func(c *echo.Context) error {
		req := c.Request()
		if s.proxy != nil {
			r, present, trusted := s.proxy.fromProxy(req)
			switch {
			case present && !trusted:
				s.log.Warn("proxy headers from an untrusted peer ignored", "peer", req.RemoteAddr, "path", req.URL.Path)
			case trusted:
				c.Set(readerKey, r)
			}
		}
		if s.sessions != nil {
			if r, ok := s.sessions.Reader(req); ok {
				c.Set(readerKey, r)
			}
		}
		return next(c)
	}
}

// accessOn reports whether kb.yaml or front matter restricts reading.
func (s *Server) accessOn() bool {
	snap := s.lib.Snapshot()
	return snap != nil && !s.viewsOf(snap).open
}

// hiddenArticle reports whether the article id (as a link names it) exists
// but view, a reader's, does not show it: its links are left out, as if
// they did not exist, rather than shown as links to a vanished article.
func (s *Server) hiddenArticle(view *content.Snapshot, id string) bool {
	base := s.lib.Snapshot()
	if base == nil || base == view {
		return false
	}
	if _, ok := view.ByID(id); ok {
		return false
	}
	_, ok := base.ByID(id)
	return ok
}

// visibleLinks is the links store as one reader's reports see it.
type visibleLinks struct {
	reports.Links
	s    *Server
	view *content.Snapshot
}

func (v visibleLinks) Each(ctx context.Context, fn func(tickets.Link) error) error {
	return v.Links.Each(ctx, func(l tickets.Link) error {
		if v.s.hiddenArticle(v.view, l.ArticleID) {
			return nil
		}
		return fn(l)
	})
}

func (v visibleLinks) ByTicket(ctx context.Context, system, key string) ([]tickets.Link, error) {
	links, err := v.Links.ByTicket(ctx, system, key)
	return slices.DeleteFunc(links, func(l tickets.Link) bool { return v.s.hiddenArticle(v.view, l.ArticleID) }), err
}

// cacheControl returns cc for a page or attachment, made private when
// readers sign in: a shared cache must never answer one reader with
// another's view.
func (s *Server) cacheControl(cc []string) []string {
	if (s.proxy != nil || s.sessions != nil) && len(cc) == 1 && cc[0] == "no-cache" {
		return s.hdr.private
	}
	return cc
}

// denied logs a read refused by kb.yaml's rules: who, what, from where. The
// reader gets the 404 of a missing page; the log is for the operator.
func (s *Server) denied(c *echo.Context, path string) {
	r := reader(c)
	s.log.Warn("access denied", "user", r.User, "groups", strings.Join(r.Groups, ","), "path", path, "peer", c.Request().RemoteAddr)
	s.audit(c, tickets.ActAccessDenied, path, strings.Join(r.Groups, ","))
}
