// Package auth signs people and scripts in to GAS.
//
// It owns local accounts (argon2id password hashes), server-side sessions,
// CSRF tokens, personal API tokens (stored as SHA-256 hashes, shown once),
// sign-in rate limiting, and the optional OIDC sign-in flow. Profiles
// themselves live behind domain.Profiles; this package only adds credentials.
//
// Persistence goes through the small ports in ports.go, implemented by
// internal/sqlite (the embedded default), internal/dynamo (AWS) and
// memstore.Auth (tests).
// Nothing here keeps state in globals, so the same Service works behind
// several Lambda instances sharing one store.
package auth
