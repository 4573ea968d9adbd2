package main

import (
	"strings"
	"testing"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/statemachines"
)

func TestRestoreEventsResumeOnlyTheRestoreMachine(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN the results bucket sends its events to EventBridge, without a
	// custom-resource Lambda, and expires the restore job lists
	var results map[string]any
	for id, b := range resources(t, tmpl, "AWS::S3::Bucket") {
		if strings.HasPrefix(id, "Results") {
			results = props(b)
		}
	}
	if got := toJSON(results["NotificationConfiguration"]); !strings.Contains(got, `"EventBridgeEnabled":true`) {
		t.Errorf("results bucket notifications %s, want EventBridge", got)
	}
	if got := toJSON(results["LifecycleConfiguration"]); !strings.Contains(got, `"Prefix":"restores/"`) {
		t.Errorf("results bucket lifecycle %s, want the restore lists expired", got)
	}
	// AND one rule sends S3's restore completed/expired events of archived
	// results in that bucket to the restore-event Lambda, with retries
	var rules []string
	for _, r := range resources(t, tmpl, "AWS::Events::Rule") {
		p := props(r)
		pattern := toJSON(p["EventPattern"])
		if !strings.Contains(pattern, `"aws.s3"`) {
			continue // another service's events (the audit export's)
		}
		rules = append(rules, pattern)
		for _, want := range []string{`"aws.s3"`, `"Object Restore Completed"`, `"Object Restore Expired"`, `{"prefix":"archive/"}`, `"Results`} {
			if !strings.Contains(pattern, want) {
				t.Errorf("rule pattern %s lacks %s", pattern, want)
			}
		}
		target := toJSON(p["Targets"])
		if !strings.Contains(target, "RestoreEventTask") || !strings.Contains(target, `"MaximumRetryAttempts":8`) {
			t.Errorf("rule targets %s", target)
		}
	}
	if len(rules) != 1 {
		t.Fatalf("%d EventBridge rules on S3 events, want 1", len(rules))
	}
	// AND only await-restore and restore-event may resume tasks, only on
	// the restore state machine
	for fn, sts := range statementsByFunction(t, tmpl) {
		for _, st := range sts {
			actions := toJSON(st["Action"])
			if !strings.Contains(actions, "states:SendTask") {
				continue
			}
			if fn != statemachines.TaskAwaitRestore && fn != statemachines.TaskRestoreEvent {
				t.Errorf("%s may %s", fn, actions)
			}
			res := toJSON(st["Resource"])
			if !strings.Contains(res, "RestoreWorkflow") || strings.Contains(res, "*") || strings.Contains(actions, "SendTaskHeartbeat") {
				t.Errorf("%s: %s on %s, want Success/Failure on the restore machine only", fn, actions, res)
			}
		}
	}
	// AND the restore-event Lambda is the restore binary serving that task
	found := false
	for _, f := range resources(t, tmpl, "AWS::Lambda::Function") {
		env, _ := props(f)["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		found = found || vars[awsenv.Task] == statemachines.TaskRestoreEvent
	}
	if !found {
		t.Error("no Lambda serves restore-event")
	}
}
