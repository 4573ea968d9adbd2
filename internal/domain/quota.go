package domain

import (
	"fmt"
	"time"
)

// JobQuota bounds the jobs one user may hold, for Jobs.CreateWithin. A zero
// field does not bound.
type JobQuota struct {
	Concurrent int64     // unfinished (PENDING or RUNNING) jobs of the user
	PerDay     int64     // jobs of the user submitted at or after Since
	Since      time.Time // start of the daily window (now - 24 h)
}

// Unfinished reports whether a job in status s counts as concurrent.
func Unfinished(s JobStatus) bool { return s == StatusPending || s == StatusRunning }

// QuotaError is a job that CreateWithin refused. It matches ErrLimit.
type QuotaError struct {
	Limit string // LimitConcurrentJobs or LimitJobsPerDay
	// Oldest is the submission of the oldest job in the daily window (the
	// daily limit frees a place 24 hours after it); zero for LimitConcurrentJobs.
	Oldest time.Time
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("job quota: the user is at the %s limit", e.Limit)
}

func (e *QuotaError) Is(target error) bool { return target == ErrLimit }
