package s3blob

import (
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/domain/domaintest"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
)

const testBucket = "gas-test"

// newFake starts the S3 emulator and returns a client for it.
func newFake(t *testing.T) (*s3.Client, *s3fake.Server, string) {
	t.Helper()
	fake, err := s3fake.New(testBucket)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client := s3.New(s3.Options{
		Region:       s3fake.Region,
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s3fake.AccessKeyID, s3fake.SecretAccessKey, ""),
	})
	return client, fake, srv.URL
}

func TestBlobsContract(t *testing.T) {
	domaintest.TestBlobs(t, func(t *testing.T) (domain.Blobs, domaintest.BlobControl) {
		client, fake, _ := newFake(t)
		return New(client, testBucket), fake
	})
}
