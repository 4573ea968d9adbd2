// Package tasks holds the workflow's step handlers: plain Go methods on Tasks
// with the ports (domain.Jobs, Profiles, Blobs, Mailer, and an Annotator)
// injected once. The same handlers run in-process under the local ASL runner
// (`gas serve`, tests) and in the Lambda mains on AWS; Handlers() is the one
// table mapping each FunctionName to its JSON handler.
//
// The task contract (function names, payloads, results, error names) is the
// table in package statemachines; Handlers implements it:
//
//	function          method           result (besides the fields the ASL selects)
//	annotate          Annotate         AnnotateOutput {"job_id","result_key","log_key"}
//	notify-completed  NotifyCompleted  {"job_id","to"}
//	notify-failed     NotifyFailed     {"job_id","to"}
//	archive-if-free   ArchiveIfFree    {"job_id","archived","reason","archive_key"}
//	mark-failed       MarkFailed       {"job_id","status","reason"}
//	list-archived     ListArchived     {"user_id","count","key"} (the ids, as JSON, at key)
//	request-restore   RequestRestore   RestoreStatus {"job_id","tier","ready_by","wait_seconds","restored"}
//	await-restore     AwaitRestore     {"job_id"} (stores the task token; may call SendTaskSuccess)
//	check-restore     CheckRestore     RestoreStatus
//	restore-event     RestoreEvent     {"job_id","action"} (an S3 restore event in; no state calls it)
//	copy-back         CopyBack         {"job_id","result_key"}
//	mark-available    MarkAvailable    {"job_id","result_key"}
//	restore-failed    RestoreFailed    {"job_id","reason"}
//	notify-restored   NotifyRestored   {"to","restored","failed":[job ids]}
//
// Unknown payload fields are ignored.
//
// Errors: a VCF the parser rejects (or a missing upload) returns an unwrapped
// *statemachines.InvalidInputError — permanent: the annotation machine catches
// it without retrying, and MarkFailed shows its message to the user
// (FailureReason). Every other error, including a recovered panic, is
// transient and retried by the ASL.
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
