package server

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"kb/signin"
)

// oidcProvider is an in-process OpenID provider for the full server: an
// authorization endpoint that sends the browser straight back with a code,
// a token endpoint that checks PKCE and signs an ID token the test shapes,
// and its keys. kb verifies the token with go-oidc as against any provider.
type oidcProvider struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PrivateKey

	mu        sync.Mutex
	challenge string
	nonce     string
	groups    any                         // the groups claim
	shape     func(claims map[string]any) // edits the claims
	none      bool                        // alg none, unsigned
	otherKey  *rsa.PrivateKey             // signs with a key the provider does not publish
}

func newOIDCProvider(t *testing.T) *oidcProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	p := &oidcProvider{t: t, key: key, groups: []string{"employees", "sre"}}
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
	// The user has signed in at the provider: back to kb with a code.
	mux.HandleFunc("GET /auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p.mu.Lock()
		p.challenge, p.nonce = q.Get("code_challenge"), q.Get("nonce")
		p.mu.Unlock()
		back := q.Get("redirect_uri") + "?" + url.Values{"code": {"good-code"}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back, http.StatusFound)
	})
	mux.HandleFunc("POST /token", p.token)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *oidcProvider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if base64.RawURLEncoding.EncodeToString(sum[:]) != p.challenge || r.PostForm.Get("code") != "good-code" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
		return
	}
	now := testClock()
	claims := map[string]any{
		"iss": p.srv.URL, "aud": "kb", "sub": "u-1", "email": "ann@example.com",
		"groups": p.groups, "nonce": p.nonce, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if p.shape != nil {
		p.shape(claims)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	var idToken string
	if p.none {
		idToken = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
	} else {
		key := p.key
		if p.otherKey != nil {
			key = p.otherKey
		}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
		if err == nil {
			var jws *jose.JSONWebSignature
			if jws, err = signer.Sign(payload); err == nil {
				idToken, err = jws.CompactSerialize()
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": idToken})
}

// newOIDCSite is the access site with OpenID sign-in through p instead of
// proxy headers. kb's port is known once its listener is up, so the
// relying party is made for http://localhost, which browser rewrites to the
// test server.
func newOIDCSite(t *testing.T, p *oidcProvider) *accessSite {
	t.Helper()
	return newAccessSiteWith(t, func(d *Deps) {
		o, err := signin.New(context.Background(), signin.Config{
			Issuer: p.srv.URL, ClientID: "kb", ClientSecret: "s", RedirectURL: "http://localhost/auth/callback",
			SessionKey: []byte(strings.Repeat("k", 32)), Lifetime: time.Hour, Now: testClock, Logger: d.Logger,
		})
		require.NoError(t, err)
		d.Proxy, d.Sessions = nil, o
	})
}

// browser follows redirects and keeps cookies as a browser does; requests
// to localhost (kb's callback URL, on loopback so that its cookies are not
// Secure) go to the kb under test.
func browser(t *testing.T, kb string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	target, err := url.Parse(kb)
	require.NoError(t, err)
	return &http.Client{Jar: jar, Transport: rewriteHost{from: "localhost", to: target.Host}}
}

type rewriteHost struct{ from, to string }

func (h rewriteHost) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == h.from {
		r = r.Clone(r.Context())
		r.URL.Host = h.to
	}
	return http.DefaultTransport.RoundTrip(r)
}

// signInAs runs the whole flow from kb's /auth/login and returns the last
// response (its final URL in Request.URL) and body.
func signInAs(t *testing.T, c *http.Client, next string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get("http://localhost/auth/login?next=" + url.QueryEscape(next))
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

func get(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	res, err := c.Get("http://localhost" + path)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// TestOIDCThroughTheServer: a sign-in through kb's own routes (login, the
// provider, the callback) leaves a session cookie with which the sre user
// reads the restricted runbook and finds it in search, which an anonymous
// browser cannot.
func TestOIDCThroughTheServer(t *testing.T) {
	p := newOIDCProvider(t)
	s := newOIDCSite(t, p)

	anon := browser(t, s.ts.URL)
	status, _ := get(t, anon, "/security/vault-unseal")
	assert.Equal(t, http.StatusNotFound, status)
	_, body := get(t, anon, "/api/v1/search?q="+hiddenWord)
	assert.NotContains(t, body, hiddenTitle)

	c := browser(t, s.ts.URL)
	res, body := signInAs(t, c, "/security/vault-unseal")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "/security/vault-unseal", res.Request.URL.Path, "back where the reader started")
	assert.Contains(t, body, hiddenTitle)
	kbURL, _ := url.Parse("http://localhost/")
	var session *http.Cookie
	for _, ck := range c.Jar.Cookies(kbURL) {
		if ck.Name == signin.SessionCookie {
			session = ck
		}
	}
	require.NotNil(t, session, "a session cookie")
	_, body = get(t, c, "/api/v1/search?q="+hiddenWord)
	assert.Contains(t, body, hiddenTitle)
	assert.Contains(t, s.logs.String(), "signed in")

	// Signed out, the page is gone again.
	req, err := http.NewRequest(http.MethodPost, "http://localhost/auth/logout", nil)
	require.NoError(t, err)
	out, err := c.Do(req)
	require.NoError(t, err)
	out.Body.Close()
	status, _ = get(t, c, "/security/vault-unseal")
	assert.Equal(t, http.StatusNotFound, status)
}

// TestOIDCRefusalsThroughTheServer: each bad input of a sign-in is refused
// with a 4xx (502 where the provider answers wrongly), a log line, no session
// and the restricted runbook still hidden.
func TestOIDCRefusalsThroughTheServer(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	cases := []struct {
		name   string
		setup  func(p *oidcProvider)
		tamper func(u *url.URL) // the callback URL the browser brings back
		status int
		log    string
	}{
		{name: "tampered state", tamper: func(u *url.URL) {
			q := u.Query()
			q.Set("state", q.Get("state")+"x")
			u.RawQuery = q.Encode()
		}, status: http.StatusBadRequest, log: "state parameter does not match"},
		{name: "tampered nonce", setup: func(p *oidcProvider) {
			p.shape = func(c map[string]any) { c["nonce"] = "other" }
		}, status: http.StatusForbidden, log: "nonce does not match"},
		{name: "other issuer", setup: func(p *oidcProvider) {
			p.shape = func(c map[string]any) { c["iss"] = "https://evil.example" }
		}, status: http.StatusForbidden, log: "ID token is not valid"},
		{name: "other audience", setup: func(p *oidcProvider) {
			p.shape = func(c map[string]any) { c["aud"] = "another-app" }
		}, status: http.StatusForbidden, log: "ID token is not valid"},
		{name: "alg none", setup: func(p *oidcProvider) { p.none = true }, status: http.StatusForbidden, log: "ID token is not valid"},
		{name: "unknown key", setup: func(p *oidcProvider) { p.otherKey = other }, status: http.StatusForbidden, log: "ID token is not valid"},
		{name: "expired", setup: func(p *oidcProvider) {
			p.shape = func(c map[string]any) { c["exp"] = testClock().Add(-time.Minute).Unix() }
		}, status: http.StatusForbidden, log: "ID token is not valid"},
		{name: "group claim a string", setup: func(p *oidcProvider) { p.groups = "sre" }, status: http.StatusForbidden, log: "sign-in refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newOIDCProvider(t)
			if tc.setup != nil {
				tc.setup(p)
			}
			s := newOIDCSite(t, p)
			c := browser(t, s.ts.URL)
			if tc.tamper != nil {
				c.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
					if r.URL.Path == "/auth/callback" {
						tc.tamper(r.URL)
					}
					return nil
				}
			}
			res, body := signInAs(t, c, "/security/vault-unseal")
			assert.Equal(t, tc.status, res.StatusCode, body)
			assert.Equal(t, "/auth/callback", res.Request.URL.Path)
			assert.NotContains(t, body, hiddenWord)
			assert.Contains(t, s.logs.String(), "sign-in refused")
			assert.Contains(t, s.logs.String(), tc.log)
			kbURL, _ := url.Parse("http://localhost/")
			for _, ck := range c.Jar.Cookies(kbURL) {
				assert.NotEqual(t, signin.SessionCookie, ck.Name, "no session")
			}
			status, _ := get(t, c, "/security/vault-unseal")
			assert.Equal(t, http.StatusNotFound, status)
		})
	}
}

// TestOIDCOffSiteNext: a next that points off-site is logged and brings
// the reader back to kb's home page, never to the other site.
func TestOIDCOffSiteNext(t *testing.T) {
	p := newOIDCProvider(t)
	s := newOIDCSite(t, p)
	for i, next := range []string{"//evil.example", `/\evil.example`, "https://evil.example/x"} {
		c := browser(t, s.ts.URL)
		res, body := signInAs(t, c, next)
		assert.Equal(t, http.StatusOK, res.StatusCode, body)
		assert.Equal(t, strings.TrimPrefix(s.ts.URL, "http://"), res.Request.URL.Host, next) // kb, not the other site
		assert.Equal(t, "/", res.Request.URL.Path, next)
		assert.Equal(t, i+1, strings.Count(s.logs.String(), "sign-in refused an off-site next"), next)
	}
}
