// Command audit is the Lambda behind the EventBridge rule on "Step
// Functions Execution Status Change": when an annotation or restore
// execution ends it writes the execution's full history, map runs, job
// record and object sha256s once to the audit bucket (S3 Object Lock,
// COMPLIANCE), where auditors find it by job id or execution name after
// Step Functions has forgotten it (internal/audit).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gasproject/gas/functions/internal/wire"
)

func main() {
	st, err := wire.Open(context.Background())
	if err != nil {
		wire.Fatal(nil, "cold start", err)
	}
	e, err := st.Exporter()
	if err != nil {
		wire.Fatal(st.Log, "cold start", err)
	}
	lambda.Start(e.HandleEvent)
}
