// Package signin makes kb an OpenID Connect relying party: the
// authorization code flow with PKCE, state and nonce checked, the groups of
// a configurable claim, and sessions in a cookie sealed with AES-GCM (keys
// derived with HKDF from one secret), so that kb keeps no session state and
// any replica can read any session.
//
// It speaks net/http only (server mounts its handlers) and imports
// kb/access for the reader it returns. No API promise outside kb.
package signin
