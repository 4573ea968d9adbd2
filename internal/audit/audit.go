// Package audit keeps workflow execution histories for auditors after the
// workflow engine forgets them (Step Functions keeps a history 90 days).
//
// When an execution ends, an Exporter writes one Record for it: the
// execution, its full event history (Distributed Map children included),
// the job record and the sha256 of the job's input and result objects. The
// record goes to an Archive that refuses to overwrite (write-once): on AWS
// an S3 bucket with Object Lock in COMPLIANCE mode (infra/audit.go), fed by
// an EventBridge rule on "Step Functions Execution Status Change"
// (functions/audit); locally a directory store that the runner writes when
// an execution finishes (internal/app). Readers (the service, `gas
// history`) fall back to the archived copy, and say so, when the live
// history is gone.
package audit

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// FormatVersion is the Record layout version.
const FormatVersion = 1

// Record is what an auditor reads years later: one execution, whole.
type Record struct {
	Format     int              `json:"format"`
	ExportedAt time.Time        `json:"exported_at"`
	Execution  domain.Execution `json:"execution"`
	// InputSHA256 is the sha256 of Execution.Input as the engine reported it.
	InputSHA256 string                `json:"input_sha256"`
	Events      []domain.HistoryEvent `json:"events"`
	MapRuns     []MapRun              `json:"map_runs,omitempty"`
	// Job is the annotation job's record when the execution ended (nil for
	// a restore, or a job that no longer exists).
	Job *domain.Job `json:"job,omitempty"`
	// Objects are the job's input and result files with their sha256.
	Objects []Object `json:"objects,omitempty"`
}

// MapRun is one Distributed Map run of the execution with its child
// executions and their histories, in item order.
type MapRun struct {
	ARN      string  `json:"map_run_arn"`
	State    string  `json:"state"`
	Children []Child `json:"children"`
}

// Child is one child execution of a map run.
type Child struct {
	Execution domain.Execution      `json:"execution"`
	Events    []domain.HistoryEvent `json:"events"`
}

// Object is one of a job's files, as the exporter found it (or as the
// delete found it just before removing it).
type Object = domain.JobFile

// Key is where the record of the execution named name is archived. An
// annotation execution is named after its job, so a job id finds it too.
func Key(name string) string { return "executions/" + name + ".json" }

// NameOf is the execution name in an execution id (an ARN on AWS and
// locally: the last ':' segment).
func NameOf(executionID string) string {
	return executionID[strings.LastIndexByte(executionID, ':')+1:]
}

// Archive is the write-once store of records.
type Archive interface {
	// PutOnce stores the bytes under key unless an object is there: then it
	// fails with domain.ErrConflict and changes nothing.
	PutOnce(ctx context.Context, key string, r io.Reader) error
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// Executions reads the workflow engine: sfnflow on AWS, the asl runner locally.
type Executions interface {
	Describe(ctx context.Context, executionID string) (domain.Execution, error)
	History(ctx context.Context, executionID string) ([]domain.HistoryEvent, error)
	// MapRunChildren lists the child executions of the map run a
	// MapRunStarted event started, oldest first (limit <= 0: all of them).
	MapRunChildren(ctx context.Context, started domain.HistoryEvent, limit int) (domain.MapRunListing, error)
}

// Objects reads the job's files.
type Objects interface {
	Head(ctx context.Context, key string) (domain.ObjectInfo, error)
	Get(ctx context.Context, key string) (io.ReadCloser, error)
}

// Jobs reads job records.
type Jobs interface {
	Get(ctx context.Context, id string) (domain.Job, error)
}
