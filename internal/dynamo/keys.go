package dynamo

// Attribute and index names of the GAS tables. infra/ creates the tables
// from these names, so the stack and the adapter cannot disagree.
const (
	KeyJobID       = "id"           // jobs table partition key
	KeyUserID      = "user_id"      // jobs GSI partition key
	KeySubmittedAt = "submitted_at" // jobs GSI sort key: fixed-width UTC timestamp, sorts by time
	KeyAllJobs     = "all_jobs"     // constant partition of the cross-user index

	KeyPK        = "pk"         // partition key of the profiles and portal tables
	KeySK        = "sk"         // sort key of the portal table
	KeyExpiresAt = "expires_at" // TTL attribute (epoch seconds)

	IndexJobsByUser      = "by_user"
	IndexJobsBySubmitted = "by_submitted"
)
