// Command archive is the Lambda binary for the ArchiveIfFree step, which reads
// the user's tier and moves a free user's result to the GLACIER class.
// GAS_TASK names the step (infra/ sets it).
package main

import (
	"github.com/gasproject/gas/functions/internal/wire"
)

func main() { wire.ServeTask("archive", nil) }
