package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// buckets are the stack's object stores.
type buckets struct {
	inputs  awss3.Bucket // uploaded VCFs, written by browsers through presigned POST
	results awss3.Bucket // annotated VCFs, logs and summaries; GLACIER archives
	refdata awss3.Bucket // the reference bundle, read by the annotate Lambda
	// accessLogs receives S3 server access logs of the other buckets (one
	// prefix each), so auditors see who read or changed which object.
	accessLogs awss3.Bucket
}

// newBuckets creates the buckets. All of them block public access, encrypt
// at rest with S3-managed keys, refuse plain HTTP and are retained when the
// stack is deleted (results are user data; see the README's teardown notes).
func newBuckets(scope constructs.Construct, cfg Config, portalOrigin *string) buckets {
	abortUploads := &awss3.LifecycleRule{
		Id:                                  jsii.String("AbortIncompleteUploads"),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
	}
	logs := newBucket(scope, "AccessLogs", nil, &awss3.BucketProps{
		LifecycleRules: &[]*awss3.LifecycleRule{abortUploads, {
			Id:         jsii.String("ExpireAccessLogs"),
			Expiration: awscdk.Duration_Days(jsii.Number(accessLogDays)),
		}},
	})
	return buckets{
		accessLogs: logs,
		inputs: newBucket(scope, "Inputs", logs, &awss3.BucketProps{
			// The portal's page POSTs straight to the bucket with XHR, to show progress.
			Cors: &[]*awss3.CorsRule{{
				AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_POST},
				AllowedOrigins: jsii.Strings(*portalOrigin),
				AllowedHeaders: jsii.Strings("*"),
				ExposedHeaders: jsii.Strings("ETag", "Location"),
				MaxAge:         jsii.Number(3000),
			}},
			LifecycleRules: &[]*awss3.LifecycleRule{abortUploads},
		}),
		results: newBucket(scope, "Results", logs, &awss3.BucketProps{
			Versioned: jsii.Bool(true),
			LifecycleRules: &[]*awss3.LifecycleRule{
				abortUploads,
				expireRestoreLists(),
				expireWork(),
				// Archiving copies a result to the GLACIER class and deletes the
				// hot STANDARD object, which versioning keeps as a noncurrent
				// version. Dropping it a day later is what makes the archive
				// save money; the delete markers left alone go too.
				{
					Id:                          jsii.String("DropReplacedVersions"),
					NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
					ExpiredObjectDeleteMarker:   jsii.Bool(true),
				},
			},
		}),
		refdata: newBucket(scope, "Refdata", logs, &awss3.BucketProps{
			LifecycleRules: &[]*awss3.LifecycleRule{abortUploads},
		}),
	}
}

// workDays is how long the results bucket keeps a work file (a job's
// shards, parts, summaries, manifest). Merge deletes them when the job
// completes and DropWork when it fails; this rule is the backstop for what
// a shard Lambda still running when its map run failed writes afterwards,
// or an execution stopped by hand leaves. A job runs for hours at most
// (AnnotateShard's 15 minutes per shard), far from 2 days.
const workDays = 2

// expireWork is the results bucket's lifecycle rule for the work prefix.
// The bucket is versioned: expiry leaves a delete marker, and
// DropReplacedVersions removes the bytes a day later.
func expireWork() *awss3.LifecycleRule {
	return &awss3.LifecycleRule{
		Id:         jsii.String("ExpireWork"),
		Prefix:     jsii.String(prefixWork),
		Expiration: awscdk.Duration_Days(jsii.Number(workDays)),
	}
}

// accessLogDays is how long S3 access logs are kept: a year and a month, so
// a yearly audit finds the whole year.
const accessLogDays = 400

// newBucket applies the guards every bucket must have on top of p, and
// sends its access logs to logs (nil for the log bucket itself).
func newBucket(scope constructs.Construct, id string, logs awss3.IBucket, p *awss3.BucketProps) awss3.Bucket {
	if logs != nil {
		p.ServerAccessLogsBucket = logs
		p.ServerAccessLogsPrefix = jsii.String(id + "/")
	}
	p.BlockPublicAccess = awss3.BlockPublicAccess_BLOCK_ALL()
	p.Encryption = awss3.BucketEncryption_S3_MANAGED
	p.EnforceSSL = jsii.Bool(true)
	p.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED
	p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	return awss3.NewBucket(scope, jsii.String(id), p)
}
