package vcf

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/testshared"
	"github.com/gasproject/gas/internal/writeback"
)

func TestBGZFRoundTrip(t *testing.T) {
	// Enough records for several blocks, plus an incompressible tail.
	var b strings.Builder
	b.WriteString(small)
	for i := 0; i < 20000; i++ {
		b.WriteString("21\t300\t.\tA\tC\t.\t.\tDP=7\tGT\t0/1\n")
	}
	want := b.String()
	var out bytes.Buffer
	z := NewBGZFWriter(&out)
	if _, err := io.WriteString(z, want); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	data := out.Bytes()
	if !bytes.HasSuffix(data, bgzfEOF) {
		t.Error("no BGZF EOF block")
	}
	// Walk the blocks: each is a gzip member whose BC field gives its size.
	blocks := 0
	for off := 0; off < len(data); blocks++ {
		h := data[off:]
		if len(h) < 28 || h[0] != 0x1f || h[1] != 0x8b || h[3]&4 == 0 || h[12] != 'B' || h[13] != 'C' {
			t.Fatalf("block %d at %d: bad header % x", blocks, off, h[:min(len(h), 18)])
		}
		off += int(binary.LittleEndian.Uint16(h[16:])) + 1
	}
	if blocks < 3 {
		t.Errorf("%d blocks, want several", blocks)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || string(got) != want {
		t.Fatalf("gzip reader: err %v, equal %v", err, string(got) == want)
	}
	if got := reemit(t, bytes.NewReader(data)); string(got) != want {
		t.Error("Reader on BGZF did not give the input back")
	}
}

func TestOutputAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.vcf")
	o, err := Create(path, Renamed)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(o, small)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("output visible before Commit: %v", err)
	}
	o.Abort()
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("Abort left %d files", len(ents))
	}

	o, err = Create(path, Renamed)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(o, small)
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	o.Abort() // a deferred Abort after Commit must not remove the result
	got, err := os.ReadFile(path)
	if err != nil || string(got) != small {
		t.Fatalf("read back: %v %q", err, got)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d files in the directory, want only the output", len(ents))
	}
}

// TestBGZFTabix checks that tabix indexes what we write (skipped without tabix
// outside CI; CI installs it).
func TestBGZFTabix(t *testing.T) {
	tabix := testshared.Tool(t, "tabix", "tabix")
	path := filepath.Join(t.TempDir(), "x.vcf.gz")
	o, err := Create(path, Renamed)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(o, small)
	for pos := 1000; pos < 60000; pos++ {
		io.WriteString(o, "21\t"+strconv.Itoa(pos)+"\t.\tA\tC\t.\t.\t.\tGT\t0/1\n")
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tabix, "-p", "vcf", path).CombinedOutput(); err != nil {
		t.Fatalf("tabix -p vcf: %v\n%s", err, out)
	}
	out, err := exec.Command(tabix, path, "21:50000-50002").Output()
	if err != nil || strings.Count(string(out), "\n") != 3 {
		t.Fatalf("tabix query: %v %q", err, out)
	}
}

func TestBGZFIncompressibleAndErrors(t *testing.T) {
	// Random bytes do not compress: blocks are stored, and still read back.
	data := make([]byte, 3*bgzfMaxInput+123)
	rng := uint64(42)
	for i := range data {
		rng = rng*6364136223846793005 + 1442695040888963407
		data[i] = byte(rng >> 56)
	}
	var out bytes.Buffer
	z := NewBGZFWriter(&out)
	z.Write(data)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("round trip of incompressible data: %v", err)
	}

	// A failing destination surfaces from Write or Close.
	z = NewBGZFWriter(failWriter{})
	var werr error
	for i := 0; i < 20 && werr == nil; i++ {
		_, werr = z.Write(data)
	}
	if cerr := z.Close(); werr == nil && cerr == nil {
		t.Fatal("write error not reported")
	}
}

type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, io.ErrShortWrite }

// TestOutputLarge: an output of several writeback chunks, written in
// uneven pieces (small ones through the buffer, from 256 KiB on straight to
// the file), arrives complete and in order, Synced or not.
func TestOutputLarge(t *testing.T) {
	for _, d := range []Durability{Synced, Renamed} {
		path := filepath.Join(t.TempDir(), "big.vcf")
		o, err := Create(path, d)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, 3*writeback.Chunk+12345)
		for i := range want {
			want[i] = byte('a' + i%23)
		}
		for rest, n := want, 1; len(rest) > 0; n = n*7%(1<<20) + 1 {
			n = min(n, len(rest))
			if _, err := o.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if err := o.Commit(); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("synced %v: read back %d bytes, differing from the %d written", d, len(got), len(want))
		}
	}
}

// TestOutputDurability: a Synced output fsyncs the file before the rename
// and its directory after it; a Renamed one (the default of gas annotate,
// as for cp or bcftools) never waits for the disk. Both appear complete and
// only at Commit.
func TestOutputDurability(t *testing.T) {
	for _, tc := range []struct {
		d         Durability
		wantSyncs []string // what fsync was called on, in order
	}{
		{Renamed, nil},
		{Synced, []string{"temporary file", "directory"}},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.vcf")
		var synced []string
		fsync = func(f *os.File) error {
			st, err := f.Stat()
			switch {
			case err != nil:
				t.Errorf("fsync of %s: %v", f.Name(), err)
			case st.IsDir() && f.Name() == dir:
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%v: directory synced before the rename", tc.d)
				}
				synced = append(synced, "directory")
			case filepath.Dir(f.Name()) == dir && f.Name() != path:
				synced = append(synced, "temporary file")
			default:
				synced = append(synced, f.Name())
			}
			return f.Sync()
		}
		o, err := Create(path, tc.d)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(o, small)
		if err := o.Commit(); err != nil {
			t.Fatal(err)
		}
		fsync = (*os.File).Sync
		if strings.Join(synced, ",") != strings.Join(tc.wantSyncs, ",") {
			t.Errorf("durability %v: fsync on %q, want %q", tc.d, synced, tc.wantSyncs)
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != small {
			t.Errorf("durability %v: read back %v %q", tc.d, err, got)
		}
	}
}

// TestOutputSyncFailure: when the fsync fails, Commit reports it and
// nothing appears at the path.
func TestOutputSyncFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.vcf")
	fsync = func(*os.File) error { return errors.New("disk full") }
	defer func() { fsync = (*os.File).Sync }()
	o, err := Create(path, Synced)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(o, small)
	if err := o.Commit(); err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), path) {
		t.Errorf("Commit with a failing fsync: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a failed Commit left %d files", len(ents))
	}
}
