// Package s3blob is the object store on AWS: domain.Blobs over S3, with the
// GLACIER storage class for archives and RestoreObject to bring them back,
// plus the presigned POST form browsers upload with and presigned GET links
// for downloads.
package s3blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/gasproject/gas/internal/domain"
)

// Store is one bucket.
type Store struct {
	client   *s3.Client
	presign  *s3.PresignClient
	uploader *manager.Uploader
	bucket   string
}

var _ domain.RangeBlobs = (*Store)(nil)

// partSize is the multipart chunk Put streams with: large enough for few
// requests, small enough that a Lambda holds only a few of them in memory.
const partSize = 8 << 20

// New returns the store for bucket.
func New(client *s3.Client, bucket string) *Store {
	return &Store{
		client:  client,
		presign: s3.NewPresignClient(client),
		uploader: manager.NewUploader(client, func(u *manager.Uploader) {
			u.PartSize = partSize
			u.Concurrency = 2
		}),
		bucket: bucket,
	}
}

// checkKey rejects keys that would alias another key in the directory-tree
// store (internal/fsblob), so both stores accept the same keys.
func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.ContainsRune(key, 0) {
		return fmt.Errorf("object key %q: %w", key, domain.ErrInvalid)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("object key %q: empty, . or .. segment: %w", key, domain.ErrInvalid)
		}
	}
	return nil
}

// Put streams r to key as a new STANDARD object, encrypted at rest. Large
// bodies go up in parts, so nothing the size of the object is held in
// memory; if r fails the upload is aborted and key is left as it was.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := s.uploader.Upload(ctx, &s3.PutObjectInput{
		Bucket:               aws.String(s.bucket),
		Key:                  aws.String(key),
		Body:                 r,
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", s.bucket, key, err)
	}
	return nil
}

// Get streams an object; domain.ErrArchived for an unrestored GLACIER object.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, s.wrap("get", key, err, domain.ErrArchived)
	}
	return out.Body, nil
}

// GetRange reads bytes [off, off+n) of key with a ranged GetObject (none
// for n == 0, which S3 cannot ask for).
func (s *Store) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("get %q: range of %d bytes at %d: %w", key, n, off, domain.ErrInvalid)
	}
	if n == 0 {
		if _, err := s.Head(ctx, key); err != nil {
			return nil, err
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1))})
	if err != nil {
		return nil, s.wrap("get", key, err, domain.ErrArchived)
	}
	return out.Body, nil
}

// Head reports an object's size, class and restore status.
func (s *Store) Head(ctx context.Context, key string) (domain.ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return domain.ObjectInfo{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return domain.ObjectInfo{}, s.wrap("head", key, err, nil)
	}
	info := domain.ObjectInfo{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		StorageClass: domain.ClassStandard,
		LastModified: aws.ToTime(out.LastModified),
	}
	if out.StorageClass != "" {
		info.StorageClass = domain.StorageClass(out.StorageClass)
	}
	if out.Restore != nil {
		info.RestoreInProgress, info.RestoredUntil, err = parseRestore(*out.Restore)
		if err != nil {
			return domain.ObjectInfo{}, fmt.Errorf("head s3://%s/%s: %w", s.bucket, key, err)
		}
	}
	return info, nil
}

// parseRestore reads the x-amz-restore header:
// `ongoing-request="true"` or `ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"`.
func parseRestore(h string) (inProgress bool, until time.Time, err error) {
	inProgress = strings.Contains(h, `ongoing-request="true"`)
	if _, rest, ok := strings.Cut(h, `expiry-date="`); ok {
		date, _, _ := strings.Cut(rest, `"`)
		until, err = time.Parse(time.RFC1123, date)
		if err != nil {
			return false, time.Time{}, fmt.Errorf("x-amz-restore %q: %w", h, err)
		}
	}
	return inProgress, until.UTC(), nil
}

// Delete removes an object; an absent one is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return s.wrap("delete", key, err, nil)
	}
	return nil
}

// List returns the keys under prefix (ListObjectsV2, every page), in S3's
// order, which is by bytes.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", s.bucket, prefix, err)
		}
		for _, obj := range page.Contents {
			keys = append(keys, aws.ToString(obj.Key))
		}
	}
	return keys, nil
}

// Copy copies src to dst in class (CopyObject, so the bytes never leave S3).
// Copying an object onto itself in the class it has is a no-op, since S3
// refuses a copy that changes nothing. An unrestored GLACIER source is
// domain.ErrArchived. Objects over 5 GB would need a multipart copy, which
// GAS's results do not reach.
func (s *Store) Copy(ctx context.Context, src, dst string, class domain.StorageClass) error {
	if err := checkKey(src); err != nil {
		return err
	}
	if err := checkKey(dst); err != nil {
		return err
	}
	if src == dst {
		info, err := s.Head(ctx, src)
		if err != nil {
			return err
		}
		if info.StorageClass == class {
			return nil
		}
	}
	_, err := s.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:               aws.String(s.bucket),
		Key:                  aws.String(dst),
		CopySource:           aws.String(copySource(s.bucket, src)),
		StorageClass:         types.StorageClass(class),
		MetadataDirective:    types.MetadataDirectiveCopy,
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	if err != nil {
		return s.wrap("copy "+src+" to", dst, err, domain.ErrArchived)
	}
	return nil
}

// copySource percent-encodes bucket/key for x-amz-copy-source, escaping
// everything but unreserved characters and "/" (so "+" cannot be read as a space).
func copySource(bucket, key string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range []byte(bucket + "/" + key) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-_.~/", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// Restore asks S3 for a temporary readable copy of a GLACIER object for days.
// Asking while a restore runs is not an error; a STANDARD object is
// domain.ErrInvalid; no Expedited capacity is domain.ErrExpeditedUnavailable
// (returned at once, not retried: the caller falls back to Standard).
func (s *Store) Restore(ctx context.Context, key string, tier domain.RestoreTier, days int) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := s.client.RestoreObject(ctx, &s3.RestoreObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
		RestoreRequest: &types.RestoreRequest{
			Days:                 aws.Int32(int32(days)),
			GlacierJobParameters: &types.GlacierJobParameters{Tier: types.Tier(tier)},
		},
	}, func(o *s3.Options) { o.Retryer = noRetryExpedited{o.Retryer} })
	switch code := errorCode(err); {
	case err == nil, code == "RestoreAlreadyInProgress":
		return nil
	case code == "GlacierExpeditedRetrievalNotAvailable":
		return fmt.Errorf("restore s3://%s/%s: %w", s.bucket, key, domain.ErrExpeditedUnavailable)
	default:
		return s.wrap("restore", key, err, domain.ErrInvalid)
	}
}

// noRetryExpedited keeps the SDK from retrying a 503 that means "no
// Expedited capacity": retrying cannot help, falling back to Standard does.
type noRetryExpedited struct{ aws.Retryer }

func (r noRetryExpedited) IsErrorRetryable(err error) bool {
	return errorCode(err) != "GlacierExpeditedRetrievalNotAvailable" && r.Retryer.IsErrorRetryable(err)
}

func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// wrap translates S3 errors to domain errors: a missing key is
// domain.ErrNotFound, InvalidObjectState is invalidState (its meaning depends
// on the operation).
func (s *Store) wrap(op, key string, err error, invalidState error) error {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	switch code := errorCode(err); {
	case errors.As(err, &nsk), errors.As(err, &nf), code == "NoSuchKey", code == "NotFound":
		return fmt.Errorf("%s s3://%s/%s: %w", op, s.bucket, key, domain.ErrNotFound)
	case code == "InvalidObjectState" && invalidState != nil:
		return fmt.Errorf("%s s3://%s/%s: %w", op, s.bucket, key, invalidState)
	}
	return fmt.Errorf("%s s3://%s/%s: %w", op, s.bucket, key, err)
}
