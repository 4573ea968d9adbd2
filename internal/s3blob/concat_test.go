package s3blob

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
	"github.com/gasproject/gas/internal/tasks"
)

var _ tasks.Concatenator = Split{} // Merge joins the parts without downloading them

const mib = 1 << 20

// TestConcatCopiesLargePartsInS3: the joined object is the sources in order
// and the tail, whatever the mix of sizes; every source byte beyond what a
// small neighbour needs to reach S3's 5 MiB part minimum is copied by
// UploadPartCopy, never read by the client.
func TestConcatCopiesLargePartsInS3(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int // source sizes
		// uploaded is the most bytes allowed through UploadPart (the rest must be copied).
		uploaded int64
	}{
		{"large parts only", []int{6 * mib, 5 * mib, 7 * mib}, 28},
		{"small parts only", []int{100, 3 * mib, 10}, 3*mib + 110 + 28},
		{"small run before a large part", []int{100, 2 * mib, 12 * mib, 1 * mib}, 5*mib + 1*mib + 28},
		{"small part between large ones", []int{8 * mib, 10, 6 * mib}, 6*mib + 10 + 28},
		{"a large part tops up a small run", []int{4 * mib, 6 * mib}, 5*mib + 28},
		{"a large part too small to top up a run", []int{4 * mib, 5*mib + mib/2}, 9*mib + mib/2 + 28},
		{"one byte over the minimum", []int{5*mib + 1}, 28},
		{"no sources", nil, 28},
	}
	tail := bytes.Repeat([]byte{0x1b}, 28) // as the BGZF EOF block
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake, client := s3fake.Serve(t, testBucket)
			store := New(client, testBucket)
			ctx := t.Context()
			var want bytes.Buffer
			var keys []string
			for i, n := range tc.sizes {
				data := make([]byte, n)
				rand.NewChaCha8([32]byte{byte(i), byte(n)}).Read(data)
				key := fmt.Sprintf("results/u/j/work/part-%05d.vcf.gz", i)
				if err := store.Put(ctx, key, bytes.NewReader(data)); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, key)
				want.Write(data)
			}
			want.Write(tail)
			before := fake.MultipartStats()
			if err := store.Concat(ctx, "results/u/j/annotated.vcf.gz", keys, tail); err != nil {
				t.Fatal(err)
			}
			rc, err := store.Get(ctx, "results/u/j/annotated.vcf.gz")
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("joined object: %d bytes, want %d (or different content)", len(got), want.Len())
			}
			st := fake.MultipartStats()
			uploaded, copied := st.UploadBytes-before.UploadBytes, st.CopyBytes-before.CopyBytes
			if uploaded > tc.uploaded || uploaded+copied != int64(want.Len()) {
				t.Errorf("uploaded %d bytes (at most %d), copied %d, of %d", uploaded, tc.uploaded, copied, want.Len())
			}
		})
	}
}

func TestConcatFailureLeavesNothing(t *testing.T) {
	_, client := s3fake.Serve(t, testBucket)
	store := New(client, testBucket)
	ctx := t.Context()
	store.Put(ctx, "results/u/j/a", strings.NewReader("a"))
	err := store.Concat(ctx, "results/u/j/out", []string{"results/u/j/a", "results/u/j/missing"}, nil)
	if !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if _, err := store.Head(ctx, "results/u/j/out"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("destination exists after a failed concat: %v", err)
	}
	split := Split{Inputs: New(client, testBucket), Results: store}
	if err := split.Concat(ctx, "results/u/j/out", []string{"inputs/u/j/a.vcf"}, nil); !errors.Is(err, domain.ErrInvalid) {
		t.Errorf("concat across buckets: err = %v, want ErrInvalid", err)
	}
}

// TestFakeRefusesSmallPartsBeforeTheLast: the emulator holds Concat to S3's
// rule (EntityTooSmall), so the test above proves Concat follows it.
func TestFakeRefusesSmallPartsBeforeTheLast(t *testing.T) {
	_, client := s3fake.Serve(t, testBucket)
	ctx := t.Context()
	up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String("x")})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	for i, n := range []int{mib, s3fake.MinPartSize} {
		out, err := client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(testBucket), Key: aws.String("x"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(make([]byte, n)), ContentLength: aws.Int64(int64(n))})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	_, err = client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String("x"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if errorCode(err) != "EntityTooSmall" {
		t.Fatalf("complete with a 1 MiB first part: err = %v, want EntityTooSmall", err)
	}
}
