package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/functions/awsenv"
)

// statementsByFunction maps each Lambda (its GAS_TASK, or "api") to the IAM
// statements of its role's policies.
func statementsByFunction(t *testing.T, tmpl assertions.Template) map[string][]map[string]any {
	t.Helper()
	byRole := map[string][]map[string]any{}
	for _, pol := range resources(t, tmpl, "AWS::IAM::Policy") {
		p := props(pol)
		doc, _ := p["PolicyDocument"].(map[string]any)
		for _, r := range list(p["Roles"]) {
			for _, s := range list(doc["Statement"]) {
				st, _ := s.(map[string]any)
				byRole[refID(r)] = append(byRole[refID(r)], st)
			}
		}
	}
	out := map[string][]map[string]any{}
	for id, f := range resources(t, tmpl, "AWS::Lambda::Function") {
		p := props(f)
		env, _ := p["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		name, _ := vars[awsenv.Task].(string)
		switch {
		case strings.HasPrefix(id, "AuditExport"):
			name = "audit-export"
		case strings.HasPrefix(id, "DownloadCopies"):
			name = "download"
		case name == "":
			name = "api"
		}
		out[name] = byRole[refID(p["Role"])]
	}
	return out
}

// actionsByFunction maps each Lambda to the IAM actions its role allows.
func actionsByFunction(t *testing.T, tmpl assertions.Template) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for fn, sts := range statementsByFunction(t, tmpl) {
		for _, st := range sts {
			for _, a := range list(st["Action"]) {
				out[fn] = append(out[fn], a.(string))
			}
		}
	}
	return out
}

func TestEachLambdaGetsOnlyTheGrantsOfItsStep(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())
	got := actionsByFunction(t, tmpl)

	// THEN each function has what its step needs and lacks what it does not
	hasPrefix := func(actions []string, prefix string) bool {
		return slices.ContainsFunc(actions, func(a string) bool { return strings.HasPrefix(a, prefix) })
	}
	tests := []struct {
		fn           string
		want, forbid []string // action prefixes
	}{
		{"api", []string{"states:StartExecution", "states:GetExecutionHistory", "s3:PutObject", "secretsmanager:GetSecretValue", "dynamodb:PutItem", "ses:SendEmail", "lambda:InvokeFunction"},
			[]string{"s3:RestoreObject", "lambda:Create", "lambda:Update", "lambda:Delete"}},
		{"download", []string{"dynamodb:GetItem", "s3:GetObject", "s3:PutObject"},
			[]string{"s3:Delete", "s3:RestoreObject", "dynamodb:PutItem", "dynamodb:Query", "states:", "ses:", "secretsmanager:", "lambda:"}},
		{"plan", []string{"s3:GetObject", "s3:PutObject", "dynamodb:PutItem"}, []string{"ses:", "s3:RestoreObject", "s3:DeleteObject", "states:", "secretsmanager:", "dynamodb:Query"}},
		{"annotate-shard", []string{"s3:GetObject", "s3:PutObject", "dynamodb:PutItem"}, []string{"ses:", "s3:RestoreObject", "s3:DeleteObject", "states:", "secretsmanager:", "dynamodb:Query"}},
		{"merge", []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "dynamodb:PutItem"}, []string{"ses:", "s3:RestoreObject", "states:", "secretsmanager:", "dynamodb:Query"}},
		{"notify-completed", []string{"ses:SendEmail", "dynamodb:GetItem", "dynamodb:PutItem"}, []string{"s3:", "dynamodb:Query", "states:"}},
		{"notify-restored", []string{"ses:SendEmail", "dynamodb:Query"}, []string{"s3:", "states:"}},
		{"mark-failed", []string{"dynamodb:PutItem"}, []string{"s3:", "ses:", "states:", "secretsmanager:"}},
		{"archive-if-free", []string{"s3:PutObject", "s3:GetObject", "s3:DeleteObject", "dynamodb:PutItem"}, []string{"ses:", "s3:RestoreObject", "states:"}},
		{"list-archived", []string{"dynamodb:Query", "s3:PutObject"}, []string{"s3:GetObject", "s3:DeleteObject", "s3:RestoreObject", "ses:", "dynamodb:PutItem", "dynamodb:GetItem", "states:"}},
		{"request-restore", []string{"s3:RestoreObject", "dynamodb:PutItem"}, []string{"ses:", "states:", "secretsmanager:", "s3:PutObject", "s3:DeleteObject"}},
		{"check-restore", []string{"s3:GetObject"}, []string{"ses:", "states:", "s3:PutObject", "s3:DeleteObject", "s3:RestoreObject", "dynamodb:PutItem"}},
		{"await-restore", []string{"s3:GetObject", "dynamodb:PutItem", "states:SendTaskSuccess", "states:SendTaskFailure"},
			[]string{"ses:", "states:Start", "s3:PutObject", "s3:DeleteObject", "s3:RestoreObject"}},
		{"restore-event", []string{"s3:GetObject", "dynamodb:GetItem", "states:SendTaskSuccess", "states:SendTaskFailure"},
			[]string{"ses:", "states:Start", "s3:PutObject", "s3:DeleteObject", "s3:RestoreObject", "dynamodb:PutItem"}},
		{"copy-back", []string{"s3:GetObject", "s3:PutObject"}, []string{"ses:", "s3:DeleteObject", "s3:RestoreObject", "dynamodb:PutItem"}},
		{"mark-available", []string{"s3:DeleteObject", "dynamodb:PutItem"}, []string{"ses:", "s3:PutObject", "s3:RestoreObject"}},
		{"restore-failed", []string{"dynamodb:PutItem"}, []string{"s3:", "ses:", "states:"}},
		{"audit-export", []string{"states:DescribeExecution", "states:GetExecutionHistory", "states:ListExecutions", "states:DescribeMapRun", "s3:GetObject", "s3:PutObject", "dynamodb:GetItem"},
			[]string{"s3:Delete", "s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:Bypass", "s3:RestoreObject", "dynamodb:PutItem", "states:StartExecution", "ses:", "secretsmanager:"}},
	}
	for _, tc := range tests {
		actions, ok := got[tc.fn]
		if !ok {
			t.Errorf("no Lambda serves %s", tc.fn)
			continue
		}
		for _, w := range tc.want {
			if !hasPrefix(actions, w) {
				t.Errorf("%s lacks %s (has %v)", tc.fn, w, actions)
			}
		}
		for _, f := range tc.forbid {
			if hasPrefix(actions, f) {
				t.Errorf("%s may %s*, which its step does not need", tc.fn, f)
			}
		}
	}
}

func TestOnlyFourRolesMayDeleteObjectsAndNoneAVersion(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN s3:DeleteObject belongs to archive-if-free (hot results/ copy),
	// mark-available (archive/ copy), merge (a job's work files, and the four
	// files Merge writes, for the failure path's DropWork) and the portal (a
	// refused inputs/ upload; a deleted job's files) only,
	// each on its own prefix, and no role may delete an object version
	want := map[string][]string{
		"archive-if-free": {`/results/*"`},
		"mark-available":  {`/archive/*"`},
		"api":             {`/inputs/*"`, `/results/*"`, `/archive/*"`}, // refused uploads; DELETE /api/v1/jobs/{id}
		"merge": {`/work/*"`, `/results/*/*/annotated.vcf.gz"`, `/results/*/*/annotated.vcf.gz.tbi"`, // DropWork
			`/results/*/*/variants.idx"`, `/results/*/*/annotate.log"`},
	}
	deleters := map[string]bool{}
	for fn, sts := range statementsByFunction(t, tmpl) {
		for _, st := range sts {
			for _, a := range list(st["Action"]) {
				action := a.(string)
				if action == "s3:DeleteObjectVersion" || action == "s3:*" || action == "s3:DeleteObject*" {
					t.Errorf("%s may %s", fn, action)
				}
				if action != "s3:DeleteObject" {
					continue
				}
				deleters[fn] = true
				for _, arn := range list(st["Resource"]) {
					a, _ := json.Marshal(arn)
					if !slices.ContainsFunc(want[fn], func(w string) bool {
						return strings.HasSuffix(string(a), w+"]]}") && strings.Count(string(a), "/*") == strings.Count(w, "/*")
					}) {
						t.Errorf("%s may delete %s", fn, a)
					}
				}
			}
		}
	}
	if len(deleters) > 4 {
		t.Errorf("%d roles may delete objects: %v", len(deleters), deleters)
	}
	for fn := range want {
		if !deleters[fn] {
			t.Errorf("%s cannot delete what its step drops", fn)
		}
	}
}

// TestMergeListsOnlyTheWorkPrefix: DropWork lists the job's work files;
// Merge may list nothing else.
func TestMergeListsOnlyTheWorkPrefix(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN merge's only s3:ListBucket is conditioned on the work/ prefix
	n := 0
	for _, st := range statementsByFunction(t, tmpl)["merge"] {
		if !slices.Contains(list(st["Action"]), any("s3:ListBucket")) {
			continue
		}
		n++
		if cond := toJSON(st["Condition"]); !strings.Contains(cond, `"s3:prefix"`) || !strings.Contains(cond, `"work/*"`) {
			t.Errorf("merge lists with condition %s, want s3:prefix work/*", cond)
		}
	}
	if n != 1 {
		t.Errorf("merge has %d ListBucket statements, want 1", n)
	}
}

func TestTaskGrantsNameOnlyTheirOwnPrefixes(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN no task role reaches a prefix its step never touches
	never := map[string][]string{
		"annotate":        {"/archive/*"},
		"check-restore":   {"/results/*", "/inputs/*"},
		"request-restore": {"/results/*", "/inputs/*"},
		"archive-if-free": {"/inputs/*"},
		"copy-back":       {"/inputs/*"},
		"mark-available":  {"/inputs/*"},
		"download":        {"/archive/*", "/inputs/*"},
	}
	for fn, sts := range statementsByFunction(t, tmpl) {
		for _, st := range sts {
			res, _ := json.Marshal(st["Resource"])
			for _, p := range never[fn] {
				if strings.Contains(string(res), p) {
					t.Errorf("%s reaches %s: %v on %s", fn, p, st["Action"], res)
				}
			}
		}
	}
}

func TestOnlyThePortalAndTheAuditExportReadMapRuns(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN the portal (history page) and the audit export may describe the
	// machines' map runs, list their children and read a child's history,
	// each on "<resource>:<machine name>/*" only; no other Lambda may
	type grant struct{ actions, resource string }
	want := []grant{
		{`["states:ListExecutions","states:DescribeMapRun"]`, `:mapRun:",{"Fn::GetAtt":["AnnotationWorkflow`},
		{`["states:ListExecutions","states:DescribeMapRun"]`, `:mapRun:",{"Fn::GetAtt":["RestoreWorkflow`},
		{`["states:DescribeExecution","states:GetExecutionHistory"]`, `:execution:",{"Fn::GetAtt":["AnnotationWorkflow`},
		{`["states:DescribeExecution","states:GetExecutionHistory"]`, `:execution:",{"Fn::GetAtt":["RestoreWorkflow`},
	}
	for fn, sts := range statementsByFunction(t, tmpl) {
		found := map[grant]bool{}
		for _, st := range sts {
			actions, _ := json.Marshal(st["Action"])
			res, _ := json.Marshal(st["Resource"])
			if strings.Contains(string(actions), "states:DescribeMapRun") && fn != "api" && fn != "audit-export" {
				t.Errorf("%s may describe map runs: %s on %s", fn, actions, res)
			}
			for _, g := range want {
				if string(actions) == g.actions && strings.Contains(string(res), g.resource) && strings.Contains(string(res), `"/*"`) {
					found[g] = true
				}
			}
		}
		if fn == "api" || fn == "audit-export" {
			for _, g := range want {
				if !found[g] {
					t.Errorf("%s lacks %s on %s...:<machine>/*", fn, g.actions, g.resource)
				}
			}
		}
	}
}

func TestDownloadCopiesAreWrittenByTheirLambdaOnly(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())
	sts := statementsByFunction(t, tmpl)

	// THEN the download Lambda writes only under results/*/download/, the
	// portal may invoke that one function and write only the copies' markers
	grantsOf := func(fn, action string) []string {
		var res []string
		for _, st := range sts[fn] {
			if slices.Contains(list(st["Action"]), any(action)) {
				b, _ := json.Marshal(st["Resource"])
				res = append(res, string(b))
			}
		}
		return res
	}
	for _, tc := range []struct {
		fn, action string
		want       []string // each grant's resource contains one of these
	}{
		{"download", "s3:PutObject", []string{`"/results/*/download/*"`}},
		{"download", "s3:GetObject", []string{`"/results/*"`}},
		{"api", "lambda:InvokeFunction", []string{`{"Fn::GetAtt":["DownloadCopies`}},
		{"api", "s3:PutObject", []string{`"/inputs/*"`, `"/results/*/download/*.making"`}},
	} {
		got := grantsOf(tc.fn, tc.action)
		if len(got) == 0 {
			t.Errorf("%s may not %s", tc.fn, tc.action)
		}
		for _, res := range got {
			if !slices.ContainsFunc(tc.want, func(w string) bool { return strings.Contains(res, w) }) {
				t.Errorf("%s may %s on %s", tc.fn, tc.action, res)
			}
		}
	}
	// AND the portal knows the function, which Lambda does not retry (the next request does)
	var env map[string]any
	for id, f := range resources(t, tmpl, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, "Api") {
			e, _ := props(f)["Environment"].(map[string]any)
			env, _ = e["Variables"].(map[string]any)
		}
	}
	if ref, _ := json.Marshal(env[awsenv.DownloadFunction]); !strings.Contains(string(ref), `"Ref":"DownloadCopies`) {
		t.Errorf("api %s = %s", awsenv.DownloadFunction, ref)
	}
	configs := resources(t, tmpl, "AWS::Lambda::EventInvokeConfig")
	found := false
	for _, c := range configs {
		p := props(c)
		if name, _ := json.Marshal(p["FunctionName"]); strings.Contains(string(name), "DownloadCopies") {
			found = true
			if p["MaximumRetryAttempts"] != float64(0) {
				t.Errorf("download retries: %v", p["MaximumRetryAttempts"])
			}
		}
	}
	if !found {
		t.Error("no EventInvokeConfig for the download Lambda")
	}
}

func TestCognitoIssuerIsAnHTTPSURL(t *testing.T) {
	// GIVEN the stack with the Cognito user pool (no external issuer)
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN the portal's issuer is https://cognito-idp.<region>.amazonaws.com/<pool id>
	found := false
	for _, f := range resources(t, tmpl, "AWS::Lambda::Function") {
		env, _ := props(f)["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		if issuer, ok := vars[awsenv.OIDCIssuer]; ok {
			found = true
			b, _ := json.Marshal(issuer)
			if !strings.Contains(string(b), `"https://cognito-idp."`) || !strings.Contains(string(b), `{"Ref":"Users`) {
				t.Errorf("issuer = %s", b)
			}
		}
	}
	if !found {
		t.Error("no Lambda gets the OIDC issuer")
	}
}

func TestExternalOIDCIssuerReplacesCognito(t *testing.T) {
	// GIVEN an operator who signs users in with Globus Auth
	cfg := defaultTestConfig()
	cfg.OIDCIssuer = "https://auth.globus.org"
	cfg.OIDCClientID = "client-123"
	// WHEN the stack is synthesized
	tmpl := synth(t, cfg)

	// THEN no user pool is created, the portal gets the issuer, and a secret awaits the client secret
	check(t, "no user pool", func() { tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(0)) })
	check(t, "api env", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
				awsenv.OIDCIssuer:    "https://auth.globus.org",
				awsenv.OIDCClientID:  "client-123",
				awsenv.OIDCSecretARN: assertions.Match_AnyValue(),
			})},
		})
	})
	check(t, "secrets", func() { tmpl.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(3)) })
}

func TestTheStepsApplyingTheTiersLimitsReadProfiles(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN Plan (input limits), AnnotateShard (engine limits) and Merge (the
	// whole job's output cap) may read the profiles table, for the owner's tier
	sts := statementsByFunction(t, tmpl)
	for _, fn := range []string{"plan", "annotate-shard", "merge"} {
		found := false
		for _, st := range sts[fn] {
			res, _ := json.Marshal(st["Resource"])
			found = found || slices.Contains(list(st["Action"]), any("dynamodb:GetItem")) && strings.Contains(string(res), "Profiles")
		}
		if !found {
			t.Errorf("%s cannot read the profiles table", fn)
		}
	}
}
