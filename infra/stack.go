package main

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/statemachines"
)

// GasStackProps configures the stack.
type GasStackProps struct {
	awscdk.StackProps
	Config Config
}

// NewGasStack builds the whole AWS deployment of GAS: portal, workflow, storage,
// sign-in, mail, secrets and alarms.
func NewGasStack(scope constructs.Construct, id string, props *GasStackProps) (awscdk.Stack, error) {
	cfg := props.Config
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	// S3 access logs are delivered under a bucket policy, not the legacy
	// LogDeliveryWrite ACL (every bucket enforces bucket-owner ownership).
	stack.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)

	web := newPortal(stack, cfg)
	b := newBuckets(stack, cfg, web.url)
	t := newTables(stack)
	mail := newMailIdentity(stack, cfg)
	sec := newSecrets(stack)
	auth := newSignIn(stack, cfg, web.url)

	// Settings every workflow task reads.
	taskEnv := map[string]*string{
		awsenv.JobsTable:     t.jobs.TableName(),
		awsenv.ProfilesTable: t.profiles.TableName(),
		awsenv.InputsBucket:  b.inputs.BucketName(),
		awsenv.ResultsBucket: b.results.BucketName(),
		awsenv.MailFrom:      jsii.String(cfg.EmailSender),
		awsenv.PublicURL:     web.url,
	}
	shards, err := sizeShards(cfg)
	if err != nil {
		return nil, err
	}
	g := grants{buckets: b, tables: t, mail: mail, shards: shards, cfg: cfg}
	tasks := map[string]lambdaFn{} // by placeholder
	machines := map[string]awsstepfunctions.StateMachine{}
	for _, name := range statemachines.Names() {
		asl, err := statemachines.Definition(name)
		if err != nil {
			return nil, err
		}
		for _, f := range statemachines.Functions[name] {
			if _, done := tasks[f.Placeholder]; done {
				continue
			}
			tasks[f.Placeholder], err = newTaskLambda(stack, cfg, f, taskEnv, g)
			if err != nil {
				return nil, fmt.Errorf("state machine %s: %w", name, err)
			}
		}
		buckets := map[string]*string{"ResultsBucketName": b.results.BucketName()}
		sm, err := newStateMachine(stack, constructID(name)+"Workflow", string(asl), tasks, buckets)
		if err != nil {
			return nil, err
		}
		if strings.Contains(string(asl), `"DISTRIBUTED"`) {
			if err := grantDistributedMap(stack, name, sm, b.results); err != nil {
				return nil, err
			}
		}
		machines[name] = sm
	}

	apiEnv := maps.Clone(taskEnv)
	apiEnv[awsenv.AuthTable] = t.portal.TableName()
	apiEnv[awsenv.AnnotationMachineARN] = machines[domain.MachineAnnotation].StateMachineArn()
	apiEnv[awsenv.RestoreMachineARN] = machines[domain.MachineRestore].StateMachineArn()
	apiEnv[awsenv.RetentionSeconds] = jsii.String(strconv.FormatInt(cfg.RetentionSeconds, 10))
	apiEnv[awsenv.FreeCapBytes] = jsii.String(strconv.FormatInt(cfg.FreeCapBytes, 10))
	apiEnv[awsenv.PremiumCapBytes] = jsii.String(strconv.FormatInt(cfg.PremiumCapBytes, 10))
	apiEnv[awsenv.OIDCIssuer] = auth.issuer
	apiEnv[awsenv.OIDCClientID] = auth.clientID
	apiEnv[awsenv.StripeSecretARN] = sec.stripe.SecretArn()
	apiEnv[awsenv.SessionKeyARN] = sec.sessionKey.SecretArn()
	if cfg.BillingTestMode {
		apiEnv[awsenv.BillingTestMode] = jsii.String("true")
	}
	if auth.clientSecret != nil {
		apiEnv[awsenv.OIDCSecretARN] = auth.clientSecret.SecretArn()
	}
	trail := newAudit(stack, cfg, b, t, machines, taskEnv)
	apiEnv[awsenv.AuditBucket] = trail.bucket.BucketName()
	api := newLambda(stack, "Api", cfg, specAPI, apiEnv)
	grantAPI(api, b, t, machines, sec, auth, mail)
	trail.grantRead(api.role)
	downloads := newDownloads(stack, cfg, b, t, taskEnv, api)
	route := connectPortal(stack, web, api.fn)

	restoreEvent, restoreRule, err := newRestoreEvents(stack, cfg, taskEnv, g, machines[domain.MachineRestore],
		tasks[statemachines.Placeholder(statemachines.TaskAwaitRestore)])
	if err != nil {
		return nil, err
	}
	newAlarms(stack, cfg, web, machines, byName(tasks, map[string]lambdaFn{specAPI.name: api, "audit-export": trail.export,
		statemachines.TaskRestoreEvent: restoreEvent, specDownload.name: downloads}), map[string]awssqs.IQueue{"audit-export": trail.deadLetters})
	addOutputs(stack, web, b, machines, sec, auth)
	suppressNag(stack, nagTargets{secrets: []constructs.IConstruct{sec.stripe, sec.sessionKey}, route: route,
		deadLetters: trail.deadLetters, restoreRule: restoreRule, downloads: downloads.fn, userPool: auth.pool}) // userPool: nil with an external issuer
	return stack, nil
}

// byName is every Lambda of the stack by name: the task ones (keyed by
// their placeholder) and the others.
func byName(tasks, others map[string]lambdaFn) map[string]lambdaFn {
	all := maps.Clone(others)
	for p, f := range tasks {
		all[strings.TrimSuffix(p, "FunctionArn")] = f
	}
	return all
}

// refdataPrefix is where the operator puts the reference bundle in the
// refdata bucket (README: "After the first deploy").
const refdataPrefix = awsenv.BundlePrefix

// newTaskLambda creates the Lambda behind one ASL placeholder
// ("${ArchiveIfFreeFunctionArn}") with the grants of its task.
func newTaskLambda(scope constructs.Construct, cfg Config, f statemachines.Function, env map[string]*string, g grants) (lambdaFn, error) {
	spec, ok := taskSpec(f.Name)
	if !ok {
		return lambdaFn{}, fmt.Errorf("task %q (${%s}) has no binary (see awsenv.TaskBinaries)", f.Name, f.Placeholder)
	}
	env = maps.Clone(env)
	env[awsenv.Task] = jsii.String(f.Name)
	if spec == specAnnotate { // functions/annotate reads these at cold start (and fetches nothing)
		env[awsenv.RefdataBucket] = g.buckets.refdata.BucketName()
		env[awsenv.RefdataPrefix] = jsii.String(refdataPrefix)
		env[awsenv.RefdataCacheBytes] = jsii.String(strconv.FormatInt(g.shards.cacheBytes, 10))
	}
	switch f.Name {
	case statemachines.TaskPlan:
		env[awsenv.ShardConcurrency] = jsii.String(strconv.FormatInt(cfg.ShardConcurrency, 10))
	case statemachines.TaskAnnotateShard:
		spec.memoryMB, spec.tmpMB = float64(g.shards.memoryMB), float64(g.shards.tmpMB)
	}
	l := newLambda(scope, constructID(f.Name)+"Task", cfg, spec, env)
	if err := g.task(f.Name, l.role); err != nil {
		return lambdaFn{}, err
	}
	return l, nil
}

func addOutputs(stack awscdk.Stack, web portal, b buckets, machines map[string]awsstepfunctions.StateMachine, sec secrets, auth signIn) {
	out := func(id string, v *string, what string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: v, Description: jsii.String(what)})
	}
	out("PortalURL", web.url, "Open this in a browser")
	if web.regionalDomain != nil {
		out("PortalDomainTarget", web.regionalDomain, "CNAME the custom domain to this name")
	}
	out("InputsBucketName", b.inputs.BucketName(), "Uploaded VCFs")
	out("ResultsBucketName", b.results.BucketName(), "Annotated VCFs, logs and archives")
	out("RefdataBucketName", b.refdata.BucketName(), "gas refdata upload --bucket <this bucket> <bundle dir>")
	out("AnnotationStateMachineArn", machines[domain.MachineAnnotation].StateMachineArn(), "Annotation workflow")
	out("RestoreStateMachineArn", machines[domain.MachineRestore].StateMachineArn(), "Restore workflow")
	out("StripeSecretArn", sec.stripe.SecretArn(), `Put {"secret_key","webhook_secret","price_id"} here`)
	out("OIDCIssuer", auth.issuer, "OpenID Connect issuer users sign in with")
	if auth.hostedUI != nil {
		out("HostedUIURL", auth.hostedUI, "Cognito hosted sign-in page")
		out("UserPoolId", auth.userPoolID, "Cognito user pool")
	}
	if auth.clientSecret != nil {
		out("OIDCClientSecretArn", auth.clientSecret.SecretArn(), `Put {"client_secret": "..."} here`)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
