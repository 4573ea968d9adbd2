package domain

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"time"
)

// Jobs stores jobs. Update is the only read-modify-write path: fn sees the
// current job and mutates it; the store commits only if nobody changed the job
// meanwhile (SQLite transaction, DynamoDB condition expression). If fn returns
// an error nothing is written and that error is returned.
type Jobs interface {
	Create(ctx context.Context, j Job) error // ErrConflict if the id exists
	// CreateWithin is Create only while j's user stays within q: the count
	// and the insert are one atomic step, so submissions at the same instant
	// cannot both take the last place. Over q it stores nothing and fails
	// with a *QuotaError; ErrConflict if the id exists.
	CreateWithin(ctx context.Context, j Job, q JobQuota) error
	Get(ctx context.Context, id string) (Job, error)
	Update(ctx context.Context, id string, fn func(*Job) error) (Job, error)
	// ListByUser returns the user's jobs newest first, and the cursor of the next page ("" at the end).
	ListByUser(ctx context.Context, userID string, p Page) ([]Job, string, error)
	// List returns jobs across users newest first, for auditors and the restore workflow.
	List(ctx context.Context, f JobFilter, p Page) ([]Job, string, error)
}

// Profiles stores users.
type Profiles interface {
	Create(ctx context.Context, p Profile) error // ErrConflict if the id or email exists
	Get(ctx context.Context, id string) (Profile, error)
	GetByEmail(ctx context.Context, email string) (Profile, error)
	Update(ctx context.Context, id string, fn func(*Profile) error) (Profile, error)
}

// StorageClass is an object's storage class, in S3's vocabulary.
type StorageClass string

const (
	ClassStandard StorageClass = "STANDARD"
	ClassGlacier  StorageClass = "GLACIER"
)

// RestoreTier is a Glacier retrieval tier, in S3's vocabulary.
type RestoreTier string

const (
	TierExpedited RestoreTier = "Expedited" // minutes
	TierStandard  RestoreTier = "Standard"  // hours
	TierBulk      RestoreTier = "Bulk"
)

// ObjectInfo is what Head reports.
type ObjectInfo struct {
	Key          string
	Size         int64
	StorageClass StorageClass
	LastModified time.Time
	// Restore status of a GLACIER object: in progress, or readable until RestoredUntil.
	RestoreInProgress bool
	RestoredUntil     time.Time
}

// Readable reports whether Get will return the object's bytes.
func (o ObjectInfo) Readable(now time.Time) bool {
	return o.StorageClass != ClassGlacier || (!o.RestoreInProgress && now.Before(o.RestoredUntil))
}

// Blobs is the object store (S3 or a directory tree with the same semantics).
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader) error
	// Get fails with ErrArchived for a GLACIER object that is not restored, ErrNotFound if absent.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	Head(ctx context.Context, key string) (ObjectInfo, error)
	Delete(ctx context.Context, key string) error // deleting an absent key is not an error
	// List returns the keys that start with prefix, in byte order, whatever
	// their storage class (S3 ListObjectsV2). A prefix that matches nothing
	// gives none and no error.
	List(ctx context.Context, prefix string) ([]string, error)
	// Copy copies src to dst in the given storage class (src == dst changes the class in place).
	Copy(ctx context.Context, src, dst string, class StorageClass) error
	// Restore asks for a temporary readable copy of a GLACIER object. It fails with
	// ErrExpeditedUnavailable when that tier has no capacity; asking again while a
	// restore runs is not an error.
	Restore(ctx context.Context, key string, tier RestoreTier, days int) error
}

// RangeBlobs is a Blobs that reads part of an object (S3's ranged
// GetObject): the directory store and S3 are, the in-memory fake is not.
type RangeBlobs interface {
	Blobs
	// GetRange reads bytes [off, off+n) of key: fewer where the object ends
	// before off+n, none for n == 0. Its errors are Get's.
	GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error)
}

// Message is one email.
type Message struct {
	To      string
	Subject string
	Text    string
}

// Mailer sends email.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// InputsPrefix starts the key of every uploaded VCF; internal/service owns
// the layout below it (service.InputPrefix), an object store may keep these
// keys apart (s3blob.Split: the inputs bucket browsers upload to).
const InputsPrefix = "inputs/"

// DirectTransfers signs browser transfers straight to and from the object
// store (S3 presigned POST and GET), for a portal whose requests and
// responses are size-limited (a Lambda). Stores that have none (the
// embedded one) leave the portal to carry the bytes itself.
type DirectTransfers interface {
	// PresignPost signs a form that uploads one file under p.KeyPrefix, at
	// most p.MaxBytes long.
	PresignPost(ctx context.Context, p UploadPolicy) (UploadForm, error)
	// PresignGet returns a link that downloads key for ttl as downloadName.
	PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, error)
}

// UploadPolicy says what one browser upload may do.
type UploadPolicy struct {
	// KeyPrefix is where the object must land, e.g. "inputs/<user>/<job>/";
	// the browser's file name completes the key. It must end in "/".
	KeyPrefix string
	// MaxBytes is the caller's tier cap; the store rejects a larger file.
	MaxBytes int64
	// TTL is how long the form may be used; 0 means the store's default.
	TTL time.Duration
	// SuccessRedirect, if set, is where the store sends the browser after the
	// upload (with bucket, key and etag added to its query). Without it the
	// answer is 201 with an XML body, which suits an XHR upload that shows progress.
	SuccessRedirect string
}

// UploadForm is what the portal renders: a multipart POST to URL with
// Fields as hidden inputs, and the file input (named "file") last.
type UploadForm struct {
	URL       string
	Fields    map[string]string
	KeyPrefix string
	MaxBytes  int64
	Expires   time.Time
}

// Execution statuses, in Step Functions' vocabulary.
const (
	ExecRunning   = "RUNNING"
	ExecSucceeded = "SUCCEEDED"
	ExecFailed    = "FAILED"
	ExecTimedOut  = "TIMED_OUT"
	ExecAborted   = "ABORTED"
)

// Execution is one run of a state machine.
type Execution struct {
	ID           string          `json:"id"` // execution ARN on AWS; a stable id locally
	Name         string          `json:"name"`
	StateMachine string          `json:"state_machine"`
	Status       string          `json:"status"`
	StartedAt    time.Time       `json:"started_at"`
	StoppedAt    time.Time       `json:"stopped_at,omitzero"`
	Input        json.RawMessage `json:"input,omitempty"`
	Output       json.RawMessage `json:"output,omitempty"`
	Error        string          `json:"error,omitempty"`
	Cause        string          `json:"cause,omitempty"`
	// Parent is the id of the execution whose Distributed Map run started
	// this one, when the engine names it (Step Functions does: a child's own
	// name there is a random id).
	Parent string `json:"parent,omitempty"`
	// Archived is set when this was read from the audit archive because
	// the workflow engine no longer has it (Step Functions keeps 90 days).
	Archived *ArchivedCopy `json:"archived,omitempty"`
}

// ArchivedCopy says where an archived execution record is and the sha256
// of its stored bytes, so an auditor can check it against the archive.
type ArchivedCopy struct {
	Key        string    `json:"key"`
	SHA256     string    `json:"sha256"`
	ExportedAt time.Time `json:"exported_at"`
}

// HistoryEvent is one event of an execution's history, in Step Functions'
// vocabulary (ExecutionStarted, TaskStateEntered, TaskScheduled, TaskSucceeded, ...).
type HistoryEvent struct {
	ID              int64           `json:"id"`
	PreviousEventID int64           `json:"previous_event_id,omitempty"`
	Timestamp       time.Time       `json:"timestamp"`
	Type            string          `json:"type"`
	StateName       string          `json:"state_name,omitempty"`
	Resource        string          `json:"resource,omitempty"`
	Input           json.RawMessage `json:"input,omitempty"`
	Output          json.RawMessage `json:"output,omitempty"`
	Error           string          `json:"error,omitempty"`
	Cause           string          `json:"cause,omitempty"`
}

// ExecutionFilter narrows ListExecutions. Zero fields match all.
type ExecutionFilter struct {
	StateMachine string
	Status       string
	NamePrefix   string
	Since, Until time.Time
}

// Workflow starts and inspects state machine executions.
type Workflow interface {
	// Start begins an execution named name. Starting a name that already exists
	// with the same input is not an error and returns the existing execution id.
	Start(ctx context.Context, stateMachine, name string, input json.RawMessage) (string, error)
	Describe(ctx context.Context, executionID string) (Execution, error)
	History(ctx context.Context, executionID string) ([]HistoryEvent, error)
	List(ctx context.Context, f ExecutionFilter, p Page) ([]Execution, string, error)
}

// MapRunListing is what a workflow engine tells of one Distributed Map
// run (the run a MapRunStarted event started): its child executions, at most
// as many as the caller asked for, and counts over all of them.
type MapRunListing struct {
	ARN string
	// Status is the engine's status of the run (RUNNING, SUCCEEDED, FAILED,
	// ABORTED), "" when it gives none: the parent's history says then.
	Status string
	Items  int // items the run was given; 0 when unknown
	// Counts are the run's child executions by status, all of them, also
	// those Children leaves out.
	Counts map[string]int
	// Children are oldest first. When there are more than asked for
	// (Truncated), they are the newest ones and every child that failed,
	// timed out or was aborted, up to the limit each.
	Children  []Execution
	Truncated bool
}

// Started is the number of child executions the run has started.
func (l MapRunListing) Started() int {
	n := 0
	for _, c := range l.Counts {
		n += c
	}
	return n
}

// CountChildren counts executions by status (MapRunListing.Counts of a
// complete list).
func CountChildren(children []Execution) map[string]int {
	counts := map[string]int{}
	for _, c := range children {
		counts[c.Status]++
	}
	return counts
}

// unsuccessful are the child statuses a cut listing keeps beyond the newest.
var unsuccessful = []string{ExecFailed, ExecTimedOut, ExecAborted}

// CutChildren cuts a complete, oldest-first list of a map run's children to
// what MapRunListing.Children holds when it is truncated: the newest limit
// children, and the newest limit of each unsuccessful status. limit <= 0
// keeps them all.
func CutChildren(children []Execution, limit int) (kept []Execution, truncated bool) {
	if limit <= 0 || len(children) <= limit {
		return children, false
	}
	per := map[string]int{}
	for i := len(children) - 1; i >= 0; i-- {
		c := children[i]
		newest := i >= len(children)-limit
		if slices.Contains(unsuccessful, c.Status) && per[c.Status] < limit {
			per[c.Status]++
			newest = true
		}
		if newest {
			kept = append(kept, c)
		}
	}
	slices.Reverse(kept)
	return kept, true
}

// State machine names, the same locally and on AWS (they key statemachines.Definitions).
const (
	MachineAnnotation = "annotation"
	MachineRestore    = "restore"
)
