// Package dynamo stores GAS's jobs and profiles in DynamoDB (and whatever else
// the portal keeps: API tokens, processed webhook ids). It implements the
// domain ports with conditional writes, so a lost race surfaces as
// domain.ErrConflict exactly like the SQLite adapter's.
package dynamo
