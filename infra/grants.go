package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/dynamo"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/statemachines"
)

// Key prefixes of the buckets (internal/tasks and internal/service name the
// keys; the grants below follow them).
const (
	prefixInputs  = "inputs/"  // uploads: inputs/<user>/<job>/<file>
	prefixResults = "results/" // hot results: results/<user>/<job>/...
	prefixArchive = "archive/" // GLACIER copies: archive/<user>/<job>/...
	// The sharded workflow's intermediate files: work/<user>/<job>/...
	// (tasks.WorkPrefix: shards, parts, index parts, their summaries, the
	// manifest the ItemReader reads), in the results bucket. A prefix of its
	// own, so that a lifecycle rule can expire it (expireWork).
	prefixWork      = "work/"
	patternWork     = prefixWork + "*"
	patternManifest = prefixWork + "*/manifest.json"
)

// mergeOutputs are the key patterns of the files Merge writes for a job
// (tasks.OutputKeys), which the failure path's DropWork deletes when the
// job failed after Merge wrote some of them.
func mergeOutputs() []string {
	return tasks.OutputKeys(domain.Job{UserID: "*", ID: "*"})
}

// grants holds what the Lambdas are granted access to.
type grants struct {
	buckets buckets
	tables  tables
	mail    awsses.IEmailIdentity
	shards  shardSizing
	cfg     Config
}

// Job table calls, as internal/dynamo makes them: Get is a consistent
// GetItem, Update a GetItem and a conditional PutItem.
var (
	jobRead   = []string{"dynamodb:GetItem"}
	jobUpdate = []string{"dynamodb:GetItem", "dynamodb:PutItem"}
)

// task gives the Lambda of one workflow task (a handler name of
// internal/tasks) the calls that task makes, on the key prefixes it touches,
// and nothing else. Only four roles in the stack may delete objects:
// archive-if-free (the hot copy, once the GLACIER copy is verified),
// mark-available (the archive copy, once the hot copy is verified), merge (a
// job's work files, once the result is complete or the job failed, and the
// result files of a job that failed in Merge: the failure path's DropWork
// invokes the merge function) and the portal (a refused upload, and a
// deleted job's input and result files). None may delete an object version: archiving
// leaves the hot copy as a noncurrent version, which the results bucket's
// lifecycle rule expires.
func (g grants) task(task string, r awsiam.IRole) error {
	b, t := g.buckets, g.tables
	hot, cold := b.results.ArnForObjects(jsii.String(prefixResults+"*")), b.results.ArnForObjects(jsii.String(prefixArchive+"*"))
	jobs, profiles := t.jobs.TableArn(), t.profiles.TableArn()
	// HeadObject of a missing key answers 404 only to a caller that may list
	// the bucket (403 otherwise); the steps tell "not there yet" from errors.
	headResults := func() { allow(r, []string{"s3:ListBucket"}, b.results.BucketArn()) }
	switch task {
	case statemachines.TaskPlan: // reads the upload, writes the shards and the manifest
		work := b.results.ArnForObjects(jsii.String(patternWork))
		allow(r, []string{"s3:GetObject"}, b.inputs.ArnForObjects(jsii.String(prefixInputs+"*")))
		allow(r, []string{"s3:PutObject", "s3:AbortMultipartUpload"}, work)
		allow(r, jobUpdate, jobs)
		allow(r, jobRead, profiles) // the owner's tier: its limits
	case statemachines.TaskAnnotateShard: // reads its shard (a range of the upload, or a copy) and chromosomes, writes its part
		work := b.results.ArnForObjects(jsii.String(patternWork))
		headResults() // "is this shard done?" tells 404 from 403
		allow(r, []string{"s3:GetObject"}, b.inputs.ArnForObjects(jsii.String(prefixInputs+"*")))
		allow(r, []string{"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"}, work)
		allow(r, []string{"s3:GetObject"}, b.refdata.ArnForObjects(jsii.String(refdataPrefix+"*")))
		allowList(r, b.refdata.BucketArn(), refdataPrefix)
		allow(r, jobUpdate, jobs)
		allow(r, jobRead, profiles)
	case statemachines.TaskMerge: // joins the parts into the result and its indexes, then drops the work files
		work := b.results.ArnForObjects(jsii.String(patternWork))
		allow(r, []string{"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"}, hot)
		allow(r, []string{"s3:GetObject"}, work) // the parts (UploadPartCopy reads them), summaries, manifest
		// Dropping lists the job's work prefix and deletes what it finds;
		// a failed job's DropWork also deletes what Merge wrote of its result.
		allowList(r, b.results.BucketArn(), prefixWork)
		outputs := []*string{work}
		for _, k := range mergeOutputs() {
			outputs = append(outputs, b.results.ArnForObjects(jsii.String(k)))
		}
		allow(r, []string{"s3:DeleteObject"}, outputs...)
		allow(r, jobUpdate, jobs)
		allow(r, jobRead, profiles) // the owner's tier: the whole job's output cap
	case statemachines.TaskNotifyCompleted, statemachines.TaskNotifyFailed:
		allow(r, jobUpdate, jobs) // records a delivery failure on the job
		allow(r, jobRead, profiles)
		g.mail.GrantSendEmail(r)
	case statemachines.TaskNotifyRestored: // the outcome is on the user's jobs
		allow(r, []string{"dynamodb:Query"}, indexArn(t, dynamo.IndexJobsByUser))
		allow(r, jobUpdate, jobs)
		allow(r, jobRead, profiles)
		g.mail.GrantSendEmail(r)
	case statemachines.TaskArchiveIfFree:
		headResults()
		allow(r, []string{"s3:GetObject"}, hot, cold)
		allow(r, []string{"s3:PutObject"}, cold)
		allow(r, []string{"s3:DeleteObject"}, hot) // the hot copy, after the archive is verified
		allow(r, jobUpdate, jobs)
		allow(r, jobRead, profiles)
	case statemachines.TaskMarkFailed, statemachines.TaskRestoreFailed:
		allow(r, jobUpdate, jobs)
	case statemachines.TaskListArchived: // lists the user's jobs, writes their ids for the ItemReader
		allow(r, []string{"dynamodb:Query"}, indexArn(t, dynamo.IndexJobsByUser))
		allow(r, []string{"s3:PutObject"}, b.results.ArnForObjects(jsii.String(patternRestoreList)))
	case statemachines.TaskRequestRestore:
		headResults()
		allow(r, []string{"s3:GetObject", "s3:RestoreObject"}, cold)
		allow(r, jobUpdate, jobs)
	case statemachines.TaskCheckRestore:
		headResults()
		allow(r, []string{"s3:GetObject"}, cold)
		allow(r, jobRead, jobs)
	// These two also resume the waiting step: newRestoreEvents grants
	// SendTaskSuccess/Failure on the restore machine.
	case statemachines.TaskAwaitRestore: // stores the task token, checks the archive
		headResults()
		allow(r, []string{"s3:GetObject"}, cold)
		allow(r, jobUpdate, jobs)
	case statemachines.TaskRestoreEvent: // finds the job of the restored object, checks its files
		headResults()
		allow(r, []string{"s3:GetObject"}, cold)
		allow(r, jobRead, jobs)
	case statemachines.TaskCopyBack:
		headResults()
		allow(r, []string{"s3:GetObject"}, hot, cold)
		allow(r, []string{"s3:PutObject"}, hot)
		allow(r, jobRead, jobs)
	case statemachines.TaskMarkAvailable:
		headResults()
		allow(r, []string{"s3:GetObject"}, hot, cold)
		allow(r, []string{"s3:DeleteObject"}, cold) // the archive, after the hot copy is verified
		allow(r, jobUpdate, jobs)
	default:
		return fmt.Errorf("task %q has no grants (infra/grants.go)", task)
	}
	return nil
}

// grantAPI gives the portal Lambda its grants: it signs upload forms and
// download links, keeps users, jobs, sessions and tokens, starts and
// inspects executions and reads its secrets.
func grantAPI(api lambdaFn, b buckets, t tables, machines map[string]awsstepfunctions.StateMachine, sec secrets, auth signIn, mail awsses.IEmailIdentity) {
	r := api.role
	// Uploads: presigned POSTs are signed with the Lambda's credentials;
	// starting a job checks the upload's size and deletes a refused one.
	inputs := b.inputs.ArnForObjects(jsii.String(prefixInputs + "*"))
	allow(r, []string{"s3:PutObject", "s3:GetObject", "s3:DeleteObject"}, inputs)
	allow(r, []string{"s3:ListBucket"}, b.inputs.BucketArn(), b.results.BucketArn()) // 404, not 403, for a missing key
	// Downloads (presigned GETs) and restore status.
	hot, cold := b.results.ArnForObjects(jsii.String(prefixResults+"*")), b.results.ArnForObjects(jsii.String(prefixArchive+"*"))
	allow(r, []string{"s3:GetObject"}, hot, cold)
	// Deleting a job (service.DeleteJob) removes its result files in both
	// storage classes; versioning keeps them as noncurrent versions, which
	// the results bucket's lifecycle rule expires a day later.
	allow(r, []string{"s3:DeleteObject"}, hot, cold)
	t.jobs.GrantReadWriteData(r)
	t.profiles.GrantReadWriteData(r)
	t.portal.GrantReadWriteData(r)
	for _, name := range sortedKeys(machines) {
		machines[name].GrantStartExecution(r)
		grantAudit(machines[name], r)
		grantMapRunReads(r, machines[name]) // the history page's map runs and their children
	}
	sec.stripe.GrantRead(r, nil)
	sec.sessionKey.GrantRead(r, nil)
	if auth.clientSecret != nil {
		auth.clientSecret.GrantRead(r, nil)
	}
	mail.GrantSendEmail(r) // billing tells a user their payment failed
}

// allow adds one statement to r's policy.
func allow(r awsiam.IRole, actions []string, resources ...*string) {
	res := make([]*string, len(resources))
	copy(res, resources)
	r.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: &res,
	}))
}

// allowList lets r list one prefix of a bucket.
func allowList(r awsiam.IRole, bucketArn *string, prefix string) {
	r.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("s3:ListBucket"),
		Resources:  &[]*string{bucketArn},
		Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": []string{prefix + "*"}}},
	}))
}

// indexArn is the ARN of one global secondary index of the jobs table.
func indexArn(t tables, index string) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{t.jobs.TableArn(), jsii.String("/index/" + index)})
}
