package s3fake

import (
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Serve starts a fake with buckets on a test server (closed when t ends)
// and returns it with an S3 client signed for it.
func Serve(t testing.TB, buckets ...string) (*Server, *s3.Client) {
	t.Helper()
	fake, err := New(buckets...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return fake, s3.New(s3.Options{
		Region: Region, BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
	})
}
