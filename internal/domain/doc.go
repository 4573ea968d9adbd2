// Package domain holds what GAS is about, independent of where it runs:
// jobs, profiles, tiers, the domain errors, and the ports (small interfaces)
// through which use cases reach storage, mail and the workflow engine.
//
// Adapters live in one package per technology (internal/sqlite, internal/fsblob,
// internal/dynamo, ...) and assert `var _ domain.Jobs = (*Store)(nil)`.
package domain
