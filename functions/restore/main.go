// Command restore is the Lambda binary for the steps of the restore workflow
// (ListArchived, RequestRestore, AwaitRestore, CheckRestore, CopyBack,
// MarkAvailable, RestoreFailed) and for the EventBridge target of S3's
// restore events (restore-event), which resumes the step waiting for the
// job. infra/ deploys it once per task; GAS_TASK picks the task.
package main

import (
	"github.com/gasproject/gas/functions/internal/wire"
)

func main() { wire.ServeTask("restore", nil) }
