package main

import (
	"io"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuthConfig(t *testing.T) {
	cfg, err := parseConfig("serve", []string{"--auth", "proxy", "--auth-proxy-trusted", "127.0.0.1, 10.1.0.0/16"}, env(nil), io.Discard)
	require.NoError(t, err)
	trusted, err := cfg.trustedProxies()
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.1.0.0/16")}, trusted)
	assert.Equal(t, "X-Forwarded-User", cfg.ProxyUserHeader)

	for name, args := range map[string][]string{
		"unknown mode":    {"--auth", "ldap"},
		"proxy, no peers": {"--auth", "proxy"},
		"proxy, bad peer": {"--auth", "proxy", "--auth-proxy-trusted", "evil.example"},
		"oidc, no issuer": {"--auth", "oidc"},
		"oidc, short key": {"--auth", "oidc", "--oidc-issuer", "https://id.example", "--oidc-client-id", "kb", "--oidc-redirect-url", "https://kb.example/auth/callback"},
	} {
		_, err := parseConfig("serve", args, env(map[string]string{"KB_SESSION_KEY": "short"}), io.Discard)
		assert.Error(t, err, name)
	}
	cfg, err = parseConfig("serve", []string{"--auth", "oidc", "--oidc-issuer", "https://id.example", "--oidc-client-id", "kb", "--oidc-redirect-url", "https://kb.example/auth/callback"},
		env(map[string]string{"KB_SESSION_KEY": "0123456789abcdef0123456789abcdef", "KB_OIDC_CLIENT_SECRET": "s"}), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "groups", cfg.OIDCGroupsClaim)
	assert.Equal(t, "s", cfg.OIDCClientSecret)

	cfg, err = parseConfig("serve", nil, env(nil), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "off", cfg.Auth, "sign-in is off by default")
}
