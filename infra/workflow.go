package main

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// placeholderRE finds the ${Name} placeholders of an ASL definition.
var placeholderRE = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// placeholders returns the distinct placeholder names in an ASL definition, sorted.
func placeholders(asl string) []string {
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(asl, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// newStateMachine creates a Standard state machine from an embedded ASL
// definition. Each ${XFunctionArn} placeholder is substituted with the ARN of
// the Lambda registered under that name, and only those Lambdas may be
// invoked by the machine's role; other placeholders (bucket names) come from
// values. An unknown placeholder is an error, so a renamed task cannot deploy
// as a literal "${...}".
func newStateMachine(scope constructs.Construct, id, asl string, fns map[string]lambdaFn, values map[string]*string) (awsstepfunctions.StateMachine, error) {
	subs := map[string]*string{}
	var invoked []lambdaFn
	for _, p := range placeholders(asl) {
		if v, ok := values[p]; ok {
			subs[p] = v
			continue
		}
		f, ok := fns[p]
		if !ok {
			return nil, fmt.Errorf("state machine %s: placeholder ${%s} names no Lambda of the stack", id, p)
		}
		subs[p] = f.fn.FunctionArn()
		invoked = append(invoked, f)
	}
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"ExecutionLogs"), &awslogs.LogGroupProps{
		LogGroupName:  vendedLogName("states", id),
		Retention:     awslogs.RetentionDays_SIX_MONTHS, // auditors read these
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	sm := awsstepfunctions.NewStateMachine(scope, jsii.String(id), &awsstepfunctions.StateMachineProps{
		StateMachineType:        awsstepfunctions.StateMachineType_STANDARD,
		DefinitionBody:          awsstepfunctions.DefinitionBody_FromString(jsii.String(asl)),
		DefinitionSubstitutions: &subs,
		Logs: &awsstepfunctions.LogOptions{
			Destination:          logs,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(true),
		},
		TracingEnabled: jsii.Bool(true),
	})
	for _, f := range invoked {
		f.fn.GrantInvoke(sm)
	}
	return sm, nil
}

// grantAudit lets grantee start nothing but read the machine's executions
// and their history. (StateMachine.GrantRead would also grant
// states:ListActivities on "*", which GAS does not need.)
func grantAudit(sm awsstepfunctions.StateMachine, grantee awsiam.IGrantable) {
	sm.Grant(grantee, jsii.String("states:ListExecutions"), jsii.String("states:DescribeStateMachine"))
	sm.GrantExecution(grantee, jsii.String("states:DescribeExecution"), jsii.String("states:GetExecutionHistory"))
}

// grantMapRunReads lets r read the Distributed Map runs of the machine's
// executions: describe a run (status, counts, the execution that started
// it), list its children (mapRun:<machine>/<map>:<run id>) and describe and
// read the history of a child (execution:<machine>/<map>:<child>).
func grantMapRunReads(r awsiam.IRole, sm awsstepfunctions.StateMachine) {
	arn := func(resource string) *string {
		return awscdk.Stack_Of(r).FormatArn(&awscdk.ArnComponents{Service: jsii.String("states"), Resource: jsii.String(resource),
			ResourceName: jsii.String(*sm.StateMachineName() + "/*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
	}
	allow(r, []string{"states:DescribeExecution", "states:GetExecutionHistory"}, arn("execution"))
	allow(r, []string{"states:ListExecutions", "states:DescribeMapRun"}, arn("mapRun"))
}

// grantDistributedMap lets the machine run its Distributed Map: start and
// describe (and stop, when the map run fails) child executions of this state
// machine only, and read the objects its ItemReader names (items: the shard
// manifests, the restore's job lists). A policy
// of its own, not the role's default one, so that naming the machine's ARN
// makes no dependency cycle with the machine itself.
func grantDistributedMap(scope constructs.Construct, machine string, sm awsstepfunctions.StateMachine, results awss3.IBucket) error {
	items, ok := mapItems[machine]
	if !ok {
		return fmt.Errorf("state machine %s has a Distributed Map and no mapItems entry (infra/restore.go)", machine)
	}
	stack := awscdk.Stack_Of(scope)
	children := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("states"), Resource: jsii.String("execution"),
		ResourceName: jsii.String(*sm.StateMachineName() + "/*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	awsiam.NewPolicy(scope, jsii.String(constructID(machine)+"MapRuns"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{sm.Role()},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("states:StartExecution"),
				Resources: jsii.Strings(*sm.StateMachineArn()),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("states:DescribeExecution", "states:StopExecution"),
				Resources: jsii.Strings(*children),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("s3:GetObject"),
				Resources: jsii.Strings(*results.ArnForObjects(jsii.String(items))),
			}),
		},
	})
	return nil
}
