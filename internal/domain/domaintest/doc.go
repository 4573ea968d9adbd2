// Package domaintest holds the contract suites every adapter of a domain port
// must pass: the embedded ones (internal/sqlite, internal/fsblob), the AWS
// ones run against emulators, and the in-memory fakes (internal/memstore). An adapter's test calls the suite with a
// constructor that returns a fresh, empty store:
//
//	func TestContract(t *testing.T) {
//		domaintest.TestJobs(t, func(t *testing.T) domain.Jobs { return openTestDB(t).Jobs() })
//	}
//
// Each suite runs its cases as subtests and asks for a new store per case, so
// cases never see each other's data. Times are compared with time.Equal after
// conversion to UTC, and JSON fields after compaction, so adapters may store
// them in any faithful encoding.
package domaintest

import "testing"

// contractCase is one named check of a port's contract, run on a new empty store.
type contractCase[S any] struct {
	Name  string
	Check func(t *testing.T, s S)
}

// runCases runs each case as a subtest, on a store newStore makes for it.
func runCases[S any](t *testing.T, newStore func(t *testing.T) S, cases []contractCase[S]) {
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) { c.Check(t, newStore(t)) })
	}
}
