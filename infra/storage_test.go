package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
)

func TestEveryBucketBlocksPublicAccessEncryptsAndRequiresSSL(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN every bucket blocks public access, encrypts at rest and aborts stale uploads
	buckets := resources(t, tmpl, "AWS::S3::Bucket")
	if len(buckets) != 5 {
		t.Errorf("got %d buckets, want 5 (inputs, results, refdata, audit, access logs)", len(buckets))
	}
	for id, b := range buckets {
		p := props(b)
		pab, _ := p["PublicAccessBlockConfiguration"].(map[string]any)
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if pab[k] != true {
				t.Errorf("bucket %s: PublicAccessBlockConfiguration.%s = %v, want true", id, k, pab[k])
			}
		}
		enc, _ := json.Marshal(p["BucketEncryption"])
		if !strings.Contains(string(enc), `"SSEAlgorithm":"AES256"`) {
			t.Errorf("bucket %s: BucketEncryption = %s, want SSE AES256", id, enc)
		}
		rules, _ := json.Marshal(p["LifecycleConfiguration"])
		if !strings.Contains(string(rules), `"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":1}`) {
			t.Errorf("bucket %s: lifecycle %s does not abort incomplete uploads", id, rules)
		}
	}

	// AND every bucket has a policy denying requests without TLS
	ssl := map[string]bool{}
	for _, pol := range resources(t, tmpl, "AWS::S3::BucketPolicy") {
		p := props(pol)
		doc, _ := json.Marshal(p["PolicyDocument"])
		if strings.Contains(string(doc), `"Effect":"Deny"`) && strings.Contains(string(doc), `"aws:SecureTransport":"false"`) {
			ssl[refID(p["Bucket"])] = true
		}
	}
	for id := range buckets {
		if !ssl[id] {
			t.Errorf("bucket %s: no policy denies aws:SecureTransport=false", id)
		}
	}
}

func TestResultsBucketIsVersionedAndInputsAcceptBrowserPosts(t *testing.T) {
	// GIVEN a deployment on a custom domain
	cfg := defaultTestConfig()
	cfg.Domain = "gas.example.org"
	cfg.CertificateARN = "arn:aws:acm:us-east-1:111111111111:certificate/abc"
	// WHEN it is synthesized
	tmpl := synth(t, cfg)

	// THEN the results bucket is versioned and drops replaced (hot) versions
	check(t, "results bucket", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 1}}),
			})},
		})
	})
	// AND the inputs bucket lets the portal's origin POST uploads
	check(t, "inputs CORS", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"CorsConfiguration": map[string]any{"CorsRules": []any{
				assertions.Match_ObjectLike(&map[string]any{
					"AllowedMethods": []any{"POST"},
					"AllowedOrigins": []any{"https://gas.example.org"},
				}),
			}},
		})
	})
}

func TestWorkFilesExpireAsABackstop(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	tmpl := synth(t, defaultTestConfig())

	// THEN the results bucket expires everything under the work prefix
	// after 2 days (a failed job's files are dropped at once; this catches
	// what a late shard writes after the drop)
	check(t, "ExpireWork", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Id": "ExpireWork", "Prefix": "work/", "ExpirationInDays": 2, "Status": "Enabled"},
			})},
		})
	})
	// AND the prefix is where the tasks put a job's work files, apart from results
	job := domain.Job{UserID: "u", ID: "j"}
	if p := tasks.WorkPrefix(job); !strings.HasPrefix(p, prefixWork) || strings.HasPrefix(tasks.ResultKey(job), prefixWork) {
		t.Errorf("work prefix %s, result %s: the rule would miss work files or expire results", p, tasks.ResultKey(job))
	}
}
