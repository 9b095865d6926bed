package signin

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testNow = time.Date(2026, 9, 15, 12, 0, 0, 0, time.UTC)

// provider is an in-process OpenID provider: discovery, keys and a token
// endpoint that checks PKCE and signs the ID token a test shapes.
type provider struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PrivateKey

	mu        sync.Mutex
	challenge string                      // of the last authorization request
	shape     func(claims map[string]any) // edits the ID token's claims
	none      bool                        // sign with alg none
	lastNonce string                      // of the last authorization request
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	p := &provider{t: t, key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/auth", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/keys", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *provider) token(w http.ResponseWriter, r *http.Request) {
	require.NoError(p.t, r.ParseForm())
	p.mu.Lock()
	defer p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != p.challenge || r.PostForm.Get("code") != "good-code" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
		return
	}
	claims := map[string]any{
		"iss": p.srv.URL, "aud": "kb", "sub": "u-1", "email": "ann@example.com",
		"groups": []string{"sre", "employees"}, "nonce": p.lastNonce,
		"iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(),
	}
	if p.shape != nil {
		p.shape(claims)
	}
	payload, err := json.Marshal(claims)
	require.NoError(p.t, err)
	var idToken string
	if p.none {
		idToken = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
	} else {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
		require.NoError(p.t, err)
		jws, err := signer.Sign(payload)
		require.NoError(p.t, err)
		idToken, err = jws.CompactSerialize()
		require.NoError(p.t, err)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": idToken})
}

// setAuthRequest records what the browser brought to the provider.
func (p *provider) setAuthRequest(u *url.URL) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.challenge = u.Query().Get("code_challenge")
	p.lastNonce = u.Query().Get("nonce")
}

type rp struct {
	o    *OIDC
	now  time.Time
	logs *strings.Builder
}

func newRP(t *testing.T, p *provider, redirect string) *rp {
	t.Helper()
	r := &rp{now: testNow, logs: &strings.Builder{}}
	o, err := New(context.Background(), Config{
		Issuer: p.srv.URL, ClientID: "kb", ClientSecret: "s", RedirectURL: redirect,
		SessionKey: []byte(strings.Repeat("k", 32)), Lifetime: time.Hour,
		Now: func() time.Time { return r.now }, Logger: slog.New(slog.NewTextHandler(r.logs, nil)),
	})
	require.NoError(t, err)
	r.o = o
	return r
}

// flow runs a sign-in as a browser would, with edit changing the callback
// request (a tampered state), and returns the callback's answer.
func (r *rp) flow(t *testing.T, p *provider, next string, edit func(q url.Values)) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	r.o.Login(w, httptest.NewRequest(http.MethodGet, "/auth/login?next="+url.QueryEscape(next), nil))
	res := w.Result()
	require.Equal(t, http.StatusFound, res.StatusCode)
	loc, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "S256", loc.Query().Get("code_challenge_method"))
	assert.NotEmpty(t, loc.Query().Get("nonce"))
	p.setAuthRequest(loc)
	q := url.Values{"code": {"good-code"}, "state": {loc.Query().Get("state")}}
	if edit != nil {
		edit(q)
	}
	req := httptest.NewRequest(http.MethodGet, "/auth/callback?"+q.Encode(), nil)
	for _, c := range res.Cookies() {
		req.AddCookie(c)
	}
	w = httptest.NewRecorder()
	r.o.Callback(w, req)
	return w.Result()
}

func sessionOf(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == SessionCookie && c.MaxAge > 0 {
			return c
		}
	}
	return nil
}

func (r *rp) reader(c *http.Cookie) (string, []string, bool) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if c != nil {
		req.AddCookie(c)
	}
	rd, ok := r.o.Reader(req)
	return rd.User, rd.Groups, ok
}

func TestSignIn(t *testing.T) {
	p := newProvider(t)
	r := newRP(t, p, "https://kb.example.com/auth/callback")
	res := r.flow(t, p, "/security/vault?x=1", nil)
	require.Equal(t, http.StatusFound, res.StatusCode, r.logs.String())
	assert.Equal(t, "/security/vault?x=1", res.Header.Get("Location"))
	c := sessionOf(res)
	require.NotNil(t, c)
	assert.True(t, c.HttpOnly)
	assert.True(t, c.Secure, "Secure off loopback")
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Equal(t, 3600, c.MaxAge)
	user, groups, ok := r.reader(c)
	require.True(t, ok)
	assert.Equal(t, "ann@example.com", user)
	assert.Equal(t, []string{"sre", "employees"}, groups)

	r.now = testNow.Add(2 * time.Hour)
	_, _, ok = r.reader(c)
	assert.False(t, ok, "an expired session is no session")

	r.now = testNow
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/auth/logout", nil)
	req.AddCookie(c)
	r.o.Logout(w, req)
	assert.Equal(t, http.StatusSeeOther, w.Code)
	require.Len(t, w.Result().Cookies(), 1)
	assert.Equal(t, -1, w.Result().Cookies()[0].MaxAge)
	assert.Contains(t, r.logs.String(), "signed out")
}

func TestSignInOnLoopbackIsNotSecure(t *testing.T) {
	p := newProvider(t)
	r := newRP(t, p, "http://127.0.0.1:8080/auth/callback")
	c := sessionOf(r.flow(t, p, "/", nil))
	require.NotNil(t, c)
	assert.False(t, c.Secure)
}

func TestSignInRefusals(t *testing.T) {
	tests := []struct {
		name   string
		shape  func(map[string]any)
		none   bool
		edit   func(url.Values)
		status int
		want   string
	}{
		{name: "tampered state", edit: func(q url.Values) { q.Set("state", "forged") }, status: http.StatusBadRequest, want: "state"},
		{name: "wrong code", edit: func(q url.Values) { q.Set("code", "stolen") }, status: http.StatusBadGateway, want: "code"},
		{name: "tampered nonce", shape: func(c map[string]any) { c["nonce"] = "other" }, status: http.StatusForbidden, want: "nonce"},
		{name: "other issuer", shape: func(c map[string]any) { c["iss"] = "https://evil.example" }, status: http.StatusForbidden, want: "issuer"},
		{name: "other audience", shape: func(c map[string]any) { c["aud"] = "another-app" }, status: http.StatusForbidden, want: "audience"},
		{name: "expired token", shape: func(c map[string]any) { c["exp"] = testNow.Add(-time.Minute).Unix() }, status: http.StatusForbidden, want: "expiry"},
		{name: "alg none", none: true, status: http.StatusForbidden, want: "signature"},
		{name: "groups as a string", shape: func(c map[string]any) { c["groups"] = "sre" }, status: http.StatusForbidden, want: "is a string, not a list"},
		{name: "provider error", edit: func(q url.Values) { q.Set("error", "access_denied") }, status: http.StatusForbidden, want: "access_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			p.shape, p.none = tt.shape, tt.none
			r := newRP(t, p, "https://kb.example.com/auth/callback")
			res := r.flow(t, p, "/", tt.edit)
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.status, res.StatusCode, string(body))
			assert.Contains(t, string(body), tt.want)
			assert.Nil(t, sessionOf(res), "no session")
			assert.Contains(t, r.logs.String(), "sign-in refused")
		})
	}
}

func TestCallbackWithoutLogin(t *testing.T) {
	p := newProvider(t)
	r := newRP(t, p, "https://kb.example.com/auth/callback")
	w := httptest.NewRecorder()
	r.o.Callback(w, httptest.NewRequest(http.MethodGet, "/auth/callback?code=good-code&state=x", nil))
	assert.Equal(t, http.StatusBadRequest, w.Code)
	req := httptest.NewRequest(http.MethodGet, "/auth/callback?code=good-code&state=x", nil)
	req.AddCookie(&http.Cookie{Name: loginCookie, Value: "forged"})
	w = httptest.NewRecorder()
	r.o.Callback(w, req)
	assert.Equal(t, http.StatusBadRequest, w.Code)
}

func TestForgedSessionCookies(t *testing.T) {
	p := newProvider(t)
	r := newRP(t, p, "https://kb.example.com/auth/callback")
	good := sessionOf(r.flow(t, p, "/", nil))
	require.NotNil(t, good)
	raw, err := base64.RawURLEncoding.DecodeString(good.Value)
	require.NoError(t, err)
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)-1] ^= 1
	other, err := newSealer([]byte(strings.Repeat("x", 32)))
	require.NoError(t, err)
	byOtherKey, err := other.seal(SessionCookie, session{User: "mallory", Groups: []string{"sre"}, Expires: testNow.Add(time.Hour)})
	require.NoError(t, err)
	asLogin, err := r.o.seal.seal(loginCookie, session{User: "mallory", Groups: []string{"sre"}, Expires: testNow.Add(time.Hour)})
	require.NoError(t, err)
	for name, v := range map[string]string{
		"garbage":         "not-a-cookie",
		"empty":           "",
		"one bit flipped": base64.RawURLEncoding.EncodeToString(flipped),
		"truncated":       good.Value[:10],
		"another key":     byOtherKey,
		"plain json":      base64.RawURLEncoding.EncodeToString([]byte(`{"u":"mallory","g":["sre"],"e":"2030-01-01T00:00:00Z"}`)),
	} {
		_, _, ok := r.reader(&http.Cookie{Name: SessionCookie, Value: v})
		assert.False(t, ok, name)
	}
	// a value sealed for the login cookie is no session
	_, _, ok := r.reader(&http.Cookie{Name: SessionCookie, Value: asLogin})
	assert.False(t, ok)
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/runbooks/etcd":         "/runbooks/etcd",
		"/search?q=x":            "/search?q=x",
		"":                       "/",
		"//evil.example":         "/",
		"//evil.example/path":    "/",
		"/\\evil.example":        "/",
		"\\\\evil.example":       "/",
		"https://evil.example":   "/",
		"evil.example":           "/",
		"/%2F%2Fevil.example":    "/", // decodes to //evil.example: refused too
		"/ok\r\nSet-Cookie: x=1": "/",
		"javascript:alert(1)":    "/",
		"/\tevil":                "/",
		"///evil.example":        "/",
	} {
		assert.Equal(t, want, SafeNext(in), in)
	}
}

func TestNewRefusesAShortKey(t *testing.T) {
	p := newProvider(t)
	_, err := New(context.Background(), Config{Issuer: p.srv.URL, ClientID: "kb", RedirectURL: "https://kb.example.com/auth/callback", SessionKey: []byte("short")})
	assert.ErrorContains(t, err, "at least 32")
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/a", "//evil", "/\\evil", "https://x", "/a?b=//c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := SafeNext(next)
		u, err := url.Parse(got)
		require.NoError(t, err)
		assert.Empty(t, u.Host, "a redirect to %q leaves the site", got)
		assert.Empty(t, u.Scheme)
		assert.True(t, strings.HasPrefix(got, "/") && !strings.HasPrefix(got, "//") && !strings.Contains(got, "\\"))
	})
}
