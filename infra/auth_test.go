package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/functions/awsenv"
)

func TestCognitoMailsThroughSESWithAPerStackPrefix(t *testing.T) {
	// GIVEN the stack with the Cognito user pool
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN the pool sends its mail through SES (DEVELOPER) from the configured sender
	check(t, "email configuration", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
			"EmailConfiguration": assertions.Match_ObjectLike(&map[string]any{
				"EmailSendingAccount": "DEVELOPER",
				"From":                assertions.Match_StringLikeRegexp(jsii.String("gas@lab.gas-project.org")),
				"SourceArn":           assertions.Match_AnyValue(),
			}),
		})
	})
	// AND its client answers sign-in, reset and confirmation for unknown users
	// as for known ones (no "user does not exist" errors), like the portal's own forms
	check(t, "no user existence errors", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{"PreventUserExistenceErrors": "ENABLED"})
	})
	// AND the hosted-UI prefix is made of this stack's own id, not the account's
	for id, d := range resources(t, tmpl, "AWS::Cognito::UserPoolDomain") {
		prefix, _ := json.Marshal(props(d)["Domain"])
		if !strings.Contains(string(prefix), `"AWS::StackId"`) || strings.Contains(string(prefix), "AccountId") {
			t.Errorf("%s: domain prefix %s is not unique per stack", id, prefix)
		}
	}
}

func TestCustomDomainIsTheOnlyOriginOfCallbacksCORSAndAPI(t *testing.T) {
	// GIVEN a deployment on a custom domain
	cfg := defaultTestConfig()
	cfg.Domain = "gas.lab.gas-project.org"
	cfg.CertificateARN = "arn:aws:acm:us-east-1:111111111111:certificate/abc"
	// WHEN it is synthesized
	tmpl := synth(t, cfg)

	// THEN the execute-api endpoint is off, so the custom domain is the only origin
	check(t, "API endpoint", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), map[string]any{"DisableExecuteApiEndpoint": true})
	})
	// AND the Cognito callback and logout URLs are on that domain
	check(t, "callbacks", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
			"CallbackURLs": []any{"https://gas.lab.gas-project.org" + callbackPath},
			"LogoutURLs":   []any{"https://gas.lab.gas-project.org"},
		})
	})
}

func TestDeployedDefinitionsGoOnAfterALostEmail(t *testing.T) {
	// GIVEN the stack built from the embedded ASL
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN every notify state retries any error, then catches it and goes on
	// (NotifyCompleted to the retention wait, never to MarkFailed)
	want := map[string]string{"NotifyCompleted": "WaitRetention", "NotifyFailed": "DropWork", "NotifyRestored": "Done"}
	for _, m := range resources(t, tmpl, "AWS::StepFunctions::StateMachine") {
		var def struct {
			States map[string]struct {
				Retry []struct{ ErrorEquals []string }
				Catch []struct {
					ErrorEquals []string
					Next        string
				}
			}
		}
		s, _ := props(m)["DefinitionString"].(string)
		if err := json.Unmarshal([]byte(s), &def); err != nil {
			t.Fatal(err)
		}
		for name, next := range want {
			st, ok := def.States[name]
			if !ok {
				continue
			}
			delete(want, name)
			last := st.Retry[len(st.Retry)-1]
			if len(last.ErrorEquals) != 1 || last.ErrorEquals[0] != "States.ALL" {
				t.Errorf("%s: last retrier %v, want States.ALL", name, last.ErrorEquals)
			}
			if len(st.Catch) != 1 || st.Catch[0].Next != next {
				t.Errorf("%s: catch %+v, want States.ALL -> %s", name, st.Catch, next)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("states not found: %v", want)
	}
}

func TestBillingFailsClosedByDefault(t *testing.T) { checkBillingTestMode(t, false) }

func TestBillingTestModeOnlyWithTheDeployFlag(t *testing.T) { checkBillingTestMode(t, true) }

func checkBillingTestMode(t *testing.T, on bool) {
	// GIVEN a deployment with or without -c billingTestMode=true
	cfg := defaultTestConfig()
	cfg.BillingTestMode = on
	// WHEN it is synthesized
	tmpl := synth(t, cfg)

	// THEN only the flagged one tells the api Lambda that upgrades may be free
	found := false
	for _, f := range resources(t, tmpl, "AWS::Lambda::Function") {
		env, _ := props(f)["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		if v, ok := vars[awsenv.BillingTestMode]; ok {
			found = found || v == "true"
		}
	}
	if found != on {
		t.Errorf("billingTestMode=%v: %s set = %v", on, awsenv.BillingTestMode, found)
	}
}
