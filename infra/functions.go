package main

import (
	"path/filepath"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/functions/awsenv"
)

// lambdaSpec sizes one Lambda. The names are the folders under functions/
// and dist/.
type lambdaSpec struct {
	name       string
	memoryMB   float64
	timeoutSec float64
	tmpMB      float64 // ephemeral /tmp; 0 means Lambda's default 512 MB
	reserved   bool    // gets Config.AnnotateConcurrency reserved instances
	// deadLetters keeps the events of an asynchronously invoked function
	// whose retries failed (nil: invoked synchronously, errors go back).
	deadLetters awssqs.IQueue
}

// Sizes: see the README section "Deploying to AWS" for how annotate's were
// chosen. The others only touch DynamoDB, SES or S3 metadata.
var (
	specAPI        = lambdaSpec{name: "api", memoryMB: 512, timeoutSec: 29} // API Gateway's own limit is 30 s
	specAnnotate   = lambdaSpec{name: "annotate", memoryMB: 1769, timeoutSec: 900, tmpMB: 2048, reserved: true}
	specNotify     = lambdaSpec{name: "notify", memoryMB: 256, timeoutSec: 60}
	specArchive    = lambdaSpec{name: "archive", memoryMB: 256, timeoutSec: 300}
	specMarkFailed = lambdaSpec{name: "mark-failed", memoryMB: 256, timeoutSec: 60}
	specRestore    = lambdaSpec{name: "restore", memoryMB: 256, timeoutSec: 300}
)

// taskSpec returns the sizing of the binary that serves a workflow task
// (awsenv.TaskBinaries says which one).
func taskSpec(task string) (lambdaSpec, bool) {
	for bin, names := range awsenv.TaskBinaries {
		if slices.Contains(names, task) {
			for _, s := range []lambdaSpec{specAnnotate, specNotify, specArchive, specMarkFailed, specRestore} {
				if s.name == bin {
					return s, true
				}
			}
		}
	}
	return lambdaSpec{}, false
}

// lambdaFn is a function and the role it runs as, so grants can target either.
type lambdaFn struct {
	fn   awslambda.Function
	role awsiam.Role
}

// newLambda creates an arm64 PROVIDED_AL2023 function from dist/<name>/bootstrap,
// with its own role and log group. The role gets no managed policy: only
// writes to its own log group, plus what the caller grants.
func newLambda(scope constructs.Construct, id string, cfg Config, s lambdaSpec, env map[string]*string) lambdaFn {
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		// Where Lambda itself would log: /aws/lambda/<stack>-<id>.
		LogGroupName:  awscdk.Fn_Join(jsii.String(""), jsii.Strings("/aws/lambda/", *awscdk.Aws_STACK_NAME(), "-", id)),
		Retention:     awslogs.RetentionDays_ONE_MONTH,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	logs.GrantWrite(role)
	props := &awslambda.FunctionProps{
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          awslambda.Code_FromAsset(jsii.String(filepath.Join(cfg.DistDir, s.name)), nil),
		MemorySize:    jsii.Number(s.memoryMB),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(s.timeoutSec)),
		Environment:   &env,
		Role:          role,
		LogGroup:      logs,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Tracing:       awslambda.Tracing_ACTIVE,
	}
	if s.reserved && cfg.AnnotateConcurrency > 0 {
		// Caps annotation so it cannot take the account's whole concurrency
		// from the portal, and keeps that many instances for it.
		props.ReservedConcurrentExecutions = jsii.Number(cfg.AnnotateConcurrency)
	}
	if s.deadLetters != nil {
		props.DeadLetterQueue = s.deadLetters
	}
	if s.tmpMB > 0 {
		props.EphemeralStorageSize = awscdk.Size_Mebibytes(jsii.Number(s.tmpMB))
	}
	return lambdaFn{fn: awslambda.NewFunction(scope, jsii.String(id), props), role: role}
}

// constructID turns "mark-failed" into "MarkFailed".
func constructID(name string) string {
	out := make([]byte, 0, len(name))
	up := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' {
			up = true
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		out = append(out, c)
	}
	return string(out)
}
