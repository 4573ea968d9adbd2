// Command mark-failed is the Lambda binary for the MarkFailed step, which records why a job failed.
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
	h, err := st.TaskHandler(awsenv.TaskBinaries["mark-failed"], nil, nil)
	if err != nil {
		wire.Fatal(st.Log, "cold start", err)
	}
	lambda.Start(h)
}
