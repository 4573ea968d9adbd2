package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// checkWithNag adds cdk-nag's AwsSolutions and Serverless rule packs to
// scope. They run when the app synthesizes and report every finding that is
// not suppressed (see suppressNag) as an error or warning annotation; with
// reports on they also write <pack>-<stack>-NagReport.csv to the output dir.
func checkWithNag(scope awscdk.App, reports bool) {
	props := &cdknag.NagPackProps{Reports: jsii.Bool(reports), Verbose: jsii.Bool(true)}
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(props), nil)
	awscdk.Aspects_Of(scope).Add(cdknag.NewServerlessChecks(props), nil)
}

// nagFindings lists the unsuppressed cdk-nag findings of a synthesized stack.
func nagFindings(stack cxapi.CloudFormationStackArtifact) []string {
	var out []string
	for _, m := range *stack.Messages() {
		lvl := m.Level
		if lvl != cxapi.SynthesisMessageLevel_ERROR && lvl != cxapi.SynthesisMessageLevel_WARNING {
			continue
		}
		txt := fmt.Sprint(m.Entry.Data)
		if !strings.HasPrefix(txt, "AwsSolutions-") && !strings.HasPrefix(txt, "Serverless-") {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s: %s", lvl, *m.Id, txt))
	}
	sort.Strings(out)
	return out
}

// suppression is one accepted cdk-nag finding and why it is accepted.
func suppression(id, reason string, appliesTo ...any) *cdknag.NagPackSuppression {
	s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		s.AppliesTo = &appliesTo
	}
	return s
}

// matching is an appliesTo that matches findings by regular expression.
func matching(re string) cdknag.RegexAppliesTo { return cdknag.RegexAppliesTo{Regex: jsii.String(re)} }

// suppressNag records, on the stack and on single resources, every cdk-nag
// finding GAS accepts, each with its reason. Anything else fails `make synth`
// and TestCdkNagFindsNothingUnsuppressed.
func suppressNag(stack awscdk.Stack, r nagTargets) {
	cdknag.NagSuppressions_AddStackSuppressions(stack, &[]*cdknag.NagPackSuppression{
		suppression("Serverless-LambdaDLQ",
			"Every Lambda is invoked synchronously (Step Functions lambda:invoke tasks, API Gateway) and its errors go back to the caller: "+
				"the state machines retry and catch them and record them on the job. A dead-letter queue only applies to asynchronous invocations "+
				"Three Lambdas are invoked asynchronously: AuditExport (by EventBridge) has one; RestoreEvent (by EventBridge) needs none, since an event it fails on "+
				"only delays that job's restore (the waiting step's timeout checks the object itself, CheckRestore) and its error alarm fires; "+
				"DownloadCopies (by the portal, for a large result's download copy) needs none, since a failed copy is noted in its marker and the next "+
				"download request starts another, and its error alarm fires."),
		suppression("AwsSolutions-IAM5",
			`Resource "*" only for actions without resource-level permissions (X-Ray trace upload and sampling, the CloudWatch Logs delivery `+
				"actions Step Functions logging needs); TestNoIAMWildcardsExceptDocumentedOnes fails on any other action on \"*\".",
			"Resource::*"),
		suppression("AwsSolutions-IAM5",
			"Object keys carry the user and job ids, made at run time: each grant is limited to one key prefix (inputs/, results/, archive/, bundle/, restores/) "+
				"of one bucket, and each task function gets only the prefixes and actions of its own calls (infra/grants.go).",
			matching(`/^Resource::<(Inputs|Results|Refdata|Audit)[0-9A-F]+\.Arn>\/(inputs|results|archive|bundle|executions|restores)\/\*$/`)),
		suppression("AwsSolutions-IAM5",
			"Download copies of a job's result (results/<user>/<job>/download/, named at run time): the download Lambda writes only there, "+
				"and the portal only the markers noting a background copy's start (*.making).",
			matching(`/^Resource::<Results[0-9A-F]+\.Arn>\/results\/\*\/download\/\*(\.making)?$/`)),
		suppression("AwsSolutions-IAM5",
			"The sharded workflow's work files of a job (work/<user>/<job>/: shards, parts, the manifest) are named at run time: "+
				"Plan, AnnotateShard and Merge get only that prefix, and the state machine's ItemReader only the manifests.",
			matching(`/^Resource::<Results[0-9A-F]+\.Arn>\/work\/\*(\/manifest\.json)?$/`)),
		suppression("AwsSolutions-IAM5",
			"Merge may delete the four files it writes for a job (result, .tbi, variant index, log; results/<user>/<job>/<name>), "+
				"named at run time, so that a job failing after Merge wrote some of them leaves none (the failure path's DropWork).",
			matching(`/^Resource::<Results[0-9A-F]+\.Arn>\/results\/\*\/\*\/(annotated\.vcf\.gz(\.tbi)?|variants\.idx|annotate\.log)$/`)),
		suppression("AwsSolutions-IAM5",
			"Step Functions invokes each task Lambda by its ARN; CDK's grantInvoke also allows its versions and aliases (<arn>:*), all of the same function.",
			matching(`/^Resource::<[A-Za-z0-9]+Task[0-9A-F]+\.Arn>:\*$/`)),
		suppression("AwsSolutions-IAM5",
			"The portal lists a user's jobs and, for auditors, all jobs newest first: the two indexes of the jobs table (index/*) are both queried.",
			matching(`/^Resource::<Jobs[0-9A-F]+\.Arn>\/index\/\*$/`)),
		suppression("AwsSolutions-IAM5",
			"The auditor page and the audit export read the history of every execution of one state machine: executions are named by job id at run time.",
			matching(`/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.*$/`)),
		suppression("AwsSolutions-IAM5",
			"The audit export and the portal's history page describe each Distributed Map run of the stack's state machines and list its child executions "+
				"(DescribeMapRun, ListExecutions by map run ARN); run ids are made at run time.",
			matching(`/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:mapRun:<[A-Za-z]+Workflow[0-9A-F]+\.Name>\/\*$/`)),
	}, nil)
	cdknag.NagSuppressions_AddResourceSuppressions(r.deadLetters, &[]*cdknag.NagPackSuppression{
		suppression("Serverless-SQSRedrivePolicy",
			"This queue is itself the dead-letter queue of the audit export: nothing consumes it; an operator replays its events (README: audit) within its 14 days."),
	}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(r.secrets, &[]*cdknag.NagPackSuppression{
		suppression("AwsSolutions-SMG4",
			"Stripe issues its keys; the operator rolls them in Stripe's dashboard and pastes the new ones (README: Billing). "+
				"The session key signs every session: rotating it signs all users out, so it is rotated by hand (README)."),
	}, jsii.Bool(true))
	if r.userPool != nil {
		cdknag.NagSuppressions_AddResourceSuppressions(r.userPool, &[]*cdknag.NagPackSuppression{
			suppression("AwsSolutions-COG2",
				"Scientists sign themselves up to annotate files; a required second factor would turn most away. Passwords need 12 characters of four kinds."),
			suppression("AwsSolutions-COG8",
				"The Plus feature plan (threat protection) is billed per monthly active user; sign-in attempts are rate limited by the portal and Cognito."),
		}, jsii.Bool(true))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(r.restoreRule, &[]*cdknag.NagPackSuppression{
		suppression("Serverless-EventBusDLQ",
			"An S3 restore event EventBridge cannot deliver (after 8 retries over up to 2 hours) only delays that job's restore: "+
				"the waiting step's timeout checks the object itself (CheckRestore), and the Lambda's error alarm fires. Nothing would read a queue."),
	}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(r.downloads, &[]*cdknag.NagPackSuppression{
		suppression("Serverless-LambdaAsyncFailureDestination",
			"A download copy the portal started asynchronously and that failed is noted in its marker (results/<user>/<job>/download/<file>.making); "+
				"the user's next download request starts another and says why the last one failed, and the Lambda's error alarm fires. Nothing would read a destination."),
	}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(r.route, &[]*cdknag.NagPackSuppression{
		suppression("AwsSolutions-APIG4",
			"The portal authenticates every private route itself (OIDC sessions, API tokens) in the Lambda; its home and sign-in pages must answer anyone."),
	}, jsii.Bool(true))
}

// nagTargets are the resources that carry their own suppressions.
type nagTargets struct {
	secrets  []constructs.IConstruct
	userPool constructs.IConstruct // nil with an external OIDC issuer
	route    constructs.IConstruct
	// deadLetters is the audit export's dead-letter queue.
	deadLetters constructs.IConstruct
	// restoreRule sends S3's restore events to the restore-event Lambda (infra/restore.go).
	restoreRule constructs.IConstruct
	// downloads is the download Lambda the portal invokes (infra/download.go).
	downloads constructs.IConstruct
}

// nagSummary counts the rows of each cdk-nag report in dir by compliance
// ("Compliant", "Non-Compliant", "Suppressed", ...), one line per pack.
func nagSummary(dir string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*-NagReport.csv"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("no cdk-nag report in %s", dir)
	}
	var lines []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		rows, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %w", f, err)
		}
		count := map[string]int{}
		for _, r := range rows[1:] {
			count[r[2]]++
		}
		pack, _, _ := strings.Cut(filepath.Base(f), "-")
		lines = append(lines, fmt.Sprintf("cdk-nag %s: %d non-compliant, %d suppressed (with reasons), %d compliant (%s)",
			pack, count["Non-Compliant"], count["Suppressed"], count["Compliant"], f))
	}
	return strings.Join(lines, "\n"), nil
}
