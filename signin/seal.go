package signin

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// MinKeyLen is the shortest session secret accepted.
const MinKeyLen = 32

// errSealed is every failure to open a cookie: forged, truncated, sealed
// with another key or for another purpose. Which one is not told.
var errSealed = errors.New("the cookie is not one kb sealed")

// sealer seals values with AES-256-GCM; a cookie's name is its additional
// data, so a login cookie cannot be replayed as a session.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(secret []byte) (*sealer, error) {
	if len(secret) < MinKeyLen {
		return nil, fmt.Errorf("the session key has %d bytes; it needs at least %d (openssl rand -base64 32)", len(secret), MinKeyLen)
	}
	key, err := hkdf.Key(sha256.New, secret, nil, "kb session cookie v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive session key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("session cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("session cipher: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(name string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", name, err)
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(name))), nil
}

func (s *sealer) open(name, value string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return errSealed
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(name))
	if err != nil {
		return errSealed
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return errSealed
	}
	return nil
}
