package main

import (
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

// oidcProvider is an in-process OpenID provider for a sign-in through the
// whole of kb serve: discovery, keys, an authorization endpoint that sends
// the browser straight back with a code, and a token endpoint that checks
// PKCE and signs (or not) the ID token a test shapes.
type oidcProvider struct {
	t   *testing.T
	srv *httptest.Server
	key *rsa.PrivateKey

	mu        sync.Mutex
	kbBase    string // where the authorization endpoint sends the browser back
	challenge string
	nonce     string
	shape     func(claims map[string]any)
	none      bool
	state     func(string) string // edits the state sent back
}

func newOIDCProvider(t *testing.T) *oidcProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	p := &oidcProvider{t: t, key: key}
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
	mux.HandleFunc("GET /auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p.mu.Lock()
		p.challenge, p.nonce = q.Get("code_challenge"), q.Get("nonce")
		state, base := q.Get("state"), p.kbBase
		if p.state != nil {
			state = p.state(state)
		}
		p.mu.Unlock()
		http.Redirect(w, r, base+"/auth/callback?"+url.Values{"code": {"good-code"}, "state": {state}}.Encode(), http.StatusFound)
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
	now := time.Now()
	claims := map[string]any{
		"iss": p.srv.URL, "aud": "kb", "sub": "u-1", "email": "ann@example.com",
		"groups": []string{"sre", "employees"}, "nonce": p.nonce,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if p.shape != nil {
		p.shape(claims)
	}
	payload, _ := json.Marshal(claims)
	var idToken string
	if p.none {
		idToken = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
	} else {
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		jws, err := signer.Sign(payload)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		idToken, _ = jws.CompactSerialize()
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": idToken})
}

// startOIDCServe starts kb serve signing in through p, with the security/
// runbook readable by sre only.
func startOIDCServe(t *testing.T, p *oidcProvider) (base string, logs *syncBuffer) {
	t.Helper()
	content := t.TempDir()
	writeFiles(t, content, map[string]string{
		"kb.yaml":                  "title: OIDC KB\naccess:\n  - {path: \"security/**\", groups: [sre]}\n  - {path: \"**\", groups: [\"*\"]}\n",
		"security/vault-unseal.md": "# Vault unseal\n\nUse the zanzibarkey quorum.\n",
		"welcome.md":               "# Welcome\n\nOpen to all.\n",
	})
	vars := map[string]string{"KB_SESSION_KEY": strings.Repeat("k", 32), "KB_OIDC_CLIENT_SECRET": "s"}
	// The redirect URL is on loopback (no Secure cookie); the provider sends
	// the browser to wherever this kb listens.
	base, logs = startServeWith(t, vars, time.Now, "--content", content, "--auth", "oidc", "--oidc-issuer", p.srv.URL,
		"--oidc-client-id", "kb", "--oidc-redirect-url", "http://127.0.0.1:1/auth/callback")
	p.mu.Lock()
	p.kbBase = base
	p.mu.Unlock()
	return base, logs
}

func browserClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, Timeout: time.Minute}
}

func browse(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(body)
}

// TestOIDCSignInThroughServe: a reader signs in through the provider and
// kb serve's own routes (login, callback, the sealed cookie) and then reads
// the restricted runbook and finds it in search, which anonymous readers
// cannot; logging out ends it.
func TestOIDCSignInThroughServe(t *testing.T) {
	p := newOIDCProvider(t)
	base, logs := startOIDCServe(t, p)
	c := browserClient(t)

	res, _ := browse(t, c, base+"/security/vault-unseal")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "anonymous: as if absent")
	_, body := browse(t, c, base+"/api/v1/search?q=zanzibarkey")
	assert.NotContains(t, body, "vault")

	res, body = browse(t, c, base+"/auth/login?next="+url.QueryEscape("/security/vault-unseal"))
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "/security/vault-unseal", res.Request.URL.Path, "back where the reader wanted to go")
	assert.Contains(t, body, "zanzibarkey")
	u, _ := url.Parse(base)
	var session *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == signin.SessionCookie {
			session = ck
		}
	}
	require.NotNil(t, session, "a session cookie")
	assert.NotContains(t, session.Value, "ann@example.com", "the cookie is sealed")

	deadline := time.Now().Add(time.Minute)
	for {
		_, body = browse(t, c, base+"/api/v1/search?q=zanzibarkey")
		if strings.Contains(body, "security/vault-unseal") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling the index being built, with a deadline
	}
	assert.Contains(t, body, "security/vault-unseal", "the signed-in sre finds it")

	req, err := http.NewRequest(http.MethodPost, base+"/auth/logout", nil)
	require.NoError(t, err)
	req.Header.Set("Origin", base)
	out, err := c.Do(req)
	require.NoError(t, err)
	out.Body.Close()
	res, _ = browse(t, c, base+"/security/vault-unseal")
	assert.Equal(t, http.StatusNotFound, res.StatusCode, "signed out")
	assert.Contains(t, logs.String(), "sign-in through OpenID Connect")
}

// TestOIDCSignInRefusalsThroughServe: each bad input of a sign-in is
// refused by kb serve with a clear answer, no session and a log line.
func TestOIDCSignInRefusalsThroughServe(t *testing.T) {
	p := newOIDCProvider(t)
	base, logs := startOIDCServe(t, p)
	tests := []struct {
		name  string
		set   func()
		next  string
		want  int
		words string
	}{
		{name: "tampered state", set: func() { p.state = func(string) string { return "forged" } }, want: http.StatusBadRequest, words: "state"},
		{name: "tampered nonce", set: func() { p.shape = func(c map[string]any) { c["nonce"] = "other" } }, want: http.StatusForbidden, words: "nonce"},
		{name: "other issuer", set: func() { p.shape = func(c map[string]any) { c["iss"] = "https://evil.example" } }, want: http.StatusForbidden, words: "issuer"},
		{name: "other audience", set: func() { p.shape = func(c map[string]any) { c["aud"] = "another-app" } }, want: http.StatusForbidden, words: "audience"},
		{name: "alg none", set: func() { p.none = true }, want: http.StatusForbidden, words: "signature"},
		{name: "groups as a string", set: func() { p.shape = func(c map[string]any) { c["groups"] = "sre" } }, want: http.StatusForbidden, words: "is a string, not a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p.mu.Lock()
			p.state, p.shape, p.none = nil, nil, false
			tt.set()
			p.mu.Unlock()
			before := strings.Count(logs.String(), "sign-in refused")
			c := browserClient(t)
			res, body := browse(t, c, base+"/auth/login?next=/security/vault-unseal")
			assert.Equal(t, tt.want, res.StatusCode, body)
			assert.Contains(t, body, tt.words)
			assert.NotContains(t, body, "zanzibarkey")
			res, _ = browse(t, c, base+"/security/vault-unseal")
			assert.Equal(t, http.StatusNotFound, res.StatusCode, "no session")
			assert.Greater(t, strings.Count(logs.String(), "sign-in refused"), before, "a log line")
		})
	}
	// Off-site targets after sign-in land on kb's home page.
	p.mu.Lock()
	p.state, p.shape, p.none = nil, nil, false
	p.mu.Unlock()
	for _, next := range []string{"//evil.example", `/\evil.example`, "https://evil.example/x"} {
		c := browserClient(t)
		res, _ := browse(t, c, base+"/auth/login?next="+url.QueryEscape(next))
		assert.Equal(t, http.StatusOK, res.StatusCode, next)
		assert.Equal(t, strings.TrimPrefix(base, "http://"), res.Request.URL.Host, "stays on kb: "+next)
		assert.Equal(t, "/", res.Request.URL.Path, next)
	}
}
