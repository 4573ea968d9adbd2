// Package tasks holds the workflow's step handlers: plain Go methods on Tasks
// with the ports (domain.Jobs, Profiles, Blobs, Mailer, and an Annotator)
// injected once. The same handlers run in-process under the local ASL runner
// (`gas serve`, tests) and in the Lambda mains on AWS; Handlers() is the one
// table mapping each FunctionName to its JSON handler.
//
// Handlers (payloads carry ids and keys, never file contents):
//
//	function               method           payload in                          result
//	gas-annotate           Annotate         {"job_id"}                          {"job_id","result_key","log_key"}
//	gas-notify-completed   NotifyCompleted  {"job_id"}                          {"job_id","to"}
//	gas-notify-failed      NotifyFailed     {"job_id"}                          {"job_id","to"}
//	gas-archive-if-free    ArchiveIfFree    {"job_id"}                          {"job_id","archived","reason","archive_key"}
//	gas-mark-failed        MarkFailed       {"job_id","error":{"Error","Cause"}} {"job_id","status","reason"}
//	gas-list-archived      ListArchived     {"user_id"}                         {"user_id","jobs":[{"job_id"}],"count"}
//	gas-request-restore    RequestRestore   {"job_id"}                          RestoreStatus
//	gas-check-restore      CheckRestore     {"job_id"}                          RestoreStatus
//	gas-complete-restore   CompleteRestore  {"job_id"}                          RestoreStatus
//	gas-restore-failed     RestoreFailed    {"job_id","error":{"Error","Cause"}} {"job_id","reason"}
//	gas-notify-restored    NotifyRestored   {"user_id","jobs"?:[{"job_id"}]}    {"to","restored","failed":[ids]}
//
// RestoreStatus is {"job_id","tier","ready_by","wait_seconds","restored","available","result_key"}.
// Unknown payload fields are ignored.
//
// Errors: a VCF the parser rejects (or a missing upload) is *InvalidInputError,
// named "InvalidInput" (ErrorName) — permanent: the annotation machine catches it
// without retrying, and MarkFailed shows its message to the user. Every other
// error, including a recovered panic, is transient and retried by the ASL.
//
// Every handler is idempotent: job transitions are conditional
// (PENDING -> RUNNING -> COMPLETED; AVAILABLE -> ARCHIVED -> RESTORING -> AVAILABLE),
// and blob moves copy, verify with Head, record the new key on the job, and only
// then delete the old copy, so a retry after a crash at any point finishes the
// move instead of repeating or losing it.
//
// Blob keys: results/<user>/<job>/annotated.vcf and .../annotate.log while hot;
// archive/<user>/<job>/annotated.vcf in GLACIER. Emails link to <BaseURL>/jobs/<job>.
package tasks
