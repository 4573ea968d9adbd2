// Command restore is the Lambda binary for the steps of the restore workflow
// (ListArchived, RequestRestore, CheckRestore, CopyBack, MarkAvailable,
// RestoreFailed). infra/ deploys it once per step; GAS_TASK picks the step.
package main

import (
	"github.com/gasproject/gas/functions/internal/wire"
)

func main() { wire.ServeTask("restore", nil) }
