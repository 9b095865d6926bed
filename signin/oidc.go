package signin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"kb/access"
)

// Cookie names.
const (
	SessionCookie = "kb_session"
	loginCookie   = "kb_login"
)

// loginWindow is how long a sign-in may take at the provider.
const loginWindow = 10 * time.Minute

// Config is what kb needs to know of the provider and of itself.
type Config struct {
	Issuer       string // https://dex.example.com, https://login.microsoftonline.com/TENANT/v2.0, ...
	ClientID     string
	ClientSecret string
	RedirectURL  string // kb's /auth/callback as the browser reaches it
	GroupsClaim  string // "groups" by default; a string there is refused
	UserClaim    string // "email" by default, else "sub"
	Scopes       []string
	SessionKey   []byte        // at least MinKeyLen bytes, the same on every replica
	Lifetime     time.Duration // of a session; 8h by default
	Logger       *slog.Logger
	Now          func() time.Time
	// HTTPClient, when set, is used to reach the provider (tests).
	HTTPClient *http.Client
}

// OIDC signs users in through an OpenID provider; it implements server.Sessions.
type OIDC struct {
	cfg      Config
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	seal     *sealer
	secure   bool // cookies carry Secure: kb is not on loopback
	log      *slog.Logger
}

// session is what the session cookie holds.
type session struct {
	User    string    `json:"u"`
	Groups  []string  `json:"g"`
	Expires time.Time `json:"e"`
}

// pending is what the login cookie holds while the browser is at the provider.
type pending struct {
	State    string    `json:"s"`
	Nonce    string    `json:"n"`
	Verifier string    `json:"v"` // PKCE
	Next     string    `json:"x"`
	Expires  time.Time `json:"e"`
}

// New discovers the provider at cfg.Issuer and returns the relying party.
func New(ctx context.Context, cfg Config) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("sign-in needs an issuer, a client id and a redirect URL (kb's /auth/callback)")
	}
	ru, err := url.Parse(cfg.RedirectURL)
	if err != nil || (ru.Scheme != "http" && ru.Scheme != "https") || ru.Host == "" {
		return nil, fmt.Errorf("redirect URL %q is not an http(s) URL", cfg.RedirectURL)
	}
	seal, err := newSealer(cfg.SessionKey)
	if err != nil {
		return nil, err
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.UserClaim == "" {
		cfg.UserClaim = "email"
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = 8 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HTTPClient != nil {
		ctx = oidc.ClientContext(ctx, cfg.HTTPClient)
	}
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover the OpenID provider %s: %w", cfg.Issuer, err)
	}
	scopes := append([]string{oidc.ScopeOpenID, "profile", "email"}, cfg.Scopes...)
	o := &OIDC{
		cfg: cfg,
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: provider.Endpoint(), Scopes: scopes,
		},
		// go-oidc checks the signature with the provider's keys (never alg
		// none), the issuer, the audience (our client id) and the expiry.
		verifier: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now}),
		seal:     seal,
		secure:   !loopback(ru.Hostname()),
		log:      cfg.Logger,
	}
	return o, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SafeNext returns next when it is a path on this site, else "/": a
// redirect after sign-in never leaves kb (//evil.example, /\evil.example,
// https://evil.example are refused).
func SafeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\x00\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

func (o *OIDC) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: o.secure, SameSite: http.SameSiteLaxMode}
}

// Login starts the authorization code flow: GET /auth/login?next=/path.
func (o *OIDC) Login(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	p := pending{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), Next: SafeNext(next), Expires: o.cfg.Now().Add(loginWindow)}
	if next != "" && p.Next != next {
		o.log.Warn("sign-in refused an off-site next; back to / after it", "next", clip(next), "peer", r.RemoteAddr)
	}
	v, err := o.seal.seal(loginCookie, p)
	if err != nil {
		o.log.Error("sign-in cannot start", "err", err)
		http.Error(w, "Sign-in cannot start; the log says why.", http.StatusServiceUnavailable)
		return
	}
	http.SetCookie(w, o.cookie(loginCookie, v, int(loginWindow/time.Second)))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, o.oauth.AuthCodeURL(p.State, oidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier)), http.StatusFound)
}

// refuse answers a failed sign-in with a clear message and logs it.
func (o *OIDC) refuse(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	o.log.Warn("sign-in refused", "reason", msg, "err", err, "peer", r.RemoteAddr)
	http.SetCookie(w, o.cookie(loginCookie, "", -1))
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}

// Callback finishes the flow: GET /auth/callback?code=&state=.
func (o *OIDC) Callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		o.refuse(w, r, http.StatusForbidden, "The identity provider refused the sign-in: "+clip(e)+".", nil)
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil {
		o.refuse(w, r, http.StatusBadRequest, "No sign-in is under way in this browser (its cookie is missing); start again at /auth/login.", err)
		return
	}
	var p pending
	if err := o.seal.open(loginCookie, c.Value, &p); err != nil {
		o.refuse(w, r, http.StatusBadRequest, "The sign-in cookie is not valid; start again at /auth/login.", err)
		return
	}
	if o.cfg.Now().After(p.Expires) {
		o.refuse(w, r, http.StatusBadRequest, "The sign-in took too long; start again at /auth/login.", nil)
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.State)) != 1 {
		o.refuse(w, r, http.StatusBadRequest, "The state parameter does not match this browser's sign-in; start again at /auth/login.", nil)
		return
	}
	ctx := r.Context()
	if o.cfg.HTTPClient != nil {
		ctx = oidc.ClientContext(ctx, o.cfg.HTTPClient)
	}
	tok, err := o.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.Verifier))
	if err != nil {
		o.refuse(w, r, http.StatusBadGateway, "The identity provider did not accept the sign-in code.", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		o.refuse(w, r, http.StatusBadGateway, "The identity provider sent no ID token.", nil)
		return
	}
	idt, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		o.refuse(w, r, http.StatusForbidden, "The ID token is not valid for this kb (signature, issuer, audience or expiry).", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.Nonce)) != 1 {
		o.refuse(w, r, http.StatusForbidden, "The ID token's nonce does not match this sign-in.", nil)
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		o.refuse(w, r, http.StatusForbidden, "The ID token's claims cannot be read.", err)
		return
	}
	s, err := o.sessionOf(idt.Subject, claims)
	if err != nil {
		o.refuse(w, r, http.StatusForbidden, err.Error(), nil)
		return
	}
	v, err := o.seal.seal(SessionCookie, s)
	if err != nil {
		o.refuse(w, r, http.StatusServiceUnavailable, "The session cannot be stored.", err)
		return
	}
	http.SetCookie(w, o.cookie(loginCookie, "", -1))
	http.SetCookie(w, o.cookie(SessionCookie, v, int(o.cfg.Lifetime/time.Second)))
	o.log.Info("signed in", "user", s.User, "groups", strings.Join(s.Groups, ","), "peer", r.RemoteAddr)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, SafeNext(p.Next), http.StatusFound)
}

// sessionOf reads the user and groups of verified claims.
func (o *OIDC) sessionOf(sub string, claims map[string]any) (session, error) {
	s := session{User: sub, Expires: o.cfg.Now().Add(o.cfg.Lifetime)}
	if u, ok := claims[o.cfg.UserClaim].(string); ok && u != "" {
		s.User = u
	}
	if s.User == "" {
		return s, errors.New("The ID token names no user (no sub claim).")
	}
	switch g := claims[o.cfg.GroupsClaim].(type) {
	case nil:
	case []any:
		for _, x := range g {
			name, ok := x.(string)
			if !ok {
				return s, fmt.Errorf("The %q claim holds a %T among its groups; it must be a list of names.", o.cfg.GroupsClaim, x)
			}
			s.Groups = append(s.Groups, name)
		}
	case string:
		return s, fmt.Errorf("The %q claim is a string, not a list of groups; configure the provider to send a list (or --oidc-groups-claim another claim).", o.cfg.GroupsClaim)
	default:
		return s, fmt.Errorf("The %q claim is a %T, not a list of groups.", o.cfg.GroupsClaim, g)
	}
	return s, nil
}

// Logout ends the session: POST /auth/logout.
func (o *OIDC) Logout(w http.ResponseWriter, r *http.Request) {
	if s, ok := o.Reader(r); ok {
		o.log.Info("signed out", "user", s.User, "peer", r.RemoteAddr)
	}
	http.SetCookie(w, o.cookie(SessionCookie, "", -1))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// Reader returns the user of r's session cookie, if it is valid and current.
func (o *OIDC) Reader(r *http.Request) (access.Reader, bool) {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return access.Reader{}, false
	}
	var s session
	if err := o.seal.open(SessionCookie, c.Value, &s); err != nil || s.User == "" || !o.cfg.Now().Before(s.Expires) {
		return access.Reader{}, false
	}
	return access.Reader{User: s.User, Groups: s.Groups}, true
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80]
	}
	return s
}
