package s3fake

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

func TestGlobMatchIsIAMsWildcard(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"results/*", "results/u1/j1/annotated.vcf.gz", true},
		{"results/*/work/*", "results/u1/j1/work/shard-1.vcf", true},
		{"results/*/work/*", "results/u1/j1/annotated.vcf.gz", false},
		{"results/*", "archive/u1/j1/annotated.vcf.gz", false},
		{"s3:Get*", "s3:GetObject", true},
		{"s3:GetObject", "s3:GetObjectTagging", false},
		{"bundle/?/x", "bundle/1/x", true},
		{"bundle/?/x", "bundle/12/x", false},
		{"*", "", true},
	} {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestEnforcedRoleGetsAccessDeniedAsOnS3(t *testing.T) {
	ctx := context.Background()
	fake, client := Serve(t, "fake-results")
	put := func(key string) error {
		_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("fake-results"), Key: aws.String(key), Body: strings.NewReader("x")})
		return err
	}
	// GIVEN objects stored before enforcement (test setup is an admin)
	if err := put("results/u1/j1/annotated.vcf.gz"); err != nil {
		t.Fatal(err)
	}
	roles := Roles{
		"reader": {{Actions: []string{"s3:GetObject"}, Resources: []string{"results/results/*"}}},
		"lister": {
			{Actions: []string{"s3:GetObject"}, Resources: []string{"results/results/*"}},
			{Actions: []string{"s3:ListBucket"}, Resources: []string{"results"}},
		},
		"copier": {
			{Actions: []string{"s3:GetObject"}, Resources: []string{"results/results/*"}},
			{Actions: []string{"s3:PutObject"}, Resources: []string{"results/archive/*"}},
		},
	}
	buckets := map[string]string{"results": "fake-results"}
	head := func(key string) error {
		_, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("fake-results"), Key: aws.String(key)})
		return err
	}
	copyTo := func(dst string) error {
		_, err := client.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("fake-results"), Key: aws.String(dst),
			CopySource: aws.String("fake-results/results/u1/j1/annotated.vcf.gz")})
		return err
	}
	del := func(key string) error {
		_, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("fake-results"), Key: aws.String(key)})
		return err
	}
	for _, tc := range []struct {
		role, call string
		do         func() error
		wantStatus int // 0: allowed
	}{
		{"reader", "read its prefix", func() error { return head("results/u1/j1/annotated.vcf.gz") }, 0},
		{"reader", "write", func() error { return put("results/u1/j1/x") }, 403},
		{"reader", "read a missing key without ListBucket", func() error { return head("results/u1/j1/missing") }, 403},
		{"lister", "read a missing key with ListBucket", func() error { return head("results/u1/j1/missing") }, 404},
		{"reader", "read another prefix", func() error { return head("archive/u1/j1/annotated.vcf.gz") }, 403},
		{"copier", "copy into its prefix", func() error { return copyTo("archive/u1/j1/annotated.vcf.gz") }, 0},
		{"copier", "copy elsewhere", func() error { return copyTo("results/u1/j2/annotated.vcf.gz") }, 403},
		{"copier", "delete", func() error { return del("archive/u1/j1/annotated.vcf.gz") }, 403},
	} {
		t.Run(tc.role+" "+tc.call, func(t *testing.T) {
			// WHEN the role makes the call
			if err := fake.Enforce(roles, tc.role, buckets); err != nil {
				t.Fatal(err)
			}
			defer fake.Enforce(nil, "", nil)
			err := tc.do()
			// THEN S3's answer is the one IAM gives
			var re interface{ HTTPStatusCode() int }
			switch {
			case tc.wantStatus == 0 && err != nil:
				t.Errorf("denied: %v", err)
			case tc.wantStatus != 0 && (!errors.As(err, &re) || re.HTTPStatusCode() != tc.wantStatus):
				t.Errorf("got %v, want HTTP %d", err, tc.wantStatus)
			}
			var api smithy.APIError
			if tc.wantStatus == 403 && errors.As(err, &api) && api.ErrorCode() != "AccessDenied" && api.ErrorCode() != "Forbidden" {
				t.Errorf("error code %s, want AccessDenied", api.ErrorCode())
			}
		})
	}
	if err := fake.Enforce(roles, "nobody", buckets); err == nil {
		t.Error("an unknown role was enforced")
	}
}
