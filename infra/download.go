package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/functions/awsenv"
)

// Download copies of results (service.ResultLink, domain.DownloadKey):
// results/<user>/<job>/download/annotated.vcf|tsv and, beside each while a
// background copy runs, its marker (<copy>.making).
const (
	patternDownloads = prefixResults + "*/download/*"
	patternMarkers   = prefixResults + "*/download/*.making"
)

// specDownload sizes the download Lambda: it streams the stored BGZF result
// through gunzip (and the TSV split) into a multipart upload, at 100-200
// MB/s; 15 minutes make some 90 GB of plain VCF, beyond premium's 64 GiB
// output cap.
var specDownload = lambdaSpec{name: "download", memoryMB: 1024, timeoutSec: 900}

// newDownloads is the download Lambda (functions/download): the portal
// invokes it to make a result's plain VCF or TSV copy, waiting for a small
// result and asynchronously (an Event invocation) for one whose copy would
// outlast API Gateway's 29 s. No retries of its own: a failed copy is noted
// in its marker and the next download request starts another (and so does
// one lost past the timeout), so no dead-letter queue either. It may read
// the job and the hot result and write only under download/; the portal
// may only invoke it and write the markers (it notes a background copy's
// start, so that later requests do not start another).
func newDownloads(scope constructs.Construct, cfg Config, b buckets, t tables, env map[string]*string, api lambdaFn) lambdaFn {
	fn := newLambda(scope, "DownloadCopies", cfg, specDownload, env)
	fn.fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(0),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(1)),
	})
	r := fn.role
	allow(r, jobRead, t.jobs.TableArn())
	allow(r, []string{"s3:GetObject"}, b.results.ArnForObjects(jsii.String(prefixResults+"*")))
	allow(r, []string{"s3:PutObject"}, b.results.ArnForObjects(jsii.String(patternDownloads)))
	allow(r, []string{"s3:ListBucket"}, b.results.BucketArn()) // a copy not made yet is 404, not 403

	allow(api.role, []string{"lambda:InvokeFunction"}, fn.fn.FunctionArn())
	allow(api.role, []string{"s3:PutObject"}, b.results.ArnForObjects(jsii.String(patternMarkers)))
	api.fn.AddEnvironment(jsii.String(awsenv.DownloadFunction), fn.fn.FunctionName(), nil)
	return fn
}
