// Package dynamo stores GAS's records in DynamoDB: jobs (Jobs), profiles
// (Profiles), the sign-in data (AuthStore, an auth.Store) and processed
// Stripe event ids (Webhooks). Every read-modify-write is a conditional write
// on a version number, so a lost race surfaces as domain.ErrConflict exactly
// like the SQLite adapter's; Update retries a few times first.
//
// Tables and keys are in keys.go; infra/ creates them with the same names,
// and CreateTables does so on an emulator or DynamoDB Local. Listings read
// global secondary indexes, which are eventually consistent: a job created a
// moment ago may take a moment to appear in a list (Get is always current).
// A job is one item of at most 400 KB, its JSON summary included.
package dynamo
