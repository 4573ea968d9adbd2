package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"github.com/gasproject/gas/internal/s3blob/s3fake"
)

// s3PoliciesFile holds the S3 grants of every Lambda role. The AWS adapter
// tests (functions/...) load it and have s3fake enforce a role's grants
// while the real handler runs, so a call the deployed role could not make
// fails there as AccessDenied, as it would on AWS.
const s3PoliciesFile = "testdata/s3-policies.json"

func TestS3PoliciesFileHoldsTheStacksGrants(t *testing.T) {
	// GIVEN the stack with default settings
	// WHEN it is synthesized
	got, err := json.MarshalIndent(s3Roles(t, synth(t, defaultTestConfig())), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if os.Getenv("GAS_UPDATE_POLICIES") != "" {
		if err := os.WriteFile(s3PoliciesFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// THEN the file the adapter tests enforce is exactly its S3 grants
	want, err := os.ReadFile(s3PoliciesFile)
	if err != nil || !bytes.Equal(want, got) {
		t.Errorf("%s is not the stack's S3 grants (%v); rewrite it: GAS_UPDATE_POLICIES=1 go test ./infra -run %s", s3PoliciesFile, err, t.Name())
	}
	if _, err := s3fake.LoadRoles(s3PoliciesFile); err != nil {
		t.Error(err)
	}
}

// bucketID is a bucket's logical id: its construct id and CDK's hash.
var bucketID = regexp.MustCompile(`^([A-Za-z]+)[0-9A-F]{8}$`)

// s3Roles reduces each Lambda role's policy to its S3 statements, with
// bucket ARNs replaced by the bucket's construct id in lower case.
func s3Roles(t *testing.T, tmpl assertions.Template) s3fake.Roles {
	t.Helper()
	roles := s3fake.Roles{}
	for fn, sts := range statementsByFunction(t, tmpl) {
		roles[fn] = []s3fake.Statement{} // a role without S3 grants is listed too
		for _, st := range sts {
			var actions []string
			for _, a := range list(st["Action"]) {
				if s := a.(string); strings.HasPrefix(s, "s3:") {
					actions = append(actions, s)
				}
			}
			if len(actions) == 0 || st["Effect"] != "Allow" {
				continue
			}
			out := s3fake.Statement{Actions: actions}
			for _, r := range list(st["Resource"]) {
				res, err := s3Resource(r)
				if err != nil {
					t.Fatalf("%s: %v", fn, err)
				}
				out.Resources = append(out.Resources, res)
			}
			if cond, ok := st["Condition"].(map[string]any); ok {
				like, _ := cond["StringLike"].(map[string]any)
				if len(cond) != 1 || like == nil || len(like) != 1 || like["s3:prefix"] == nil {
					t.Fatalf("%s: a condition the adapter tests cannot enforce: %v", fn, cond)
				}
				for _, p := range list(like["s3:prefix"]) {
					out.Prefixes = append(out.Prefixes, p.(string))
				}
			}
			roles[fn] = append(roles[fn], out)
		}
		slices.SortFunc(roles[fn], func(a, b s3fake.Statement) int {
			return strings.Compare(fmt.Sprint(a.Actions, a.Resources), fmt.Sprint(b.Actions, b.Resources))
		})
	}
	return roles
}

// s3Resource turns a bucket ARN ({"Fn::GetAtt": [id, "Arn"]}) or an
// object ARN (Fn::Join of one and "/pattern") into "bucket[/pattern]".
func s3Resource(r any) (string, error) {
	bucket := func(v any) (string, error) {
		m := bucketID.FindStringSubmatch(refID(v))
		if m == nil {
			return "", fmt.Errorf("resource %v is not a bucket of the stack", v)
		}
		return strings.ToLower(m[1]), nil
	}
	if b, err := bucket(r); err == nil {
		return b, nil
	}
	m, _ := r.(map[string]any)
	join, _ := m["Fn::Join"].([]any)
	if len(join) != 2 {
		return "", fmt.Errorf("resource %v is not a bucket or object ARN", r)
	}
	parts, _ := join[1].([]any)
	if len(parts) != 2 {
		return "", fmt.Errorf("resource %v is not a bucket or object ARN", r)
	}
	b, err := bucket(parts[0])
	if err != nil {
		return "", err
	}
	pattern, _ := parts[1].(string)
	return b + pattern, nil
}
