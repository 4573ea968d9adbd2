package wire

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	miniserver "github.com/truora/minidyn/server"

	"github.com/gasproject/gas/internal/dynamo"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
	"github.com/gasproject/gas/internal/sfnflow/sfnfake"
)

// Machine ARNs the Step Functions emulator knows.
const (
	annotationARN = "arn:aws:states:us-east-1:123456789012:stateMachine:gas-annotation"
	restoreARN    = "arn:aws:states:us-east-1:123456789012:stateMachine:gas-restore"
)

// emulators serves DynamoDB (minidyn, with GAS's tables), S3 (s3fake, with
// the buckets in, out, audit and ref) and Step Functions (sfnfake) on one
// endpoint, routed by the request, and returns an AWS config for it.
func emulators(t *testing.T) (aws.Config, *s3fake.Server, *sfnfake.Server) {
	t.Helper()
	s3f, err := s3fake.New("in", "out", "audit", "ref")
	if err != nil {
		t.Fatal(err)
	}
	sf := sfnfake.New(annotationARN, restoreARN)
	ddb := miniserver.NewServer()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch target := r.Header.Get("X-Amz-Target"); {
		case strings.HasPrefix(target, "DynamoDB_20120810."):
			ddb.ServeHTTP(w, r)
		case strings.HasPrefix(target, "AWSStepFunctions."):
			sf.ServeHTTP(w, r)
		default:
			s3f.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	cfg := s3fake.Config(srv.URL)
	if err := dynamo.CreateTables(context.Background(), dynamodb.NewFromConfig(cfg), dynamo.Tables{Jobs: "jobs", Profiles: "profiles", Auth: "auth"}); err != nil {
		t.Fatal(err)
	}
	return cfg, s3f, sf
}

// openStores builds the stores on cfg (from emulators) with path-style S3
// requests, as the emulator needs.
func openStores(t *testing.T, cfg aws.Config) *Stores {
	t.Helper()
	st, err := OpenConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if err != nil {
		t.Fatal(err)
	}
	return st
}
