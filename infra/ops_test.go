package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/functions/awsenv"
)

func TestCdkNagFindsNothingUnsuppressed(t *testing.T) {
	// GIVEN the stack checked by cdk-nag's AwsSolutions and Serverless packs
	cfg := defaultTestConfig()
	cfg.DistDir = fakeDist(t)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	checkWithNag(app, false)
	stack, err := NewGasStack(app, "Test", &GasStackProps{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	// WHEN it is synthesized
	asm := app.Synth(nil)

	// THEN no finding is left unsuppressed
	if f := nagFindings(asm.GetStackArtifact(stack.ArtifactId())); len(f) > 0 {
		t.Errorf("%d unsuppressed cdk-nag findings:\n%s", len(f), strings.Join(f, "\n"))
	}
	// AND every suppression carries a reason
	meta, _ := json.Marshal(assertions.Template_FromStack(stack, nil).ToJSON())
	if strings.Contains(string(meta), `"reason":""`) {
		t.Error("a cdk-nag suppression has an empty reason")
	}
}

func TestPortalStageLogsAccessAndThrottles(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN the $default stage logs every request as JSON and throttles by default
	check(t, "stage", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
			"StageName": "$default",
			"AccessLogSettings": map[string]any{
				"DestinationArn": assertions.Match_AnyValue(),
				"Format":         assertions.Match_StringLikeRegexp(jsii.String(`"status":"\$context.status"`)),
			},
			"DefaultRouteSettings": map[string]any{"ThrottlingRateLimit": apiRateLimit, "ThrottlingBurstLimit": apiBurstLimit},
		})
	})
	// AND the throttled requests (429) become a metric
	check(t, "429 metric filter", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Logs::MetricFilter"), map[string]any{
			"FilterPattern": `{ $.status = "429" }`,
		})
	})
}

func TestAlarmsCoverPortal5xxThrottlesLambdasAndDeadLetters(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN there are alarms on the portal's 5xx and 429s, on every Lambda's
	// throttles and errors, and on every dead-letter queue's depth
	byMetric := map[string]int{}
	for _, a := range resources(t, tmpl, "AWS::CloudWatch::Alarm") {
		p := props(a)
		byMetric[p["Namespace"].(string)+"/"+p["MetricName"].(string)]++
	}
	fns := len(resources(t, tmpl, "AWS::Lambda::Function"))
	queues := len(resources(t, tmpl, "AWS::SQS::Queue"))
	for metric, want := range map[string]int{"AWS/ApiGateway/5xx": 1, "GAS/PortalThrottled": 1, "AWS/Lambda/Throttles": fns, "AWS/Lambda/Errors": fns,
		"AWS/SQS/ApproximateNumberOfMessagesVisible": queues} {
		if byMetric[metric] != want {
			t.Errorf("%s alarms: %d, want %d (all: %v)", metric, byMetric[metric], want, byMetric)
		}
	}
}

func TestAnnotationHasReservedConcurrency(t *testing.T) {
	// GIVEN an operator who reserves 7 instances for annotation
	cfg := defaultTestConfig()
	cfg.AnnotateConcurrency = 7
	// WHEN the stack is synthesized
	tmpl := synth(t, cfg)

	// THEN the annotation Lambdas (Plan, AnnotateShard, Merge), and only they, have that reserved concurrency
	for id, f := range resources(t, tmpl, "AWS::Lambda::Function") {
		p := props(f)
		env, _ := p["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		rc, has := p["ReservedConcurrentExecutions"]
		if task, _ := vars["GAS_TASK"].(string); binaryOfTask(task) == "annotate" {
			if rc != float64(7) {
				t.Errorf("%s: reserved concurrency %v, want 7", id, rc)
			}
		} else if has {
			t.Errorf("%s: reserved concurrency %v, want none", id, rc)
		}
	}
}

func TestLogGroupsAreNamedAsAWSAdvisesAndExpire(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN every log group has a retention and a name under /aws/lambda/
	// (functions) or /aws/vendedlogs/ (state machines, API access logs)
	states := 0
	for id, lg := range resources(t, tmpl, "AWS::Logs::LogGroup") {
		p := props(lg)
		if p["RetentionInDays"] == nil {
			t.Errorf("%s: no retention", id)
		}
		name, _ := json.Marshal(p["LogGroupName"])
		switch {
		case strings.Contains(string(name), `"/aws/vendedlogs/states/"`):
			states++
		case strings.Contains(string(name), `"/aws/vendedlogs/apigateway/"`), strings.Contains(string(name), `"/aws/lambda/"`):
		default:
			t.Errorf("%s: name %s is not under /aws/lambda/ or /aws/vendedlogs/", id, name)
		}
	}
	if states != 2 {
		t.Errorf("%d state machine log groups under /aws/vendedlogs/states/, want 2", states)
	}
}

func TestEveryBucketLogsAccessToTheLogBucket(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN every bucket but the log bucket sends S3 access logs to it, under its own prefix
	var logBucket string
	for id := range resources(t, tmpl, "AWS::S3::Bucket") {
		if strings.HasPrefix(id, "AccessLogs") {
			logBucket = id
		}
	}
	if logBucket == "" {
		t.Fatal("no access log bucket")
	}
	prefixes := map[string]bool{}
	for id, b := range resources(t, tmpl, "AWS::S3::Bucket") {
		if id == logBucket {
			continue
		}
		lc, _ := props(b)["LoggingConfiguration"].(map[string]any)
		if refID(lc["DestinationBucketName"]) != logBucket {
			t.Errorf("%s: logging %v, want to %s", id, lc, logBucket)
		}
		p, _ := lc["LogFilePrefix"].(string)
		if p == "" || prefixes[p] {
			t.Errorf("%s: log prefix %q empty or shared", id, p)
		}
		prefixes[p] = true
	}
}

// binaryOfTask is the functions/<binary> serving a workflow task.
func binaryOfTask(task string) string {
	for bin, names := range awsenv.TaskBinaries {
		if slices.Contains(names, task) {
			return bin
		}
	}
	return ""
}
