package tabix

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/testshared"
	"github.com/gasproject/gas/internal/vcf"
	"github.com/gasproject/gas/internal/vcf/vcftest"
)

// needTabix returns the tabix binary; CI installs it (.ci/run), so it is
// only skipped outside CI.
func needTabix(t *testing.T) string { return testshared.Tool(t, "tabix", "tabix") }

// writeVCF writes a sorted BGZF VCF over the given contigs (name, length,
// records) with deterministic content; lines are long enough to span many blocks.
func writeVCF(t *testing.T, path string, contigs []struct {
	name   string
	length int
	n      int
}) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("##fileformat=VCFv4.2\n")
	for _, c := range contigs {
		fmt.Fprintf(&b, "##contig=<ID=%s,length=%d>\n", c.name, c.length)
	}
	b.WriteString("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range contigs {
		pos := 1
		for i := 0; i < c.n; i++ {
			pos += rng.IntN(2 * c.length / c.n)
			pos = min(pos, c.length)
			ref := strings.Repeat("A", 1+rng.IntN(3))
			info := "DP=" + strings.Repeat("9", rng.IntN(200))
			alt := "C"
			if i%97 == 0 {
				alt, info = "<DEL>", fmt.Sprintf("END=%d;%s", pos+5000, info)
			}
			fmt.Fprintf(&b, "%s\t%d\t.\t%s\t%s\t.\tPASS\t%s\n", c.name, pos, ref, alt, info)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := vcf.NewBGZFWriter(f)
	zw.Write(b.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// query runs tabix on file for region and returns its output.
func query(t *testing.T, bin, file, region string) string {
	t.Helper()
	out, err := exec.Command(bin, file, region).CombinedOutput()
	if err != nil {
		t.Fatalf("tabix %s %s: %v\n%s", file, region, err, out)
	}
	return string(out)
}

// TestIndexAgreesWithTabix indexes the same file with IndexVCF and with
// htslib's own `tabix -p vcf` and compares the records each index returns.
func TestIndexAgreesWithTabix(t *testing.T) {
	bin := needTabix(t)
	tests := []struct {
		name    string
		contigs []struct {
			name   string
			length int
			n      int
		}
		wantExt string
		regions []string
	}{
		{"tbi", []struct {
			name   string
			length int
			n      int
		}{{"1", 5_000_000, 20000}, {"2", 300_000_000, 3000}, {"X", 100_000, 10}},
			".tbi", []string{"1", "1:1-1", "1:100000-200000", "1:4990000-5000000", "2:150000000-150400000", "2:1-20000", "X", "X:50000-60000", "Y"}},
		{"csi", []struct {
			name   string
			length int
			n      int
		}{{"big", 900_000_000, 5000}, {"small", 20_000, 50}},
			".csi", []string{"big", "big:600000000-601000000", "big:899000000-900000000", "small:1-10000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ours, theirs := filepath.Join(dir, "ours.vcf.gz"), filepath.Join(dir, "theirs.vcf.gz")
			writeVCF(t, ours, tc.contigs)
			data, _ := os.ReadFile(ours)
			os.WriteFile(theirs, data, 0o644)
			idx, err := IndexVCF(ours)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(idx, tc.wantExt) {
				t.Fatalf("index %s, want %s", idx, tc.wantExt)
			}
			args := []string{"-p", "vcf", theirs}
			if tc.wantExt == ".csi" {
				args = []string{"-C", "-p", "vcf", theirs}
			}
			if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				t.Fatalf("tabix %v: %v\n%s", args, err, out)
			}
			for _, r := range tc.regions {
				got, want := query(t, bin, ours, r), query(t, bin, theirs, r)
				if got != want {
					t.Errorf("region %s: our index gives %d lines, tabix's %d", r, strings.Count(got, "\n"), strings.Count(want, "\n"))
				}
			}
			if got := query(t, bin, ours, tc.regions[0]); got == "" {
				t.Errorf("region %s: no records", tc.regions[0])
			}
		})
	}
}

func TestIndexRefusesUnsortedAndPlain(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, body, want string
		bgzf             bool
	}{
		{"unsorted", "#CHROM\tPOS\tID\tREF\tALT\n1\t200\t.\tA\tC\n1\t100\t.\tA\tC\n", "line 3: 1:100 after 1:200", true},
		{"ungrouped", "1\t1\t.\tA\tC\n2\t1\t.\tA\tC\n1\t5\t.\tA\tC\n", "line 3: chromosome 1 appears in two separate blocks", true},
		{"bad pos", "1\tx\t.\tA\tC\n", "line 1: POS \"x\"", true},
		{"plain", "1\t1\t.\tA\tC\n", "not BGZF at offset 0", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".vcf.gz")
			var data []byte
			if tc.bgzf {
				data = vcftest.BGZF(t, tc.body)
			} else {
				data = []byte(tc.body)
			}
			os.WriteFile(p, data, 0o644)
			_, err := IndexVCF(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if _, serr := os.Stat(p + ".tbi"); serr == nil {
				t.Error("an index was written for bad input")
			}
		})
	}
}

func TestReg2Bin(t *testing.T) {
	tests := []struct {
		beg, end int64
		want     uint32
	}{
		{0, 1, 4681}, {16384, 16385, 4682}, {0, 16385, 585}, {0, 1 << 29, 0}, {1 << 17, 1<<17 + 1, 4681 + 8},
	}
	for _, tc := range tests {
		if got := reg2bin(tc.beg, tc.end, minShift, tbiDepth); got != tc.want {
			t.Errorf("reg2bin(%d,%d) = %d, want %d", tc.beg, tc.end, got, tc.want)
		}
		if tc.want != 0 {
			if got := binStart(tc.want, tbiDepth); got > tc.beg>>minShift {
				t.Errorf("binStart(%d) = %d beyond window %d", tc.want, got, tc.beg>>minShift)
			}
		}
	}
}

func TestRebin(t *testing.T) {
	for _, r := range [][2]int64{{0, 1}, {16384, 16385}, {0, 16385}, {1 << 20, 1<<20 + 70000}, {123456789, 123456999}} {
		if got, want := rebin(reg2bin(r[0], r[1], minShift, workDepth), tbiDepth), reg2bin(r[0], r[1], minShift, tbiDepth); got != want {
			t.Errorf("rebin of %v = %d, want %d", r, got, want)
		}
	}
}
