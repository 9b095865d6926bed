package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// Headers kb reads to authenticate a delivery.
const (
	headerSecret    = "X-KB-Secret"    // the shared secret itself, for tools that cannot sign
	headerSignature = "X-KB-Signature" // generic: "sha256=" and the hex HMAC-SHA256 of the body
	headerJira      = "X-Hub-Signature"
	headerZendesk   = "X-Zendesk-Webhook-Signature"
	headerZendeskTS = "X-Zendesk-Webhook-Signature-Timestamp"
	headerPagerDuty = "X-PagerDuty-Signature"
	headerGitHub    = "X-Hub-Signature-256"
	headerGitea     = "X-Gitea-Signature"
	headerGitLab    = "X-Gitlab-Token" // GitLab sends the secret itself
)

// maxSignatures bounds the comma-separated signatures of one PagerDuty header.
const maxSignatures = 8

// Verify checks that body comes from the tool configured for source, with
// secret from kb.yaml (webhook_secrets.<source>). header returns a request
// header by name (http.Header.Get). Call it on the raw body, before Parse.
//
// Where the tool signs and its signature header is present, the signature
// decides:
//
//   - jira: X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body> (WebSub
//     style, as Jira Cloud and Data Center send it when the webhook has a
//     secret; sha384 and sha512 are accepted too);
//   - zendesk: X-Zendesk-Webhook-Signature: base64 HMAC-SHA256 of the
//     X-Zendesk-Webhook-Signature-Timestamp value followed by the body;
//   - pagerduty: X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of the body>,
//     possibly several separated by commas during a secret rotation, any one
//     matching;
//   - generic: X-KB-Signature: sha256=<hex HMAC-SHA256 of the body>.
//
// Otherwise, and always for servicenow and alertmanager, the secret itself
// must come in X-KB-Secret, as Authorization: Bearer <secret>, or as the
// password of Authorization: Basic (Alertmanager's basic_auth). Every
// comparison is constant-time.
//
// Verify returns ErrUnknownSource, ErrNoSecret when secret is empty (the
// source is not configured), or an error wrapping ErrBadSignature that says
// what is missing or wrong without revealing what was expected.
func Verify(source string, secret []byte, header func(string) string, body []byte) error {
	if !knownSource(source) {
		return fmt.Errorf("%w %q (known: %s)", ErrUnknownSource, source, strings.Join(Sources(), ", "))
	}
	if len(secret) == 0 {
		return fmt.Errorf("%w: set webhook_secrets.%s in kb.yaml", ErrNoSecret, source)
	}
	if header == nil {
		header = func(string) string { return "" }
	}
	switch source {
	case Jira:
		if sig := header(headerJira); sig != "" {
			return verifyHub(headerJira, sig, secret, body)
		}
	case Generic:
		if sig := header(headerSignature); sig != "" {
			return verifyHub(headerSignature, sig, secret, body)
		}
	case Zendesk:
		if sig := header(headerZendesk); sig != "" {
			return verifyZendesk(sig, header(headerZendeskTS), secret, body)
		}
	case PagerDuty:
		if sig := header(headerPagerDuty); sig != "" {
			return verifyPagerDuty(sig, secret, body)
		}
	}
	return verifyShared(header, secret)
}

// verifyHub checks a "method=hex" HMAC of the body (WebSub's X-Hub-Signature).
func verifyHub(name, sig string, secret, body []byte) error {
	method, digest, ok := strings.Cut(strings.TrimSpace(sig), "=")
	var h func() hash.Hash
	switch strings.ToLower(method) {
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return fmt.Errorf("%w: %s must be sha256=<hex HMAC of the body>", ErrBadSignature, name)
	}
	got, err := hex.DecodeString(digest)
	if !ok || err != nil {
		return fmt.Errorf("%w: %s is not %s=<hex>", ErrBadSignature, name, method)
	}
	if !hmac.Equal(got, mac(h, secret, body)) {
		return fmt.Errorf("%w: %s does not match the body and the configured secret", ErrBadSignature, name)
	}
	return nil
}

func verifyZendesk(sig, timestamp string, secret, body []byte) error {
	if timestamp == "" {
		return fmt.Errorf("%w: %s is missing", ErrBadSignature, headerZendeskTS)
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return fmt.Errorf("%w: %s is not base64", ErrBadSignature, headerZendesk)
	}
	signed := make([]byte, 0, len(timestamp)+len(body))
	signed = append(append(signed, timestamp...), body...)
	if !hmac.Equal(got, mac(sha256.New, secret, signed)) {
		return fmt.Errorf("%w: %s does not match the timestamp, the body and the configured secret", ErrBadSignature, headerZendesk)
	}
	return nil
}

func verifyPagerDuty(sigs string, secret, body []byte) error {
	want := mac(sha256.New, secret, body)
	n := 0
	for s := range strings.SplitSeq(sigs, ",") {
		version, digest, _ := strings.Cut(strings.TrimSpace(s), "=")
		if version != "v1" {
			continue
		}
		if n++; n > maxSignatures {
			break
		}
		if got, err := hex.DecodeString(digest); err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	if n == 0 {
		return fmt.Errorf("%w: %s has no v1=<hex> signature", ErrBadSignature, headerPagerDuty)
	}
	return fmt.Errorf("%w: no signature in %s matches the body and the configured secret", ErrBadSignature, headerPagerDuty)
}

// verifyShared compares the secret sent in X-KB-Secret or as a bearer token
// with the configured one.
func verifyShared(header func(string) string, secret []byte) error {
	got := header(headerSecret)
	if got == "" {
		scheme, token, _ := strings.Cut(strings.TrimSpace(header("Authorization")), " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			got = strings.TrimSpace(token)
		case strings.EqualFold(scheme, "Basic"):
			// Alertmanager's http_config basic_auth (and other tools'): the
			// password is the secret, the user name is free.
			if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token)); err == nil {
				_, got, _ = strings.Cut(string(raw), ":")
			}
		}
	}
	if got == "" {
		return fmt.Errorf("%w: send the secret in %s, as Authorization: Bearer <secret> or as the password of Authorization: Basic, or sign the body", ErrBadSignature, headerSecret)
	}
	if !secretEqual(got, secret) {
		return fmt.Errorf("%w: the secret does not match webhook_secrets in kb.yaml", ErrBadSignature)
	}
	return nil
}

// secretEqual compares a secret sent with the configured one. Comparing
// digests keeps the time independent of both lengths.
func secretEqual(got string, secret []byte) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256(secret)
	return hmac.Equal(a[:], b[:])
}

// VerifyPush checks that body is a push delivery of the content's git host,
// with secret from webhook_secrets.git (or KB_WEBHOOK_SECRET_GIT). header
// returns a request header by name (http.Header.Get). The first header
// present decides:
//
//   - X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body> (GitHub);
//   - X-Gitea-Signature: <hex HMAC-SHA256 of the body> (Gitea, Forgejo);
//   - X-Gitlab-Token: the secret itself (GitLab);
//   - X-KB-Secret: the secret itself (anything else).
//
// Every comparison is constant-time. VerifyPush returns ErrNoSecret when
// secret is empty, or an error wrapping ErrBadSignature.
func VerifyPush(secret []byte, header func(string) string, body []byte) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: set webhook_secrets.%s in kb.yaml", ErrNoSecret, Git)
	}
	if header == nil {
		header = func(string) string { return "" }
	}
	hexEqual := func(v string) bool {
		got, err := hex.DecodeString(strings.TrimSpace(v))
		return err == nil && hmac.Equal(got, mac(sha256.New, secret, body))
	}
	if v := header(headerGitHub); v != "" {
		digest, ok := strings.CutPrefix(v, "sha256=")
		if !ok || !hexEqual(digest) {
			return fmt.Errorf("%w: %s does not match the body and the configured secret", ErrBadSignature, headerGitHub)
		}
		return nil
	}
	if v := header(headerGitea); v != "" {
		if !hexEqual(v) {
			return fmt.Errorf("%w: %s does not match the body and the configured secret", ErrBadSignature, headerGitea)
		}
		return nil
	}
	for _, name := range []string{headerGitLab, headerSecret} {
		if v := header(name); v != "" {
			if !secretEqual(v, secret) {
				return fmt.Errorf("%w: %s does not match the configured secret", ErrBadSignature, name)
			}
			return nil
		}
	}
	return fmt.Errorf("%w: send %s, %s, %s or %s", ErrBadSignature, headerGitHub, headerGitea, headerGitLab, headerSecret)
}

func mac(h func() hash.Hash, key, msg []byte) []byte {
	m := hmac.New(h, key)
	m.Write(msg)
	return m.Sum(nil)
}
