// Command notify is the Lambda binary for the steps that send email
// (NotifyCompleted, NotifyFailed, NotifyRestored). infra/ deploys it once per
// step; GAS_TASK picks the step.
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
	mail, err := st.Mailer()
	if err != nil {
		wire.Fatal(st.Log, "cold start", err)
	}
	h, err := st.TaskHandler(awsenv.TaskBinaries["notify"], mail, nil)
	if err != nil {
		wire.Fatal(st.Log, "cold start", err)
	}
	lambda.Start(h)
}
