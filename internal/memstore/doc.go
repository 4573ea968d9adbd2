// Package memstore is the one home of the in-memory adapters — the domain
// ports Jobs, Profiles, Blobs and Mailer, and auth.Store (Auth) — for tests
// of the code that uses them. They pass the same contract suites as the real
// adapters (internal/domain/domaintest, internal/auth/authtest),
// so a test that passes on them exercises the semantics the real stores have:
// conditional updates, newest-first pages, case-insensitive unique emails,
// storage classes and Glacier restores.
//
// Each store also has a few test hooks (a page cap, injected failures, restore
// completion) documented on the field or method.
package memstore
