package annotate

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/testshared"
	"github.com/gasproject/gas/internal/vcf"
)

// The mini bundle is built once per test binary, into a directory removed by TestMain.
var (
	miniOnce   sync.Once
	miniBundle *refdata.Bundle
	miniErr    error
	miniDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if miniBundle != nil {
		miniBundle.Close()
	}
	if miniDir != "" {
		os.RemoveAll(miniDir)
	}
	os.Exit(code)
}

func miniEngine(t testing.TB) *Engine {
	t.Helper()
	shared := testshared.Dir(t)
	miniOnce.Do(func() {
		miniDir, miniErr = os.MkdirTemp("", "gas-annotate-mini-")
		if miniErr != nil {
			return
		}
		out := filepath.Join(miniDir, "bundle")
		if _, miniErr = refdata.BuildMini(context.Background(), shared, out); miniErr != nil {
			return
		}
		miniBundle, miniErr = refdata.Open(out)
	})
	if miniErr != nil {
		t.Fatalf("build mini bundle: %v", miniErr)
	}
	return New(miniBundle)
}

func annotateFile(t testing.TB, e *Engine, path string) ([]byte, *Summary) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	sum, err := e.Run(context.Background(), f, &out, Options{})
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return out.Bytes(), sum
}

// TestAnnotateSharedFiles annotates every file in ../shared/vcf: each must
// finish, keep every record and sample column, and count records on
// chromosomes outside the mini reference (chr21 slice and MT) as not covered.
func TestAnnotateSharedFiles(t *testing.T) {
	e := miniEngine(t)
	files, _ := filepath.Glob(testshared.Path(t, "vcf", "*.vcf"))
	if len(files) < 7 {
		t.Fatalf("found %d shared VCFs, want 7", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			in, _ := os.ReadFile(path)
			out, sum := annotateFile(t, e, path)
			inRecs, outRecs := dataLines(in), dataLines(out)
			if len(inRecs) != len(outRecs) || sum.Records != int64(len(inRecs)) {
				t.Fatalf("records in %d, out %d, summary %d", len(inRecs), len(outRecs), sum.Records)
			}
			var notCovered int64
			for i, l := range inRecs {
				f := strings.SplitN(l, "\t", 10)
				g := strings.SplitN(outRecs[i], "\t", 10)
				chrom := refdata.CanonicalChrom(f[0])
				if chrom != "21" && chrom != "MT" {
					notCovered++
					if outRecs[i] != l {
						t.Fatalf("not-covered record changed:\n%s\n%s", l, outRecs[i])
					}
				}
				if len(f) == 10 && f[9] != g[9] {
					t.Fatalf("line %d: sample columns changed", i+1)
				}
				if f[1] != g[1] || f[3] != g[3] || f[4] != g[4] {
					t.Fatalf("record %d: POS/REF/ALT changed", i+1)
				}
			}
			if sum.NotCovered-sum.NotCoveredPositions != notCovered {
				t.Errorf("not covered %d, want %d", sum.NotCovered, notCovered)
			}
			if _, err := vcf.NewReader(bytes.NewReader(out)); err != nil {
				t.Errorf("output does not read back: %v", err)
			}
			t.Logf("%d records, %d alleles, %d not covered, %d known (%.1f%%), Ts/Tv %.2f, %.2fs",
				sum.Records, sum.Alleles, sum.NotCovered, sum.KnownHits, sum.KnownPercent, sum.TsTv, sum.ElapsedSeconds)
		})
	}
}

func dataLines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestKnownIDsChr21 removes the rs ids of chr21_vep_test.vcf and checks that
// the known-variant match puts every one of them back.
func TestKnownIDsChr21(t *testing.T) {
	e := miniEngine(t)
	in := testshared.Read(t, "vcf", "chr21_vep_test.vcf")
	var stripped strings.Builder
	var want []string
	for _, l := range strings.SplitAfter(string(in), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			stripped.WriteString(l)
			continue
		}
		f := strings.Split(l, "\t")
		want = append(want, f[2])
		f[2] = "."
		stripped.WriteString(strings.Join(f, "\t"))
	}
	var out bytes.Buffer
	sum, err := e.Run(context.Background(), strings.NewReader(stripped.String()), &out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := dataLines(out.Bytes())
	for i, l := range got {
		f := strings.Split(l, "\t")
		if f[2] != want[i] {
			t.Errorf("record %d (%s:%s %s>%s): ID %q, want %q", i+1, f[0], f[1], f[3], f[4], f[2], want[i])
		}
		if !strings.Contains(f[7], "CYTOBAND=21q21") {
			t.Errorf("record %d: no cytoband in %q", i+1, f[7])
		}
	}
	if sum.KnownHits != int64(len(want)) || sum.NotCovered != 0 {
		t.Errorf("known hits %d of %d, not covered %d", sum.KnownHits, len(want), sum.NotCovered)
	}
}

// TestBcftoolsReadsOutput: bcftools view accepts the output and
// bcftools +split-vep -l lists our CSQ fields.
func TestBcftoolsReadsOutput(t *testing.T) {
	bcftools := testshared.Tool(t, "bcftools", "bcftools")
	e := miniEngine(t)
	dir := t.TempDir()
	for _, name := range []string{"chr21_vep_test.vcf", "test.vcf", "premium_3.vcf"} {
		out, _ := annotateFile(t, e, testshared.Path(t, "vcf", name))
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bcftools, "view", "-Ov", path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			t.Fatalf("bcftools view %s: %v\n%s", name, err, stderr.String())
		}
		if strings.Contains(stderr.String(), "[E::") {
			t.Errorf("bcftools view %s reported errors:\n%s", name, stderr.String())
		}
		// premium_3 is VCF 3.3: its header is upgraded to 4.2, so bcftools
		// has nothing to warn about either.
		if name == "premium_3.vcf" {
			if stderr.Len() > 0 {
				t.Errorf("bcftools view %s warned:\n%.2000s", name, stderr.String())
			}
			if !bytes.HasPrefix(out, []byte("##fileformat=VCFv4.2\n")) {
				t.Errorf("%s: header starts %.40q", name, out)
			}
		}
		list, err := exec.Command(bcftools, "+split-vep", "-l", path).CombinedOutput()
		if err != nil {
			t.Fatalf("bcftools +split-vep -l %s: %v\n%s", name, err, list)
		}
		var fields []string
		for _, l := range strings.Split(strings.TrimSpace(string(list)), "\n") {
			if f := strings.Fields(l); len(f) == 2 {
				fields = append(fields, f[1])
			}
		}
		if got := strings.Join(fields, "|"); got != CSQFields {
			t.Errorf("split-vep fields of %s:\n%s\nwant\n%s", name, got, CSQFields)
		}
		if name != "chr21_vep_test.vcf" {
			continue
		}
		// The values themselves split: one row per entry, with HGVSp where coding.
		rows, err := exec.Command(bcftools, "+split-vep", "-d", "-f", "%POS %Consequence %HGVSp %Existing_variation\n", path).Output()
		if err != nil {
			t.Fatalf("bcftools +split-vep -f: %v", err)
		}
		if !strings.Contains(string(rows), "25585733 missense_variant ENSP00000284967:p.Ala331Thr rs142513484\n") {
			t.Errorf("split-vep rows lack the MRPL39 missense entry:\n%.2000s", rows)
		}
	}
}

// TestEdgeRecords: valid but unusual records on covered chromosomes never
// fail the run and are all written.
func TestEdgeRecords(t *testing.T) {
	e := miniEngine(t)
	recs := []string{
		"chrM\t1\t.\tG\tA,GT,<DEL>,*",                              // first base, mixed ALTs
		"MT\t16569\t.\tG\tGAAAA",                                   // last base, insertion
		"MT\t16560\t.\tCACACACACACA\tC",                            // deletion running past the end
		"M\t0\t.\tN\tA",                                            // telomere position 0
		"21\t1\t.\tN\tT",                                           // N-padded part of chr21
		"21\t24985581\t.\tnnnnnacgt\ta",                            // lower case, N in REF
		"21\t25585733\trs142513484;rs1\tC\tC",                      // ALT equal to REF
		"21\t25585733\t.\tC\tG]21:25585800]",                       // breakend
		"21\t25585700\t.\tACGTACGTACGTACGTACGTACGTACGTACGTACGT\tA", // deletion (REF need not match)
		"21\t26000306\t.\tA\tT",                                    // last base of the slice
		"21\t46000000\t.\tA\tT",                                    // past the bundle's chr21 end
		"chr21\t25587701\t.\tT\tC,G,A",                             // multi-allelic
		"22\t100\t.\tA\tT",                                         // not covered
	}
	in := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
	for _, r := range recs {
		in += r + "\t.\t.\t.\n"
	}
	var out bytes.Buffer
	sum, err := e.Run(context.Background(), strings.NewReader(in), &out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := dataLines(out.Bytes()); len(got) != len(recs) {
		t.Fatalf("%d records out, want %d", len(got), len(recs))
	}
	// not covered: chromosome 22, and four positions without reference bases
	// (MT past 16569, position 0, chr21's N padding, past chr21's end);
	// REF mismatches: the three made-up REFs on chr21.
	if sum.NotCovered != 5 || sum.NotCoveredPositions != 4 || sum.RefMismatch != 3 {
		t.Errorf("not covered %d (%d positions), REF mismatches %d", sum.NotCovered, sum.NotCoveredPositions, sum.RefMismatch)
	}
	t.Logf("passthrough %v, notes %q", sum.Passthrough, sum.Notes)
}

// TestKnownFrequencyAndClinsig checks INFO values against dbSNP 149 records
// of the mini reference.
func TestKnownFrequencyAndClinsig(t *testing.T) {
	e := miniEngine(t)
	in := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
		"chr21\t25880545\t.\tA\tC,T\t.\t.\t.\n" +
		"21\t25891783\trs1\tA\tC\t.\t.\t.\n"
	var out bytes.Buffer
	if _, err := e.Run(context.Background(), strings.NewReader(in), &out, Options{}); err != nil {
		t.Fatal(err)
	}
	recs := dataLines(out.Bytes())
	for i, wants := range [][]string{
		{"\trs45599935\t", "KNOWN_AF=0.0078,.;", "KNOWN_CLNSIG=likely_benign,.;", "CYTOBAND=21q21.3;"},
		{"\trs1;rs63749964\t", "\tKNOWN_CLNSIG=not_provided&pathogenic;"},
	} {
		for _, want := range wants {
			if !strings.Contains(recs[i], want) {
				t.Errorf("record %d lacks %q:\n%.300s", i+1, want, recs[i])
			}
		}
		if i == 1 && strings.Contains(recs[i], "KNOWN_AF") {
			t.Errorf("KNOWN_AF written without a frequency: %.200s", recs[i])
		}
	}
}

// TestRefCheck: a REF that differs from the reference gets REF_MISMATCH and
// no CSQ, an N in REF matches any base, positions without reference bases
// are not covered, and only alleles with CSQ count as annotated.
func TestRefCheck(t *testing.T) {
	e := miniEngine(t)
	in := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
		"21\t25592826\t.\tT\tA\t.\t.\t.\n" + // the reference base is G
		"21\t25592826\t.\tG\tA\t.\t.\t.\n" +
		"21\t25592826\t.\tN\tA\t.\t.\t.\n" +
		"21\t10000000\t.\tA\tT\t.\t.\t.\n" + // N padding
		"21\t46000000\t.\tA\tT\t.\t.\t.\n" // past the stored sequence
	var out bytes.Buffer
	sum, err := e.Run(context.Background(), strings.NewReader(in), &out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "##INFO=<ID=REF_MISMATCH,Number=0,Type=Flag,") {
		t.Error("REF_MISMATCH is not declared")
	}
	recs := dataLines(out.Bytes())
	if !strings.Contains(recs[0], "REF_MISMATCH") || strings.Contains(recs[0], "CSQ=") {
		t.Errorf("mismatching REF: %.200s", recs[0])
	}
	for _, r := range recs[1:3] {
		if strings.Contains(r, "REF_MISMATCH") || !strings.Contains(r, "CSQ=") {
			t.Errorf("matching REF: %.200s", r)
		}
	}
	for i, r := range recs[3:] {
		if want := strings.Split(in, "\n")[i+5]; r != want {
			t.Errorf("uncovered record changed: %q, want %q", r, want)
		}
	}
	if sum.RefChecked != 3 || sum.RefMismatch != 1 || sum.NotCovered != 2 || sum.NotCoveredPositions != 2 || sum.AnnotatedAlleles != 2 {
		t.Errorf("checked %d mismatch %d not covered %d (%d positions) annotated %d",
			sum.RefChecked, sum.RefMismatch, sum.NotCovered, sum.NotCoveredPositions, sum.AnnotatedAlleles)
	}
	codes := map[string]bool{}
	for _, w := range sum.Warnings {
		codes[w.Code] = true
	}
	if !codes["ref_mismatch"] || !codes["other_assembly"] { // 1 of 3 is over 5%
		t.Errorf("warnings %v", sum.Warnings)
	}
}

// TestAssemblyWarnings: ##contig lengths and ##reference/##assembly lines
// naming another assembly give warnings; GRCh38's own lengths do not, even
// though the mini bundle holds only part of chr21.
func TestAssemblyWarnings(t *testing.T) {
	e := miniEngine(t)
	for _, c := range []struct {
		header string
		codes  []string
	}{
		{"##contig=<ID=21,assembly=GCF_000001405.26,length=46709983>\n##reference=GRCh38\n", nil},
		{"##contig=<ID=chr21,length=48129895>\n", []string{"contig_length"}},
		{"##contig=<ID=chrM,length=16571>\n", []string{"contig_length"}},
		{"##reference=human_b36_both.fasta\n", []string{"assembly"}},
		{"##assembly=hg19\n##contig=<ID=22,length=51304566>\n", []string{"assembly"}}, // 22 is not in the bundle
	} {
		in := "##fileformat=VCFv4.2\n" + c.header + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n21\t25592826\t.\tG\tA\t.\t.\t.\n"
		sum, err := e.Run(context.Background(), strings.NewReader(in), io.Discard, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range sum.Warnings {
			got = append(got, w.Code)
		}
		if !slices.Equal(got, c.codes) {
			t.Errorf("%q: warnings %v, want codes %v", c.header, sum.Warnings, c.codes)
		}
	}
}

// TestProvenance: the ##GAS header line and the summary name GAS's version,
// the bundle id and every source with its sha256 (as listed in the mini
// reference's SHA256SUMS) and release.
func TestProvenance(t *testing.T) {
	e := miniEngine(t)
	in := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n21\t25592826\t.\tG\tA\t.\t.\t.\n"
	var out bytes.Buffer
	sum, err := e.Run(context.Background(), strings.NewReader(in), &out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := sum.Provenance
	if p == nil || p.GASVersion == "" || !strings.HasPrefix(p.BundleID, "GRCh38-") || len(p.Sources) != 6 {
		t.Fatalf("provenance %+v", p)
	}
	var line string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "##GAS=") {
			line = l
		}
	}
	sums := testshared.Read(t, "refdata", "grch38-mini", "SHA256SUMS")
	releases := map[string]string{"dbsnp149.chr21.vcf.gz": "dbSNP 149", "chrM.fa": "NC_012920.1"}
	for _, s := range p.Sources {
		if !strings.Contains(string(sums), s.SHA256+"  "+s.File) {
			t.Errorf("source %s: sha256 %s is not the one in SHA256SUMS", s.File, s.SHA256)
		}
		if !strings.Contains(line, s.File+" sha256:"+s.SHA256) {
			t.Errorf("##GAS line lacks %s: %s", s.File, line)
		}
		if s.Release != releases[s.File] {
			t.Errorf("source %s: release %q, want %q", s.File, s.Release, releases[s.File])
		}
	}
	for _, want := range []string{`##GAS="` + p.GASVersion + `"`, `bundle="` + p.BundleID + `"`, `assembly="GRCh38"`, `known="dbsnp149.chr21.vcf.gz sha256:`} {
		if !strings.Contains(line, want) {
			t.Errorf("##GAS line lacks %q: %s", want, line)
		}
	}
}
