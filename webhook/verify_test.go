package webhook

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var secret = []byte("It's a Secret to Everybody")

func hexMAC(h func() hash.Hash, key []byte, parts ...string) string {
	m := hmac.New(h, key)
	for _, p := range parts {
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil))
}

func TestVerifySignatures(t *testing.T) {
	body := `{"event": {"id": "01F3ZQ8Y4N2H7XK6B1T9WCM5RD", "event_type": "incident.resolved"}}`
	tampered := body[:len(body)-2] + ` }}`
	ts := "2026-09-02T14:07:03Z"
	zendeskSig := func(key []byte, ts, body string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(ts + body))
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	good := map[string]func(string) string{
		Jira:      headers("X-Hub-Signature", "sha256="+hexMAC(sha256.New, secret, body)),
		Generic:   headers("X-KB-Signature", "sha256="+hexMAC(sha256.New, secret, body)),
		Zendesk:   headers("X-Zendesk-Webhook-Signature", zendeskSig(secret, ts, body), "X-Zendesk-Webhook-Signature-Timestamp", ts),
		PagerDuty: headers("X-PagerDuty-Signature", "v1="+hexMAC(sha256.New, secret, body)),
	}
	wrongKey := []byte("another secret")
	bad := map[string]func(string) string{
		Jira:      headers("X-Hub-Signature", "sha256="+hexMAC(sha256.New, wrongKey, body)),
		Generic:   headers("X-KB-Signature", "sha256="+hexMAC(sha256.New, wrongKey, body)),
		Zendesk:   headers("X-Zendesk-Webhook-Signature", zendeskSig(wrongKey, ts, body), "X-Zendesk-Webhook-Signature-Timestamp", ts),
		PagerDuty: headers("X-PagerDuty-Signature", "v1="+hexMAC(sha256.New, wrongKey, body)),
	}
	for _, source := range []string{Jira, Generic, Zendesk, PagerDuty} {
		t.Run(source, func(t *testing.T) {
			assert.NoError(t, Verify(source, secret, good[source], []byte(body)), "good signature")
			assert.ErrorIs(t, Verify(source, secret, bad[source], []byte(body)), ErrBadSignature, "signed with another secret")
			assert.ErrorIs(t, Verify(source, secret, good[source], []byte(tampered)), ErrBadSignature, "tampered body")
			assert.ErrorIs(t, Verify(source, secret, headers(), []byte(body)), ErrBadSignature, "missing signature")
			assert.ErrorIs(t, Verify(source, secret, nil, []byte(body)), ErrBadSignature, "no headers at all")
		})
	}

	t.Run("zendesk timestamp is signed", func(t *testing.T) {
		h := headers("X-Zendesk-Webhook-Signature", zendeskSig(secret, ts, body), "X-Zendesk-Webhook-Signature-Timestamp", "2026-09-02T14:07:04Z")
		assert.ErrorIs(t, Verify(Zendesk, secret, h, []byte(body)), ErrBadSignature)
		h = headers("X-Zendesk-Webhook-Signature", zendeskSig(secret, ts, body))
		err := Verify(Zendesk, secret, h, []byte(body))
		assert.ErrorIs(t, err, ErrBadSignature)
		assert.Contains(t, err.Error(), "Timestamp is missing")
		h = headers("X-Zendesk-Webhook-Signature", "%%%", "X-Zendesk-Webhook-Signature-Timestamp", ts)
		assert.ErrorIs(t, Verify(Zendesk, secret, h, []byte(body)), ErrBadSignature)
	})

	t.Run("pagerduty rotation: any v1 signature may match", func(t *testing.T) {
		sigs := "v1=" + hexMAC(sha256.New, wrongKey, body) + ", v1=" + hexMAC(sha256.New, secret, body)
		assert.NoError(t, Verify(PagerDuty, secret, headers("X-PagerDuty-Signature", sigs), []byte(body)))
		sigs = "v2=" + hexMAC(sha256.New, secret, body)
		err := Verify(PagerDuty, secret, headers("X-PagerDuty-Signature", sigs), []byte(body))
		assert.ErrorIs(t, err, ErrBadSignature)
		assert.Contains(t, err.Error(), "no v1")
		assert.ErrorIs(t, Verify(PagerDuty, secret, headers("X-PagerDuty-Signature", "v1=zz"), []byte(body)), ErrBadSignature)
	})

	t.Run("jira methods", func(t *testing.T) {
		assert.NoError(t, Verify(Jira, secret, headers("X-Hub-Signature", "sha512="+hexMAC(sha512.New, secret, body)), []byte(body)))
		assert.NoError(t, Verify(Jira, secret, headers("X-Hub-Signature", "SHA256="+hexMAC(sha256.New, secret, body)), []byte(body)))
		assert.ErrorIs(t, Verify(Jira, secret, headers("X-Hub-Signature", "sha1="+hexMAC(sha1.New, secret, body)), []byte(body)), ErrBadSignature)
		assert.ErrorIs(t, Verify(Jira, secret, headers("X-Hub-Signature", hexMAC(sha256.New, secret, body)), []byte(body)), ErrBadSignature)
		assert.ErrorIs(t, Verify(Jira, secret, headers("X-Hub-Signature", "sha256=not-hex"), []byte(body)), ErrBadSignature)
	})

	t.Run("a present signature decides, even with the right shared secret", func(t *testing.T) {
		h := headers("X-PagerDuty-Signature", "v1="+hexMAC(sha256.New, wrongKey, body), "X-KB-Secret", string(secret))
		assert.ErrorIs(t, Verify(PagerDuty, secret, h, []byte(body)), ErrBadSignature)
	})

	t.Run("errors do not reveal the expected signature", func(t *testing.T) {
		err := Verify(Jira, secret, bad[Jira], []byte(body))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), hexMAC(sha256.New, secret, body))
		assert.NotContains(t, err.Error(), string(secret))
	})
}

func TestVerifySharedSecret(t *testing.T) {
	body := []byte(`{"number": "INC0012345", "state": "6"}`)
	for _, source := range Sources() {
		t.Run(source, func(t *testing.T) {
			assert.NoError(t, Verify(source, secret, headers("X-KB-Secret", string(secret)), body))
			assert.NoError(t, Verify(source, secret, headers("Authorization", "Bearer "+string(secret)), body))
			assert.NoError(t, Verify(source, secret, headers("Authorization", "bearer  "+string(secret)), body))
			assert.ErrorIs(t, Verify(source, secret, headers("X-KB-Secret", "It's a secret to everybody"), body), ErrBadSignature)
			assert.ErrorIs(t, Verify(source, secret, headers("X-KB-Secret", string(secret)+"x"), body), ErrBadSignature)
			assert.ErrorIs(t, Verify(source, secret, headers("Authorization", "Basic "+string(secret)), body), ErrBadSignature)
			basic := func(user, pass string) string {
				return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
			}
			assert.NoError(t, Verify(source, secret, headers("Authorization", basic("alertmanager", string(secret))), body), "basic_auth: the password is the secret")
			assert.NoError(t, Verify(source, secret, headers("Authorization", basic("", string(secret))), body))
			assert.ErrorIs(t, Verify(source, secret, headers("Authorization", basic(string(secret), "x")), body), ErrBadSignature, "the user name is not the secret")
			err := Verify(source, secret, headers(), body)
			assert.ErrorIs(t, err, ErrBadSignature)
			assert.Contains(t, err.Error(), "X-KB-Secret")
		})
	}
	t.Run("servicenow and alertmanager do not sign", func(t *testing.T) {
		h := headers("X-Hub-Signature", "sha256="+hexMAC(sha256.New, secret, string(body)))
		assert.ErrorIs(t, Verify(ServiceNow, secret, h, body), ErrBadSignature)
		assert.ErrorIs(t, Verify(Alertmanager, secret, h, body), ErrBadSignature)
	})
}

func TestVerifyConfiguration(t *testing.T) {
	err := Verify(Jira, nil, headers("X-KB-Secret", ""), nil)
	assert.ErrorIs(t, err, ErrNoSecret)
	assert.Contains(t, err.Error(), "webhook_secrets.jira")
	assert.ErrorIs(t, Verify(Jira, []byte{}, headers("X-KB-Secret", "x"), nil), ErrNoSecret)

	err = Verify("gitlab", secret, headers("X-KB-Secret", string(secret)), nil)
	assert.ErrorIs(t, err, ErrUnknownSource)
}

func TestVerifyPush(t *testing.T) {
	body := `{"ref":"refs/heads/main"}`
	sig := hexMAC(sha256.New, secret, body)
	tests := []struct {
		name   string
		header func(string) string
		ok     bool
	}{
		{name: "github", header: headers("X-Hub-Signature-256", "sha256="+sig), ok: true},
		{name: "gitea", header: headers("X-Gitea-Signature", sig), ok: true},
		{name: "gitlab", header: headers("X-Gitlab-Token", string(secret)), ok: true},
		{name: "shared secret", header: headers("X-KB-Secret", string(secret)), ok: true},
		{name: "github without sha256=", header: headers("X-Hub-Signature-256", sig)},
		{name: "github sha512", header: headers("X-Hub-Signature-256", "sha512="+hexMAC(sha512.New, secret, body))},
		{name: "bad signature", header: headers("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))},
		{name: "gitea of another secret", header: headers("X-Gitea-Signature", hexMAC(sha256.New, []byte("nope"), body))},
		{name: "wrong secret", header: headers("X-Gitlab-Token", "nope")},
		{name: "the first header decides", header: headers("X-Gitlab-Token", "nope", "X-KB-Secret", string(secret))},
		{name: "bearer is not enough", header: headers("Authorization", "Bearer "+string(secret))},
		{name: "nothing", header: headers()},
		{name: "no headers at all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyPush(secret, tt.header, []byte(body))
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrBadSignature)
		})
	}
	assert.ErrorIs(t, VerifyPush(secret, headers("X-Gitea-Signature", sig), []byte(body+" ")), ErrBadSignature, "tampered body")
	assert.ErrorIs(t, VerifyPush(nil, headers("X-KB-Secret", ""), []byte(body)), ErrNoSecret)
}
