package vcf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/testshared"
)

func bgzf(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := NewBGZFWriter(&b)
	io.WriteString(z, s)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func manyRecords(n int) string {
	var b strings.Builder
	b.WriteString(small)
	for i := 0; i < n; i++ {
		b.WriteString("21\t300\t.\tA\tC\t.\t.\tDP=7\tGT\t0/1\n")
	}
	return b.String()
}

func TestBGZFReadErrors(t *testing.T) {
	data := bgzf(t, manyRecords(30000)) // about 20 blocks
	if !IsBGZF(data) {
		t.Fatal("our BGZF output is not recognised as BGZF")
	}
	corrupt := append([]byte(nil), data...)
	corrupt[len(corrupt)/2] ^= 0xff
	for name, in := range map[string][]byte{
		"truncated mid-block": data[:len(data)/2],
		"corrupt block":       corrupt,
		"cut after a header":  data[:20],
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := readAll(bytes.NewReader(in))
			var pe *ParseError
			if !errors.Is(err, ErrTruncated) || !errors.As(err, &pe) {
				t.Fatalf("err = %v, want ErrTruncated", err)
			}
		})
	}
}

// TestBGZFEarlyClose: closing a Reader before the end stops its goroutines.
func TestBGZFEarlyClose(t *testing.T) {
	data := bgzf(t, manyRecords(50000))
	before := runtime.NumGoroutine()
	r, err := NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	r.Close()
	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

// TestReadBgzipFile reads a file compressed by htslib's bgzip, when installed.
func TestReadBgzipFile(t *testing.T) {
	bgzip := testshared.Tool(t, "bgzip", "tabix")
	src := testshared.Path(t, "vcf", "premium_3.vcf")
	want, _ := os.ReadFile(src)
	out := filepath.Join(t.TempDir(), "p3.vcf.gz")
	cmd := exec.Command(bgzip, "-c", src)
	f, _ := os.Create(out)
	cmd.Stdout = f
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	in, _ := os.ReadFile(out)
	if !IsBGZF(in) {
		t.Fatal("bgzip output not recognised as BGZF")
	}
	if got := reemit(t, bytes.NewReader(in)); !bytes.Equal(got, want) {
		t.Errorf("bgzip file read back differs (%d vs %d bytes)", len(got), len(want))
	}
}

// BenchmarkReadCompressed reads a multi-sample file (long lines) as gzip
// (one goroutine) and as BGZF (parallel inflate).
func BenchmarkReadCompressed(b *testing.B) {
	var s strings.Builder
	s.WriteString("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")
	for i := 0; i < 200; i++ {
		s.WriteString("\tS")
	}
	s.WriteString("\n")
	rng := uint64(1)
	for i := 0; i < 20000; i++ {
		s.WriteString("21\t300\t.\tA\tC\t.\t.\tDP=7\tGT:DP")
		for j := 0; j < 200; j++ {
			rng = rng*6364136223846793005 + 1442695040888963407
			fmt.Fprintf(&s, "\t%s:%d", []string{"0/1", "0/0", "1/1", "./."}[rng>>62], rng>>32%60)
		}
		s.WriteString("\n")
	}
	plain := s.String()
	for name, data := range map[string][]byte{"gzip": gz(b, plain), "bgzf": bgzf(b, plain)} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			for b.Loop() {
				if _, _, err := readAll(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
