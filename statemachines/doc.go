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
//     name = job id. Output: the input plus "annotation" {"result_key", "log_key"}
//     and "archive" {"archived"}. On failure: MarkFailed, NotifyFailed, then the
//     Fail state "Failed" reports the caught Error and Cause.
//   - restore: input {"user_id": "..."}. Output: the input plus "archived"
//     {"job_ids"} and "results" [{"job_id", "restored", "error"?}].
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
//	Annotate         AnnotateFunctionArn         annotate          {"job_id"}                                  {"result_key", "log_key"}
//	NotifyCompleted  NotifyCompletedFunctionArn  notify-completed  {"job_id"}                                  ignored
//	ArchiveIfFree    ArchiveIfFreeFunctionArn    archive-if-free   {"job_id"}                                  {"archived": bool}
//	MarkFailed       MarkFailedFunctionArn       mark-failed       {"job_id", "error", "cause"}                ignored
//	NotifyFailed     NotifyFailedFunctionArn     notify-failed     {"job_id"}                                  ignored
//	ListArchived     ListArchivedFunctionArn     list-archived     {"user_id"}                                 {"job_ids": [string]}
//	RequestRestore   RequestRestoreFunctionArn   request-restore   {"job_id"}                                  {"tier", "ready_by" (RFC 3339), "poll_seconds": int > 0}
//	CheckRestore     CheckRestoreFunctionArn     check-restore     {"job_id"}                                  {"restored": bool, "poll_seconds": int > 0}
//	CopyBack         CopyBackFunctionArn         copy-back         {"job_id"}                                  ignored
//	MarkAvailable    MarkAvailableFunctionArn    mark-available    {"job_id"}                                  ignored
//	RecordFailure    RestoreFailedFunctionArn    restore-failed    {"job_id", "error", "cause"}                ignored
//	NotifyRestored   NotifyRestoredFunctionArn   notify-restored   {"user_id", "results": [{"job_id", "restored", "error"?}]}  ignored
//
// Notes for the handlers:
//   - "error" and "cause" are the caught Step Functions error name and cause.
//     For an error returned by a Go Lambda, the name is the Go type name of the
//     returned error (aws-lambda-go's rule; "errorString" for errors.New,
//     "wrapError" for fmt.Errorf with %w) and the cause is the JSON
//     {"errorMessage": ..., "errorType": ...}; ErrorMessage extracts the text.
//     States.Timeout and States.TaskFailed are the runtime's own names.
//   - Return *InvalidInputError (at top level, not wrapped) when a retry cannot
//     help: Annotate does not retry it. Other failures of Annotate and
//     ArchiveIfFree are retried twice (States.TaskFailed, States.Timeout), and
//     Lambda service errors up to six times with full-jitter backoff.
//   - A failure in NotifyCompleted or ArchiveIfFree is caught too, so MarkFailed
//     may see a job whose annotation COMPLETED: it should record the error
//     without losing the result.
//   - RequestRestore asks for Expedited and falls back to Standard when
//     Expedited has no capacity (domain.ErrExpeditedUnavailable); an object that
//     is already restored or being restored is not an error. The machine waits
//     poll_seconds, calls CheckRestore, and loops (at most 100 checks, each 11 history events of the 25,000 AWS allows per execution) until
//     "restored" is true; CopyBack then copies the object to STANDARD and
//     MarkAvailable marks the result AVAILABLE. A failure in one job's
//     iteration is caught, recorded by restore-failed, and the other jobs go on.
//   - NotifyRestored sends one email per restore, with what "results" says.
package statemachines
