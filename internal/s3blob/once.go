package s3blob

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/gasproject/gas/internal/domain"
)

// maxOnceBytes bounds a write-once object, which goes up in one request.
const maxOnceBytes = 1 << 30

// PutOnce writes key only if no object is there (S3's conditional write,
// If-None-Match: *): an existing key fails with domain.ErrConflict and is
// left as it was. The audit bucket adds Object Lock in COMPLIANCE mode by
// default retention, so nobody, root included, can replace or delete the
// version written here until it expires. The body goes in one PutObject
// with a SHA-256 checksum, which S3 checks and keeps with the object (and
// which Object Lock requires of every upload).
func (s *Store) PutOnce(ctx context.Context, key string, r io.Reader) error {
	if err := checkKey(key); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(r, maxOnceBytes+1))
	if err != nil {
		return fmt.Errorf("put once s3://%s/%s: %w", s.bucket, key, err)
	}
	if len(data) > maxOnceBytes {
		return fmt.Errorf("put once s3://%s/%s: over %d bytes: %w", s.bucket, key, maxOnceBytes, domain.ErrTooLarge)
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:               aws.String(s.bucket),
		Key:                  aws.String(key),
		Body:                 bytes.NewReader(data),
		IfNoneMatch:          aws.String("*"),
		ChecksumAlgorithm:    types.ChecksumAlgorithmSha256,
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	switch errorCode(err) {
	case "":
		return nil
	case "PreconditionFailed", "ConditionalRequestConflict": // exists; another writer in flight
		return fmt.Errorf("put once s3://%s/%s: the object exists and is write-once: %w", s.bucket, key, domain.ErrConflict)
	}
	return fmt.Errorf("put once s3://%s/%s: %w", s.bucket, key, err)
}
