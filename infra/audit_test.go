package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/internal/audit"
)

func TestAuditBucketKeepsRecordsWriteOnceForYears(t *testing.T) {
	// GIVEN a deployment that keeps audit records 10 years
	cfg := defaultTestConfig()
	cfg.AuditRetentionYears = 10
	// WHEN it is synthesized
	tmpl := synth(t, cfg)
	// THEN one bucket is versioned with Object Lock in COMPLIANCE mode for 10 × 365 days, and retained
	check(t, "audit bucket", func() {
		tmpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]any{
			"Properties": map[string]any{
				"ObjectLockEnabled": true,
				"ObjectLockConfiguration": map[string]any{
					"ObjectLockEnabled": "Enabled",
					"Rule":              map[string]any{"DefaultRetention": map[string]any{"Mode": "COMPLIANCE", "Days": 3650}},
				},
				"VersioningConfiguration": map[string]any{"Status": "Enabled"},
				"LoggingConfiguration":    assertions.Match_ObjectLike(&map[string]any{"LogFilePrefix": "Audit/"}),
			},
			"DeletionPolicy": "Retain",
		})
	})
	locked := 0
	for _, b := range resources(t, tmpl, "AWS::S3::Bucket") {
		if props(b)["ObjectLockEnabled"] == true {
			locked++
		}
	}
	if locked != 1 {
		t.Errorf("%d Object Lock buckets, want the audit bucket only", locked)
	}
}

func TestAuditExportRunsWhenAnExecutionOfEitherMachineEnds(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())
	// THEN one rule sends the terminal status changes of both machines to the export Lambda, with a dead-letter queue
	matched := 0
	for _, r := range resources(t, tmpl, "AWS::Events::Rule") {
		p := props(r)
		pattern, _ := p["EventPattern"].(map[string]any)
		if fmt.Sprint(pattern["detail-type"]) != "["+audit.DetailType+"]" {
			continue // another rule of the stack
		}
		matched++
		detail, _ := pattern["detail"].(map[string]any)
		if fmt.Sprint(pattern["source"]) != "[aws.states]" {
			t.Errorf("rule pattern %v", pattern)
		}
		if got := fmt.Sprint(detail["status"]); got != fmt.Sprint(audit.TerminalStatuses) {
			t.Errorf("rule statuses %s, want %v", got, audit.TerminalStatuses)
		}
		var machines []string
		for _, m := range list(detail["stateMachineArn"]) {
			machines = append(machines, refID(m))
		}
		slices.Sort(machines)
		if len(machines) != 2 || !strings.HasPrefix(machines[0], "AnnotationWorkflow") || !strings.HasPrefix(machines[1], "RestoreWorkflow") {
			t.Errorf("rule machines %v, want the annotation and restore workflows", machines)
		}
		targets := list(p["Targets"])
		tgt, _ := targets[0].(map[string]any)
		if len(targets) != 1 || !strings.HasPrefix(refID(tgt["Arn"]), "AuditExport") || tgt["DeadLetterConfig"] == nil {
			t.Errorf("rule targets %v, want the AuditExport Lambda with a dead-letter queue", targets)
		}
	}
	if matched != 1 {
		t.Errorf("%d rules on %q, want 1", matched, audit.DetailType)
	}
	check(t, "export Lambda's own dead-letter queue", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"DeadLetterConfig": map[string]any{"TargetArn": assertions.Match_AnyValue()},
			"Environment":      map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{"GAS_AUDIT_BUCKET": assertions.Match_AnyValue()})},
		})
	})
}

// auditBucketRE finds the audit bucket's ARN in a policy resource.
var auditBucketRE = regexp.MustCompile(`\bAudit[0-9A-F]{8} Arn\b`)

func TestOnlyTheExportWritesAuditRecordsAndNoRoleMayUnlockThem(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())
	// THEN the export Lambda may only put under executions/, the portal only read there, and no role may change a lock
	seen := map[string]bool{}
	for fn, sts := range statementsByFunction(t, tmpl) {
		for _, st := range sts {
			for _, res := range list(st["Resource"]) {
				if !auditBucketRE.MatchString(fmt.Sprint(res)) {
					continue
				}
				actions := fmt.Sprint(list(st["Action"]))
				switch {
				case fn == "audit-export" && actions == "[s3:PutObject]" && strings.Contains(fmt.Sprint(res), "/executions/*"):
					seen[fn] = true
				case fn == "api" && (actions == "[s3:GetObject]" || actions == "[s3:ListBucket]"):
					seen[fn] = true
				default:
					t.Errorf("%s may %s on %v", fn, actions, res)
				}
			}
			for _, a := range list(st["Action"]) {
				if s := fmt.Sprint(a); strings.Contains(s, "Retention") || strings.Contains(s, "LegalHold") || strings.Contains(s, "ObjectLock") || s == "s3:*" {
					t.Errorf("%s may %s", fn, s)
				}
			}
		}
	}
	if !seen["audit-export"] || !seen["api"] {
		t.Errorf("audit bucket grants: export writes %v, portal reads %v; want both", seen["audit-export"], seen["api"])
	}
}
