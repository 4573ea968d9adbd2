package domain

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// JobStatus is where a job stands in the annotation workflow.
type JobStatus string

const (
	StatusPending   JobStatus = "PENDING"
	StatusRunning   JobStatus = "RUNNING"
	StatusCompleted JobStatus = "COMPLETED"
	StatusFailed    JobStatus = "FAILED"
)

// ResultState says where a completed job's result lives.
type ResultState string

const (
	ResultAvailable ResultState = "AVAILABLE" // hot, downloadable
	ResultArchived  ResultState = "ARCHIVED"  // in the GLACIER storage class
	ResultRestoring ResultState = "RESTORING" // a restore was requested and is in flight
	// ResultDeleted is never stored: it is how a deleted job's result state
	// reads (Job.VisibleResultState), whatever it was when its files were deleted.
	ResultDeleted ResultState = "DELETED"
)

// Job is one annotation request and everything that happened to it.
// Zero times mean "not yet".
type Job struct {
	ID          string    `json:"id"`
	UserID      string    `json:"user_id"`
	InputName   string    `json:"input_name"` // the file name as the user gave it (display only)
	InputKey    string    `json:"input_key"`  // blob key of the uploaded VCF
	InputSize   int64     `json:"input_size"`
	SubmittedAt time.Time `json:"submitted_at"`
	StartedAt   time.Time `json:"started_at,omitzero"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
	Status      JobStatus `json:"status"`

	ResultKey string          `json:"result_key,omitempty"` // annotated VCF
	LogKey    string          `json:"log_key,omitempty"`    // human-readable summary log
	Summary   json.RawMessage `json:"summary,omitempty"`    // annotate.Summary as JSON, for the charts
	// ShardsTotal is how many shards the workflow's Plan step cut the input
	// into, ShardsDone how many are annotated (progress; 0 before Plan).
	ShardsTotal int `json:"shards_total,omitempty"`
	ShardsDone  int `json:"shards_done,omitempty"`

	ResultState        ResultState `json:"result_state,omitempty"`
	ArchivedAt         time.Time   `json:"archived_at,omitzero"`
	RestoreRequestedAt time.Time   `json:"restore_requested_at,omitzero"`
	RestoreTier        RestoreTier `json:"restore_tier,omitempty"`
	RestoreReadyBy     time.Time   `json:"restore_ready_by,omitzero"` // estimate shown to the user
	RestoredAt         time.Time   `json:"restored_at,omitzero"`
	RestoreError       string      `json:"restore_error,omitempty"` // last restore failure, shown to the user
	// RestoreRound is the round of the restore execution RestoreError happened
	// in (1-based), RestoreRounds how many rounds that execution runs at most;
	// zero when no failure is recorded (or it predates rounds).
	RestoreRound  int `json:"restore_round,omitempty"`
	RestoreRounds int `json:"restore_rounds,omitempty"`
	// RestoreToken is the task token of the restore workflow's step waiting
	// for this job's archive to become readable (SendTaskSuccess with it
	// resumes that step); internal, never shown.
	RestoreToken string `json:"restore_token,omitempty"`

	// MailError is the last email about this job that could not be
	// delivered, what and why (e.g. SES refused the recipient), shown to the
	// user and to auditors. A lost email never changes the job's status or
	// its archiving; a later delivery clears it.
	MailError   string    `json:"mail_error,omitempty"`
	MailErrorAt time.Time `json:"mail_error_at,omitzero"`

	// FileSHA256 holds the sha256 (hex) of the result files by role
	// (result, tabix, variants), taken by ArchiveIfFree just before it moved
	// them to GLACIER, where they cannot be read: the audit record of the
	// execution (internal/audit), exported after the move, lists these.
	FileSHA256 map[string]string `json:"file_sha256,omitempty"`

	// Options are the annotation settings the job was submitted with.
	Options RunOptions `json:"options,omitzero"`

	// DeletedAt and DeletedBy mark a job its owner deleted: its files are
	// gone, it answers 404, and this record stays for auditors.
	DeletedAt time.Time `json:"deleted_at,omitzero"`
	DeletedBy string    `json:"deleted_by,omitempty"`
	// DeletedFiles are the job's files as they were just before the delete
	// removed them (key, size, storage class, sha256), so that the audit
	// record of an execution that ends after the delete still has them.
	DeletedFiles []JobFile `json:"deleted_files,omitempty"`

	Error       string `json:"error,omitempty"`        // why the job FAILED, in words a user can act on
	ExecutionID string `json:"execution_id,omitempty"` // workflow execution (ARN on AWS)
	// RestoreExecution is the restore execution started for this job's
	// archived result (its id, an ARN on AWS), which its page links to.
	RestoreExecution string `json:"restore_execution,omitempty"`
}

// JobFile is one of a job's files as it was read for auditors, when its
// execution's record was exported or when the job was deleted.
type JobFile struct {
	Role         string       `json:"role"` // input, result, tabix, variants, log
	Key          string       `json:"key"`
	Size         int64        `json:"size"`
	StorageClass StorageClass `json:"storage_class,omitempty"`
	SHA256       string       `json:"sha256,omitempty"` // hex
	// Note says why SHA256 is empty (missing, archived and unreadable), or
	// where it comes from when not from reading the file then.
	Note string `json:"note,omitempty"`
}

// Deleted reports whether the job's owner deleted it.
func (j Job) Deleted() bool { return !j.DeletedAt.IsZero() }

// VisibleResultState is the job's result state as users and auditors see
// it: DELETED once its owner deleted it (whatever ResultState was stored),
// empty until the job completes, AVAILABLE by default once it has.
func (j Job) VisibleResultState() ResultState {
	if j.Deleted() {
		return ResultDeleted
	}
	if j.Status != StatusCompleted {
		return ""
	}
	if j.ResultState == "" {
		return ResultAvailable
	}
	return j.ResultState
}

// RunOptions are a job's annotation settings (gas annotate --transcripts, --distance).
type RunOptions struct {
	// Transcripts is the transcript set: all (""), canonical, pick or per_gene.
	Transcripts string `json:"transcripts,omitempty"`
	// Distance is the up/downstream window in bases. nil means
	// DefaultDistance (a request without it, or a job recorded before the
	// field existed); 0 is a window of no bases, as VEP's --distance 0: no
	// upstream or downstream entries. A pointer, so that 0 is kept as 0.
	Distance *int `json:"distance,omitempty"`
}

// Transcript sets of RunOptions.
var TranscriptSets = []string{"all", "canonical", "pick", "per_gene"}

// Run option bounds.
const (
	DefaultDistance = 5000
	MaxDistance     = 1_000_000
)

// Check reports an invalid option as a UserError matching ErrInvalid.
func (o RunOptions) Check() error {
	if o.Transcripts != "" && !slices.Contains(TranscriptSets, o.Transcripts) {
		return UserErrorf(ErrInvalid, "transcripts %q is not one of %s", o.Transcripts, strings.Join(TranscriptSets, ", "))
	}
	if d := o.Window(); d < 0 || d > MaxDistance {
		return UserErrorf(ErrInvalid, "distance %d is not from 0 to %d bases", d, MaxDistance)
	}
	return nil
}

// Window is the up/downstream window in bases: Distance, or DefaultDistance when it is nil.
func (o RunOptions) Window() int {
	if o.Distance == nil {
		return DefaultDistance
	}
	return *o.Distance
}

// Effective is o with the defaults filled in.
func (o RunOptions) Effective() RunOptions {
	if o.Transcripts == "" {
		o.Transcripts = "all"
	}
	o.Distance = new(o.Window())
	return o
}

// String is the options as recorded in the output header, defaults filled in.
func (o RunOptions) String() string {
	e := o.Effective()
	return fmt.Sprintf("transcripts=%s distance=%d", e.Transcripts, *e.Distance)
}

// RestoreRetrying reports whether the recorded restore failure will be
// retried by a later round of the same restore execution. A failure in the
// last round stays until the user, or another upgrade, starts a new restore.
func (j Job) RestoreRetrying() bool {
	return j.RestoreError != "" && j.RestoreRound < j.RestoreRounds
}

// Terminal reports whether the job will not change status again.
func (j Job) Terminal() bool { return j.Status == StatusCompleted || j.Status == StatusFailed }

// Page asks for one page of a listing. Cursor is opaque; empty means first page.
type Page struct {
	Limit  int
	Cursor string
}

// JobFilter narrows a job listing for the audit views. Zero fields match all.
type JobFilter struct {
	UserID      string
	Status      JobStatus
	ResultState ResultState
}
