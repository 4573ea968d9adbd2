// Command mark-failed is the Lambda binary for the MarkFailed step, which records why a job failed.
// GAS_TASK names the step (infra/ sets it).
package main

import (
	"github.com/gasproject/gas/functions/internal/wire"
)

func main() { wire.ServeTask("mark-failed", nil) }
