package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/statemachines"
)

// The restore workflow runs one child execution per archived job (a
// Distributed Map reading the list ListArchived writes under restores/).
// Each child waits in WaitForRestore (.waitForTaskToken) until S3's "Object
// Restore Completed" event reaches the restore-event Lambda through
// EventBridge, which resumes it with SendTaskSuccess (SendTaskFailure on
// "Object Restore Expired").
const (
	prefixRestores     = "restores/" // ListArchived's job lists: restores/<user>/<execution>.json
	patternRestoreList = prefixRestores + "*"
	restoreListDays    = 7 // a restore runs for hours; its list is not read after it ends
)

// mapItems is, per state machine with a Distributed Map, the objects its
// ItemReader reads.
var mapItems = map[string]string{
	domain.MachineAnnotation: patternManifest,
	domain.MachineRestore:    patternRestoreList,
}

// newRestoreEvents wires S3's restore events to the restore-event Lambda
// and lets it and AwaitRestore resume the restore machine's steps, and
// nothing else: states:SendTaskSuccess and SendTaskFailure on that state
// machine only. The policy is one of its own, so that naming the machine
// makes no dependency cycle (the machine invokes AwaitRestore).
// The results bucket sends its events to EventBridge (a CloudFormation
// property: CDK's EventBridgeEnabled would add a custom-resource Lambda).
func newRestoreEvents(scope constructs.Construct, cfg Config, env map[string]*string, g grants,
	restore awsstepfunctions.StateMachine, await lambdaFn) (lambdaFn, awsevents.Rule, error) {
	name := statemachines.TaskRestoreEvent
	fn, err := newTaskLambda(scope, cfg, statemachines.Function{Placeholder: statemachines.Placeholder(name), Name: name}, env, g)
	if err != nil {
		return lambdaFn{}, nil, err
	}
	g.buckets.results.Node().DefaultChild().(awss3.CfnBucket).AddPropertyOverride(
		jsii.String("NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled"), true)
	awsiam.NewPolicy(scope, jsii.String("RestoreCallbacks"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{await.role, fn.role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("states:SendTaskSuccess", "states:SendTaskFailure"),
			Resources: jsii.Strings(*restore.StateMachineArn()),
		})},
	})
	rule := awsevents.NewRule(scope, jsii.String("RestoreEvents"), &awsevents.RuleProps{
		Description: jsii.String("GAS: S3 restore of an archived result completed or expired: resume the restore step waiting for the job"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.s3"),
			DetailType: jsii.Strings(tasks.EventRestoreCompleted, tasks.EventRestoreExpired),
			Detail: &map[string]any{
				"bucket": map[string]any{"name": []*string{g.buckets.results.BucketName()}},
				"object": map[string]any{"key": []any{map[string]any{"prefix": prefixArchive}}},
			},
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn.fn, &awseventstargets.LambdaFunctionProps{
			// A lost event only delays a restore: the step's timeout checks again.
			RetryAttempts: jsii.Number(8),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(2)),
		})},
	})
	return fn, rule, nil
}

// expireRestoreLists is the results bucket's lifecycle rule for ListArchived's lists.
func expireRestoreLists() *awss3.LifecycleRule {
	return &awss3.LifecycleRule{
		Id:         jsii.String("ExpireRestoreLists"),
		Prefix:     jsii.String(prefixRestores),
		Expiration: awscdk.Duration_Days(jsii.Number(restoreListDays)),
	}
}
