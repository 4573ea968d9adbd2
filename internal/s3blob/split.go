package s3blob

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// Split is the one domain.Blobs the use cases see, over the stack's two
// buckets: keys under domain.InputsPrefix live in the inputs bucket (browsers
// upload there), everything else (results, logs, archives) in the results
// bucket, which is versioned and has the archive lifecycle rules.
type Split struct {
	Inputs, Results *Store
}

var (
	_ domain.RangeBlobs      = Split{}
	_ domain.DirectTransfers = Split{}
)

func (s Split) store(key string) *Store {
	if strings.HasPrefix(key, domain.InputsPrefix) {
		return s.Inputs
	}
	return s.Results
}

func (s Split) Put(ctx context.Context, key string, r io.Reader) error {
	return s.store(key).Put(ctx, key, r)
}

func (s Split) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.store(key).Get(ctx, key)
}

func (s Split) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	return s.store(key).GetRange(ctx, key, off, n)
}

func (s Split) Head(ctx context.Context, key string) (domain.ObjectInfo, error) {
	return s.store(key).Head(ctx, key)
}

func (s Split) Delete(ctx context.Context, key string) error {
	return s.store(key).Delete(ctx, key)
}

// List lists the bucket prefix belongs to (a prefix shorter than
// domain.InputsPrefix that would span both buckets is refused).
func (s Split) List(ctx context.Context, prefix string) ([]string, error) {
	if strings.HasPrefix(domain.InputsPrefix, prefix) && prefix != domain.InputsPrefix {
		return nil, fmt.Errorf("list %q: the prefix spans both buckets: %w", prefix, domain.ErrInvalid)
	}
	return s.store(prefix).List(ctx, prefix)
}

// Copy copies within one bucket; GAS never copies between them.
func (s Split) Copy(ctx context.Context, src, dst string, class domain.StorageClass) error {
	if s.store(src) != s.store(dst) {
		return fmt.Errorf("copy %s to %s: keys live in different buckets: %w", src, dst, domain.ErrInvalid)
	}
	return s.store(src).Copy(ctx, src, dst, class)
}

// Concat joins objects within one bucket (Store.Concat).
func (s Split) Concat(ctx context.Context, dst string, srcs []string, tail []byte) error {
	for _, k := range srcs {
		if s.store(k) != s.store(dst) {
			return fmt.Errorf("concat %s into %s: keys live in different buckets: %w", k, dst, domain.ErrInvalid)
		}
	}
	return s.store(dst).Concat(ctx, dst, srcs, tail)
}

func (s Split) Restore(ctx context.Context, key string, tier domain.RestoreTier, days int) error {
	return s.store(key).Restore(ctx, key, tier, days)
}

// PresignPost signs a browser upload into the inputs bucket (p.KeyPrefix
// must be under domain.InputsPrefix).
func (s Split) PresignPost(ctx context.Context, p UploadPolicy) (UploadForm, error) {
	if !strings.HasPrefix(p.KeyPrefix, domain.InputsPrefix) {
		return UploadForm{}, fmt.Errorf("upload prefix %q is not under %s: %w", p.KeyPrefix, domain.InputsPrefix, domain.ErrInvalid)
	}
	return s.Inputs.PresignPost(ctx, p)
}

// PresignGet returns a download link for key from whichever bucket holds it.
func (s Split) PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (string, error) {
	return s.store(key).PresignGet(ctx, key, ttl, downloadName)
}
