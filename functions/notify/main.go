// Command notify is the Lambda binary for the steps that send email
// (NotifyCompleted, NotifyFailed, NotifyRestored). infra/ deploys it once per
// step; GAS_TASK picks the step.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gasproject/gas/functions/internal/wire"
	"github.com/gasproject/gas/internal/tasks"
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
	h, err := st.TaskHandler([]string{tasks.FnNotifyCompleted, tasks.FnNotifyFailed, tasks.FnNotifyRestored}, mail, nil)
	if err != nil {
		wire.Fatal(st.Log, "cold start", err)
	}
	lambda.Start(h)
}
