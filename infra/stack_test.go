package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/statemachines"
)

// wildcardExceptions are the only actions allowed on Resource "*". AWS offers
// no resource-level permission for them:
//   - xray:PutTraceSegments, xray:PutTelemetryRecords (Lambda active tracing,
//     state machine tracing), xray:GetSamplingRules, xray:GetSamplingTargets
//     (state machine tracing);
//   - the CloudWatch Logs vended-log-delivery actions Step Functions needs to
//     send execution logs to a log group.
var wildcardExceptions = []string{
	"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
	"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
	"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}

func TestNoIAMWildcardsExceptDocumentedOnes(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN no statement allows Action "*", and Resource "*" only for the documented exceptions
	for id, pol := range resources(t, tmpl, "AWS::IAM::Policy") {
		doc, _ := props(pol)["PolicyDocument"].(map[string]any)
		for _, s := range list(doc["Statement"]) {
			st, _ := s.(map[string]any)
			actions := list(st["Action"])
			for _, a := range actions {
				if a == "*" || strings.HasSuffix(a.(string), ":*") {
					t.Errorf("policy %s: action %v", id, a)
				}
			}
			if !slices.Contains(list(st["Resource"]), any("*")) {
				continue
			}
			for _, a := range actions {
				if !slices.Contains(wildcardExceptions, a.(string)) {
					t.Errorf("policy %s: %v on Resource \"*\" is not a documented exception", id, a)
				}
			}
		}
	}
	// AND no role carries a managed policy (no FullAccess, not even the Lambda basic role)
	for id, r := range resources(t, tmpl, "AWS::IAM::Role") {
		if mp, ok := props(r)["ManagedPolicyArns"]; ok {
			t.Errorf("role %s has managed policies %v", id, mp)
		}
	}
}

func TestStateMachinesAreStandardWithLoggingAndTracing(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN both state machines are STANDARD, log ALL with execution data, and trace
	machines := resources(t, tmpl, "AWS::StepFunctions::StateMachine")
	if len(machines) != len(statemachines.Names()) {
		t.Errorf("got %d state machines, want %d", len(machines), len(statemachines.Names()))
	}
	for id, m := range machines {
		p := props(m)
		if p["StateMachineType"] != "STANDARD" {
			t.Errorf("%s: type %v, want STANDARD", id, p["StateMachineType"])
		}
		lc, _ := p["LoggingConfiguration"].(map[string]any)
		if lc["Level"] != "ALL" || lc["IncludeExecutionData"] != true || lc["Destinations"] == nil {
			t.Errorf("%s: logging %v, want level ALL with execution data to a log group", id, lc)
		}
		if tc, _ := p["TracingConfiguration"].(map[string]any); tc["Enabled"] != true {
			t.Errorf("%s: tracing %v, want enabled", id, tc)
		}
	}
}

func TestAnnotationDefinitionWaitsWithSecondsPathAndCatchesFailures(t *testing.T) {
	// GIVEN the stack built from the embedded ASL
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN the annotation machine's definition has the retention Wait and the Catch to MarkFailed
	var def struct {
		States map[string]struct {
			Type        string
			SecondsPath string
			Catch       []struct {
				ErrorEquals []string
				Next        string
			}
		}
	}
	var subs map[string]any
	for _, m := range resources(t, tmpl, "AWS::StepFunctions::StateMachine") {
		p := props(m)
		s, _ := p["DefinitionString"].(string)
		if strings.Contains(s, "WaitRetention") {
			if err := json.Unmarshal([]byte(s), &def); err != nil {
				t.Fatalf("definition is not JSON: %v", err)
			}
			subs, _ = p["DefinitionSubstitutions"].(map[string]any)
		}
	}
	if w := def.States["WaitRetention"]; w.Type != "Wait" || w.SecondsPath != "$.retention_seconds" {
		t.Errorf("WaitRetention = %+v, want a Wait with SecondsPath $.retention_seconds", w)
	}
	for _, st := range []string{"Plan", "ShardMap", "Merge"} {
		caught := false
		for _, c := range def.States[st].Catch {
			caught = caught || (slices.Contains(c.ErrorEquals, "States.ALL") && c.Next == "MarkFailed")
		}
		if !caught {
			t.Errorf("%s catches %+v, want States.ALL -> MarkFailed", st, def.States[st].Catch)
		}
	}

	// AND every placeholder is substituted with a Lambda ARN of the stack
	fns := resources(t, tmpl, "AWS::Lambda::Function")
	want, _ := statemachines.Placeholders("annotation")
	buckets := resources(t, tmpl, "AWS::S3::Bucket")
	for _, ph := range want {
		if ph == "ResultsBucketName" {
			if _, ok := buckets[refID(subs[ph])]; !ok {
				t.Errorf("placeholder %s -> %v, want a bucket of the stack", ph, subs[ph])
			}
			continue
		}
		if _, ok := fns[refID(subs[ph])]; !ok {
			t.Errorf("placeholder %s -> %v, want a Lambda's ARN", ph, subs[ph])
		}
	}
}

func TestEveryLambdaIsArm64OnAL2023(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN every function is an arm64 bootstrap on provided.al2023, traced, with its own role
	fns := resources(t, tmpl, "AWS::Lambda::Function")
	tasks := 0
	for _, name := range statemachines.Names() {
		tasks += len(statemachines.Functions[name])
	}
	if want := tasks + 4; len(fns) != want { // + the api, the audit export, the restore-event target and the download copies
		t.Errorf("got %d functions, want %d (api, audit export, restore-event, download, one per workflow task)", len(fns), want)
	}
	roles := map[string]string{}
	for id, f := range fns {
		p := props(f)
		if arch := list(p["Architectures"]); len(arch) != 1 || arch[0] != "arm64" {
			t.Errorf("%s: architectures %v, want [arm64]", id, arch)
		}
		if p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" {
			t.Errorf("%s: runtime %v handler %v, want provided.al2023 bootstrap", id, p["Runtime"], p["Handler"])
		}
		if tc, _ := p["TracingConfig"].(map[string]any); tc["Mode"] != "Active" {
			t.Errorf("%s: tracing %v", id, tc)
		}
		role := refID(p["Role"])
		if other, dup := roles[role]; dup {
			t.Errorf("%s and %s share role %s", id, other, role)
		}
		roles[role] = id
	}
}

func TestTablesAreOnDemandWithPITRAndTheUserIndex(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN every table bills per request and has point-in-time recovery
	for id, tb := range resources(t, tmpl, "AWS::DynamoDB::Table") {
		p := props(tb)
		pitr, _ := p["PointInTimeRecoverySpecification"].(map[string]any)
		if p["BillingMode"] != "PAY_PER_REQUEST" || pitr["PointInTimeRecoveryEnabled"] != true {
			t.Errorf("table %s: billing %v pitr %v", id, p["BillingMode"], pitr)
		}
	}
	// AND the jobs table has the GSI on user id and submitted time
	check(t, "jobs GSI", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"GlobalSecondaryIndexes": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"IndexName": "by_user",
					"KeySchema": []any{
						map[string]any{"AttributeName": "user_id", "KeyType": "HASH"},
						map[string]any{"AttributeName": "submitted_at", "KeyType": "RANGE"},
					},
				}),
			}),
		})
	})
}

func TestAlarmsOnFailedExecutionsAndLambdaErrorsAndPortalURLOutput(t *testing.T) {
	// GIVEN an operator who wants alarm mail
	cfg := defaultTestConfig()
	cfg.AlarmEmail = "ops@example.org"
	// WHEN the stack is synthesized
	tmpl := synth(t, cfg)

	// THEN each state machine has an ExecutionsFailed alarm and each Lambda an Errors alarm, mailed to ops
	byMetric := map[string]int{}
	for id, a := range resources(t, tmpl, "AWS::CloudWatch::Alarm") {
		p := props(a)
		byMetric[p["MetricName"].(string)]++
		if len(list(p["AlarmActions"])) != 1 {
			t.Errorf("alarm %s: actions %v, want the SNS topic", id, p["AlarmActions"])
		}
	}
	if byMetric["ExecutionsFailed"] != 2 {
		t.Errorf("ExecutionsFailed alarms: %d, want 2", byMetric["ExecutionsFailed"])
	}
	if n := len(resources(t, tmpl, "AWS::Lambda::Function")); byMetric["Errors"] != n {
		t.Errorf("Errors alarms: %d, want one per Lambda (%d)", byMetric["Errors"], n)
	}
	check(t, "alarm subscription", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{"Protocol": "email", "Endpoint": "ops@example.org"})
	})
	// AND the portal URL is an output
	check(t, "PortalURL output", func() { tmpl.HasOutput(jsii.String("PortalURL"), map[string]any{}) })
}
