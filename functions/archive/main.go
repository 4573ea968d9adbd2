// Command archive is the Lambda binary for the ArchiveIfFree step, which reads
// the user's tier and moves a free user's result to the GLACIER class.
// GAS_TASK names the step (infra/ sets it).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/functions/internal/wire"
)

func main() {
	st, err := wire.Open(context.Background())
	if err != nil {
		wire.Fatal(nil, "cold start", err)
	}
	h, err := st.TaskHandler(awsenv.TaskBinaries["archive"], nil, nil)
	if err != nil {
		wire.Fatal(st.Log, "cold start", err)
	}
	lambda.Start(h)
}
