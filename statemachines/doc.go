// Package statemachines embeds GAS's Step Functions definitions (JSONPath
// ASL): annotation.asl.json and restore.asl.json. The same bytes run on AWS
// (the CDK app passes Definition to DefinitionBody_FromString with
// DefinitionSubstitutions mapping each placeholder to a Lambda ARN) and on one
// machine (internal/asl runs LocalDefinition, where each placeholder becomes
// the handler name the runner registers).
//
// # Executions
//
//   - annotation: input {"job_id": "...", "user_id": "...", "retention_seconds": 180};
//     name = job id. Output: the input plus "plan" {"manifest_key", "shards",
//     "max_concurrency"}, "annotation" {"result_key", "log_key"} and "archive"
//     {"archived"}. ShardMap is a Distributed Map: its ItemReader reads the
//     manifest (a JSON array of shards) from ${ResultsBucketName}, each item
//     runs as a child execution of AnnotateShard with {"job_id", "shard": item}. On failure: MarkFailed, NotifyFailed,
//     DropWork (the job's intermediate files; its own error is kept at
//     "cleanup_error"), then the Fail state "Failed" reports the caught Error and Cause.
//   - restore: input {"user_id": "...", "retry_seconds": 900}; name =
//     restore-<user>-<id>. retry_seconds (default 900 when absent) is the wait
//     before a round retries what the previous round left archived.
//     Output: the input plus "archived" {"job_ids"} (the last listing),
//     "results" [{"job_id", "restored", "error"?}] (the last round) and
//     "round" {"number", "limit", "outcomes"}: outcomes holds every round's
//     results newest first, nested as [latest, [previous, [..., []]]] because
//     ASL has no array concatenation (States.Array can only wrap).
//
// # Restore rounds
//
// A round is ListArchived plus the RestoreEach Map over what it listed:
// a Distributed Map (Label RestoreJob) that restores each job in a child
// execution of its own, so no history grows with the number of jobs.
// After each round the machine lists the user's archived jobs again: what is
// still there failed in that round (or was archived meanwhile). While rounds
// remain (round.number < round.limit, 3) it waits retry_seconds and runs the
// Map again over that list; then NotifyRestored sends one email with the
// outcome every job's record shows. Each iteration passes its round
// and the limit to RestoreFailed, so a job can show whether another round
// will retry it. A job failing in the last round stays ARCHIVED with its
// reason until the next restore execution. ListArchived is retried like the
// other steps; if it still fails after a round, NotifyRestored reports the
// rounds so far, and at the start the execution fails with its error
// (CannotList).
//
// # Task contract
//
// Every Task calls "arn:aws:states:::lambda:invoke" with
// Parameters.FunctionName = ${Placeholder} and the payload below; the handler
// gets the payload as its event and returns the result as its output (the
// state machine picks fields from $.Payload). Only ids and keys travel, never
// file contents (the 256 KiB state limit). Handlers MUST be idempotent: a
// retry, or a restart of the local runner while a task was in flight, calls
// them again with the same payload.
//
//	state            placeholder                 handler           payload in                                  result
//	Plan             PlanFunctionArn             plan              {"job_id"}                                  {"manifest_key", "shards", "max_concurrency"}
//	AnnotateShard    AnnotateShardFunctionArn    annotate-shard    {"job_id", "shard": {manifest item}}        {"index", "records"}
//	Merge            MergeFunctionArn            merge             {"job_id"}                                  {"result_key", "log_key"}
//	NotifyCompleted  NotifyCompletedFunctionArn  notify-completed  {"job_id", "retention_seconds"}             ignored
//	ArchiveIfFree    ArchiveIfFreeFunctionArn    archive-if-free   {"job_id"}                                  {"archived": bool}
//	MarkFailed       MarkFailedFunctionArn       mark-failed       {"job_id", "error", "cause"}                ignored
//	NotifyFailed     NotifyFailedFunctionArn     notify-failed     {"job_id"}                                  ignored
//	DropWork         MergeFunctionArn            merge             {"job_id", "drop": true}                    ignored ({"job_id", "dropped": n})
//	ListArchived     ListArchivedFunctionArn     list-archived     {"user_id", "execution"}                    {"count": int, "key": the blob key of a JSON array of job ids}
//	RequestRestore   RequestRestoreFunctionArn   request-restore   {"job_id"}                                  {"restored": bool, "wait_seconds": int > 0, "tier", "ready_by" (RFC 3339)}
//	WaitForRestore   AwaitRestoreFunctionArn     await-restore     {"job_id", "task_token"}  (.waitForTaskToken) ignored; the result is SendTaskSuccess's {"restored": true, "wait_seconds"}
//	CheckRestore     CheckRestoreFunctionArn     check-restore     {"job_id"}                                  {"restored": bool, "wait_seconds": int > 0}
//	CopyBack         CopyBackFunctionArn         copy-back         {"job_id"}                                  ignored
//	MarkAvailable    MarkAvailableFunctionArn    mark-available    {"job_id"}                                  ignored
//	RecordFailure    RestoreFailedFunctionArn    restore-failed    {"job_id", "error", "cause", "round", "rounds"}  ignored
//	NotifyRestored   NotifyRestoredFunctionArn   notify-restored   {"user_id", "since" (the execution's start), "rounds": int}  ignored
//
// Notes for the handlers:
//   - "error" and "cause" are the caught Step Functions error name and cause.
//     For an error returned by a Go Lambda, the name is the Go type name of the
//     returned error (aws-lambda-go's rule; "errorString" for errors.New,
//     "wrapError" for fmt.Errorf with %w) and the cause is the JSON
//     {"errorMessage": ..., "errorType": ...}; ErrorMessage extracts the text.
//     States.Timeout and States.TaskFailed are the runtime's own names.
//   - Return *InvalidInputError (at top level, not wrapped) when a retry cannot
//     help: Plan, AnnotateShard and Merge (the job's output cap) do not retry it. Crashes of Plan and Merge
//     are retried twice (States.TaskFailed, which does not match
//     States.Timeout: no annotation step retries a timeout; ArchiveIfFree
//     retries both twice), AnnotateShard
//     only on Lambda service errors; those are retried up to six times with
//     full-jitter backoff everywhere. A failed shard fails the map run
//     (States.ExceedToleratedFailureThreshold); AnnotateShard marks the job
//     FAILED with the input's reason before returning InvalidInputError.
//   - A failure in NotifyCompleted or ArchiveIfFree is caught too, so MarkFailed
//     may see a job whose annotation COMPLETED: it should record the error
//     without losing the result. DropWork then deletes only work files.
//   - DropWork (merge with "drop": true) deletes everything under the job's
//     work prefix (listed, so a Plan that stopped halfway is covered) and,
//     unless the job COMPLETED, the result files Merge may have written; it
//     refuses a job that is not FAILED or COMPLETED. Its failures are
//     retried, then caught: the job stays FAILED with its own error.
//   - RequestRestore asks for Expedited and falls back to Standard when
//     Expedited has no capacity (domain.ErrExpeditedUnavailable); an object that
//     is already restored or being restored is not an error. Unless every
//     file is readable already, WaitForRestore passes its task token to
//     AwaitRestore, which stores it on the job (and resumes the step itself
//     when the files are readable by then); S3's "Object Restore Completed"
//     event reaches the restore-event handler (TaskRestoreEvent: EventBridge's
//     target on AWS, the blob store's notice locally), which resumes the step
//     with SendTaskSuccess once every file of the job is readable, or fails it
//     (RestoreExpired) on "Object Restore Expired". After wait_seconds without
//     a callback the step times out and CheckRestore looks (HeadObject); the
//     machine waits again, at most 48 times (about 12 events each, in the
//     job's own history), then records RestoreTimedOut. Once restored, CopyBack copies the object to STANDARD and
//     MarkAvailable marks the result AVAILABLE. A failure in one job's
//     iteration is caught, recorded by restore-failed (with "round" of
//     "rounds", both from 1), and the other jobs go on; ListArchived must list
//     that job again so the next round retries it. A child's output is {}:
//     the jobs' records carry the outcome, so the map's results stay small.
//   - NotifyRestored sends one email per restore execution, after the last
//     round: the user's jobs restored since "since", and those still archived
//     with their reason.
package statemachines
