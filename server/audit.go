package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"kb/tickets"
)

// auditTimeout bounds one append to the audit trail: the act it records is
// done, and waits for it no longer than that.
const auditTimeout = 5 * time.Second

// TokenUse records a token's first use; both links stores implement it.
type TokenUse interface {
	MarkUsed(ctx context.Context, name string) (first bool, err error)
}

// who names the actor of a request for the audit trail: the token it was
// authenticated with, else the signed-in user; "" is anonymous.
func who(c *echo.Context) string {
	if t := tokenName(c); t != "" {
		return "token:" + t
	}
	return reader(c).User
}

// audit appends one event for the request c. An audit trail that cannot be
// written never fails the act: the error is logged and the request goes on.
// The append outlives a client that hangs up, since the act happened.
func (s *Server) audit(c *echo.Context, action, target, detail string) {
	s.auditEvent(c.Request(), tickets.Event{Who: who(c), Action: action, Target: target, Detail: detail})
}

func (s *Server) auditEvent(req *http.Request, e tickets.Event) {
	if s.auditLog == nil {
		return
	}
	e.Time, e.From = s.now(), req.RemoteAddr
	ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), auditTimeout)
	defer cancel()
	if err := s.auditLog.Append(ctx, e); err != nil {
		s.log.Warn("audit trail not written", "err", err, "action", e.Action, "path", e.Target)
	}
}

// firstUse audits the first request a token authenticates; a store that
// has seen the token used already is not written again.
func (s *Server) firstUse(c *echo.Context, tok tickets.Token) {
	if s.auditLog == nil || !tok.FirstUsed.IsZero() {
		return
	}
	u, ok := s.links.(TokenUse)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), auditTimeout)
	defer cancel()
	first, err := u.MarkUsed(ctx, tok.Name)
	if err != nil {
		s.log.Warn("first use of a token not recorded", "err", err, "token", tok.Name)
		return
	}
	if first {
		s.audit(c, tickets.ActTokenFirstUse, tok.Name, c.Request().Method+" "+c.Request().URL.Path)
	}
}

// signIn serves GET /auth/callback and audits a sign-in that succeeded:
// the user is read back from the session cookie the callback set.
func (s *Server) signIn(w http.ResponseWriter, req *http.Request) {
	rec := &cookieWatch{ResponseWriter: w}
	s.sessions.Callback(rec, req)
	if len(rec.cookies) == 0 {
		return
	}
	probe := &http.Request{Method: http.MethodGet, URL: req.URL, Host: req.Host, TLS: req.TLS, RemoteAddr: req.RemoteAddr, Header: http.Header{}}
	for _, c := range rec.cookies {
		probe.Header.Add("Cookie", c)
	}
	if r, ok := s.sessions.Reader(probe); ok {
		s.auditEvent(req, tickets.Event{Who: r.User, Action: tickets.ActSignIn, Target: "/auth/callback"})
	}
}

// signOut serves POST /auth/logout and audits who signed out.
func (s *Server) signOut(w http.ResponseWriter, req *http.Request) {
	r, ok := s.sessions.Reader(req)
	s.sessions.Logout(w, req)
	if ok {
		s.auditEvent(req, tickets.Event{Who: r.User, Action: tickets.ActSignOut, Target: "/auth/logout"})
	}
}

// cookieWatch keeps the Set-Cookie values of a response as it is written.
type cookieWatch struct {
	http.ResponseWriter
	cookies []string
}

func (w *cookieWatch) WriteHeader(code int) {
	if code < 400 {
		for _, v := range w.Header().Values("Set-Cookie") {
			if c, err := http.ParseSetCookie(v); err == nil && c.MaxAge >= 0 && c.Value != "" {
				w.cookies = append(w.cookies, c.Name+"="+c.Value)
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *cookieWatch) Unwrap() http.ResponseWriter { return w.ResponseWriter }
