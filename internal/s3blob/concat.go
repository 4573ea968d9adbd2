package s3blob

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3's multipart rules: every part but the last is at least minPart bytes,
// a copied part at most maxCopy; an upload has at most maxParts parts.
const (
	minPart  = 5 << 20
	maxCopy  = 5 << 30
	maxParts = 10_000
)

// Concat writes dst as srcs joined in order, then tail, as one multipart
// upload: a source of at least 5 MiB becomes an UploadPartCopy (its bytes
// stay in S3), smaller sources are read and sent as parts with their
// neighbours. When a small run precedes a large source, the run is topped up
// to 5 MiB from the large source's head and the rest is copied by range.
// Up to copiesAtOnce copies run at once. This process holds at most about
// 15 MiB. On any error the upload is
// aborted and dst is left as it was. All keys must be in this bucket.
func (s *Store) Concat(ctx context.Context, dst string, srcs []string, tail []byte) error {
	for _, k := range append([]string{dst}, srcs...) {
		if err := checkKey(k); err != nil {
			return err
		}
	}
	sizes := make([]int64, len(srcs))
	for i, k := range srcs {
		info, err := s.Head(ctx, k)
		if err != nil {
			return fmt.Errorf("concat into s3://%s/%s: %w", s.bucket, dst, err)
		}
		sizes[i] = info.Size
	}
	up, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(s.bucket), Key: aws.String(dst), ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	if err != nil {
		return s.wrap("concat into", dst, err, nil)
	}
	m := &partUpload{s: s, key: dst, id: up.UploadId, slots: make(chan struct{}, copiesAtOnce)}
	if err := m.join(ctx, srcs, sizes, tail); err != nil {
		// A fresh context: the upload must be aborted even when ctx ended.
		m.s.client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{
			Bucket: aws.String(s.bucket), Key: aws.String(dst), UploadId: up.UploadId,
		})
		return fmt.Errorf("concat into s3://%s/%s: %w", s.bucket, dst, err)
	}
	return nil
}

// copiesAtOnce bounds the UploadPartCopy calls in flight: each is one
// request S3 serves on its side, so a join of many parts takes about as
// long as its largest.
const copiesAtOnce = 8

// partUpload is one multipart upload in progress. Uploaded parts go up in
// order; copied parts run concurrently, each filling its own slot of parts.
type partUpload struct {
	s      *Store
	key    string
	id     *string
	parts  []types.CompletedPart
	buf    bytes.Buffer // the next uploaded part, being gathered
	copies sync.WaitGroup
	slots  chan struct{} // copiesAtOnce tokens
	mu     sync.Mutex
	err    error // the first failed copy's
}

func (m *partUpload) join(ctx context.Context, srcs []string, sizes []int64, tail []byte) error {
	defer m.copies.Wait() // on an early return too: no copy outlives the upload
	for i, k := range srcs {
		size := sizes[i]
		// Bytes of k's head that top a small pending run up to minPart.
		need := int64(0)
		if m.buf.Len() > 0 && m.buf.Len() < minPart {
			need = minPart - int64(m.buf.Len())
		}
		if size < minPart+need {
			if err := m.read(ctx, k, 0, size); err != nil {
				return err
			}
			if m.buf.Len() >= minPart {
				if err := m.flush(ctx); err != nil {
					return err
				}
			}
			continue
		}
		if err := m.read(ctx, k, 0, need); err != nil {
			return err
		}
		if err := m.flush(ctx); err != nil {
			return err
		}
		if err := m.copyRange(ctx, k, need, size); err != nil {
			return err
		}
	}
	m.buf.Write(tail)
	if err := m.flush(ctx); err != nil {
		return err
	}
	if len(m.parts) == 0 { // no sources and no tail: an empty object
		if err := m.upload(ctx, nil); err != nil {
			return err
		}
	}
	if err := m.wait(); err != nil {
		return err
	}
	_, err := m.s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(m.s.bucket), Key: aws.String(m.key), UploadId: m.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: m.parts},
	})
	return err
}

// read appends bytes [from, to) of key to the pending part.
func (m *partUpload) read(ctx context.Context, key string, from, to int64) error {
	if to <= from {
		return nil
	}
	out, err := m.s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(m.s.bucket), Key: aws.String(key), Range: aws.String(fmt.Sprintf("bytes=%d-%d", from, to-1)),
	})
	if err != nil {
		return m.s.wrap("get", key, err, nil)
	}
	defer out.Body.Close()
	if n, err := io.Copy(&m.buf, out.Body); err != nil || n != to-from {
		return fmt.Errorf("read s3://%s/%s: %d of %d bytes: %v", m.s.bucket, key, n, to-from, err)
	}
	return nil
}

// flush uploads the pending bytes as the next part (nothing when none).
func (m *partUpload) flush(ctx context.Context) error {
	if m.buf.Len() == 0 {
		return nil
	}
	err := m.upload(ctx, m.buf.Bytes())
	m.buf.Reset()
	return err
}

func (m *partUpload) upload(ctx context.Context, data []byte) error {
	n, err := m.next()
	if err != nil {
		return err
	}
	slot := int(n) - 1
	out, err := m.s.client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String(m.s.bucket), Key: aws.String(m.key), UploadId: m.id,
		PartNumber: aws.Int32(n), Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return fmt.Errorf("upload part %d: %w", n, err)
	}
	m.setETag(slot, out.ETag)
	return nil
}

// copyRange adds bytes [from, to) of key as copied parts of at most maxCopy
// bytes, none but the last under minPart, started in the background.
func (m *partUpload) copyRange(ctx context.Context, key string, from, to int64) error {
	for from < to {
		end := min(to, from+maxCopy-minPart)
		if to-end < minPart {
			end = to
		}
		n, err := m.next()
		if err != nil {
			return err
		}
		in := &s3.UploadPartCopyInput{
			Bucket: aws.String(m.s.bucket), Key: aws.String(m.key), UploadId: m.id, PartNumber: aws.Int32(n),
			CopySource:      aws.String(copySource(m.s.bucket, key)),
			CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", from, end-1)),
		}
		m.slots <- struct{}{}
		m.copies.Add(1)
		go func(slot int) {
			defer func() { <-m.slots; m.copies.Done() }()
			out, err := m.s.client.UploadPartCopy(ctx, in)
			if err != nil {
				m.mu.Lock()
				m.err = cmp.Or(m.err, m.s.wrap(fmt.Sprintf("copy part %d from", n), key, err, nil))
				m.mu.Unlock()
				return
			}
			m.setETag(slot, out.CopyPartResult.ETag)
		}(int(n) - 1)
		from = end
	}
	return nil
}

// wait returns once every copy has ended, with the first copy's error.
func (m *partUpload) wait() error {
	m.copies.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// next reserves the next part's slot and returns its number.
func (m *partUpload) next() (int32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.parts) >= maxParts {
		return 0, fmt.Errorf("more than %d parts", maxParts)
	}
	n := int32(len(m.parts) + 1)
	m.parts = append(m.parts, types.CompletedPart{PartNumber: aws.Int32(n)})
	return n, nil
}

func (m *partUpload) setETag(slot int, etag *string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.parts[slot].ETag = etag
}
