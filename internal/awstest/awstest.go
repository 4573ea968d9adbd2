// Package awstest points AWS SDK clients at an in-process fake of a service.
// Only tests import it: it links the testing package.
package awstest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Serve serves fake on a test server, closed when the test ends, and returns
// the SDK configuration for it (NewFromConfig of any service client): the
// server as the endpoint, us-east-1, anonymous credentials (the fakes check
// no signature) and no retries (a fake's error is the test's answer).
func Serve(t testing.TB, fake http.Handler) aws.Config {
	t.Helper()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.AnonymousCredentials{}, Retryer: func() aws.Retryer { return aws.NopRetryer{} }}
}
