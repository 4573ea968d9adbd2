package s3blob

import (
	"context"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gasproject/gas/internal/domain"
)

// UploadPolicy and UploadForm are the domain's (domain.DirectTransfers).
type (
	UploadPolicy = domain.UploadPolicy
	UploadForm   = domain.UploadForm
)

// DefaultUploadTTL is short: a form is rendered right before it is used.
const DefaultUploadTTL = 10 * time.Minute

// PresignPost signs a browser upload straight to the bucket. The policy pins
// the key prefix, the size range [1, MaxBytes], SSE-S3 encryption and the
// success behaviour; any other field makes S3 refuse the upload.
func (s *Store) PresignPost(ctx context.Context, p UploadPolicy) (UploadForm, error) {
	if !strings.HasSuffix(p.KeyPrefix, "/") || checkKey(p.KeyPrefix+"x") != nil {
		return UploadForm{}, fmt.Errorf("upload key prefix %q: must be a valid key ending in /: %w", p.KeyPrefix, domain.ErrInvalid)
	}
	if p.MaxBytes <= 0 {
		return UploadForm{}, fmt.Errorf("upload size cap %d: %w", p.MaxBytes, domain.ErrInvalid)
	}
	ttl := p.TTL
	if ttl <= 0 {
		ttl = DefaultUploadTTL
	}
	extra := map[string]string{"x-amz-server-side-encryption": "AES256"}
	if p.SuccessRedirect != "" {
		extra["success_action_redirect"] = p.SuccessRedirect
	} else {
		extra["success_action_status"] = "201"
	}
	conditions := []any{
		[]any{"starts-with", "$key", p.KeyPrefix},
		[]any{"content-length-range", 1, p.MaxBytes},
	}
	for k, v := range extra {
		conditions = append(conditions, map[string]string{k: v})
	}
	expires := time.Now().Add(ttl)
	req, err := s.presign.PresignPostObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(p.KeyPrefix + "${filename}"),
	}, func(o *s3.PresignPostOptions) {
		o.Expires = ttl
		o.Conditions = conditions
	})
	if err != nil {
		return UploadForm{}, fmt.Errorf("presign upload to s3://%s/%s: %w", s.bucket, p.KeyPrefix, err)
	}
	fields := req.Values
	for k, v := range extra {
		fields[k] = v
	}
	return UploadForm{URL: req.URL, Fields: fields, KeyPrefix: p.KeyPrefix, MaxBytes: p.MaxBytes, Expires: expires}, nil
}

// PresignGet returns a link that downloads key for ttl, saved by the browser
// as downloadName (empty: the key's last segment).
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if downloadName == "" {
		downloadName = key[strings.LastIndexByte(key, '/')+1:]
	}
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket:                     aws.String(s.bucket),
		Key:                        aws.String(key),
		ResponseContentDisposition: aws.String(mime.FormatMediaType("attachment", map[string]string{"filename": downloadName})),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("presign download of s3://%s/%s: %w", s.bucket, key, err)
	}
	return req.URL, nil
}
