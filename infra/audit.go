package main

import (
	"maps"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
)

// prefixExecutions is where audit records live in the audit bucket
// (audit.Key: executions/<execution name>.json; an annotation is named
// after its job).
const prefixExecutions = "executions/"

// specAudit sizes the export Lambda: it streams the job's files through
// sha256 and holds one record (a history of at most 25,000 events).
var specAudit = lambdaSpec{name: "audit", memoryMB: 1024, timeoutSec: 900}

// auditTrail is the long-term store of execution histories.
type auditTrail struct {
	bucket      awss3.Bucket
	export      lambdaFn
	deadLetters awssqs.Queue
}

// newAudit keeps every execution's history for auditors beyond Step
// Functions' 90 days: an EventBridge rule on "Step Functions Execution
// Status Change" (terminal statuses of the stack's two machines) invokes
// the export Lambda (functions/audit), which writes the record once into a
// bucket with S3 Object Lock in COMPLIANCE mode: no one, the account's root
// included, can delete or replace a record before its retention
// (auditRetentionYears) ends. Events the Lambda fails on after its retries
// land in a dead-letter queue, with an alarm (newAlarms via the Lambda's errors).
func newAudit(scope constructs.Construct, cfg Config, b buckets, t tables, machines map[string]awsstepfunctions.StateMachine, env map[string]*string) auditTrail {
	bucket := newBucket(scope, "Audit", b.accessLogs, &awss3.BucketProps{
		Versioned:                  jsii.Bool(true), // Object Lock needs versioning
		ObjectLockEnabled:          jsii.Bool(true),
		ObjectLockDefaultRetention: awss3.ObjectLockRetention_Compliance(awscdk.Duration_Days(jsii.Number(float64(cfg.AuditRetentionYears) * 365))),
		LifecycleRules: &[]*awss3.LifecycleRule{
			{Id: jsii.String("AbortIncompleteUploads"), AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1))},
			// Records are read rarely, and at once when they are: Glacier
			// Instant Retrieval needs no restore.
			{Id: jsii.String("InstantRetrievalAfter90Days"), Transitions: &[]*awss3.Transition{{
				StorageClass: awss3.StorageClass_GLACIER_INSTANT_RETRIEVAL(), TransitionAfter: awscdk.Duration_Days(jsii.Number(90)),
			}}},
		},
	})
	dlq := awssqs.NewQueue(scope, jsii.String("AuditExportDeadLetters"), &awssqs.QueueProps{
		EnforceSSL:      jsii.Bool(true),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	env = maps.Clone(env)
	env[awsenv.AuditBucket] = bucket.BucketName()
	env[awsenv.AnnotationMachineARN] = machines[domain.MachineAnnotation].StateMachineArn()
	env[awsenv.RestoreMachineARN] = machines[domain.MachineRestore].StateMachineArn()
	spec := specAudit
	spec.deadLetters = dlq
	fn := newLambda(scope, "AuditExport", cfg, spec, env)
	grantExport(fn.role, bucket, b, t, machines)

	arns := []*string{}
	for _, name := range sortedKeys(machines) {
		arns = append(arns, machines[name].StateMachineArn())
	}
	awsevents.NewRule(scope, jsii.String("AuditExportRule"), &awsevents.RuleProps{
		Description: jsii.String("GAS: archive each ended execution's history (internal/audit)"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.states"),
			DetailType: jsii.Strings(audit.DetailType),
			Detail: &map[string]any{
				"status":          audit.TerminalStatuses,
				"stateMachineArn": arns,
			},
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn.fn, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: dlq, // events EventBridge could not deliver
			RetryAttempts:   jsii.Number(185),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
		})},
	})
	awscdk.NewCfnOutput(scope, jsii.String("AuditBucketName"), &awscdk.CfnOutputProps{
		Value:       bucket.BucketName(),
		Description: jsii.String("Execution histories, write-once (Object Lock COMPLIANCE): executions/<job id or execution name>.json"),
	})
	awscdk.NewCfnOutput(scope, jsii.String("AuditDeadLetterQueueUrl"), &awscdk.CfnOutputProps{
		Value:       dlq.QueueUrl(),
		Description: jsii.String("Status-change events whose export failed: replay them to the AuditExport Lambda"),
	})
	return auditTrail{bucket: bucket, export: fn, deadLetters: dlq}
}

// grantExport gives the export Lambda exactly its calls: read the two
// machines' executions, their histories and their map runs' children; read
// the job's record and its files (Head included: GLACIER copies too); write
// records. It may not read, delete or change anything in the audit bucket.
func grantExport(r awsiam.IRole, audit awss3.IBucket, b buckets, t tables, machines map[string]awsstepfunctions.StateMachine) {
	for _, name := range sortedKeys(machines) {
		sm := machines[name]
		sm.GrantExecution(r, jsii.String("states:DescribeExecution"), jsii.String("states:GetExecutionHistory"))
		grantMapRunReads(r, sm)
	}
	allow(r, jobRead, t.jobs.TableArn())
	allow(r, []string{"s3:GetObject"}, b.inputs.ArnForObjects(jsii.String(prefixInputs+"*")),
		b.results.ArnForObjects(jsii.String(prefixResults+"*")), b.results.ArnForObjects(jsii.String(prefixArchive+"*")))
	allow(r, []string{"s3:ListBucket"}, b.inputs.BucketArn(), b.results.BucketArn()) // a missing file is 404, not 403
	allow(r, []string{"s3:PutObject"}, audit.ArnForObjects(jsii.String(prefixExecutions+"*")))
}

// grantRead lets the portal read archived records (the auditor page once
// Step Functions has forgotten an execution).
func (a auditTrail) grantRead(r awsiam.IRole) {
	allow(r, []string{"s3:GetObject"}, a.bucket.ArnForObjects(jsii.String(prefixExecutions+"*")))
	allowList(r, a.bucket.BucketArn(), prefixExecutions) // a record never made is 404, not 403
}
