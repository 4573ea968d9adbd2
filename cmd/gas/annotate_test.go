package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/testshared"
)

// miniBundle builds the mini reference bundle from ../shared in dir/bundle;
// it returns the shared directory and the bundle's.
func miniBundle(t *testing.T, dir string) (shared, bundle string) {
	t.Helper()
	shared = testshared.Dir(t)
	bundle = filepath.Join(dir, "bundle")
	if _, err := refdata.BuildMini(context.Background(), shared, bundle); err != nil {
		t.Fatal(err)
	}
	return shared, bundle
}

func TestRunAnnotate(t *testing.T) {
	dir := t.TempDir()
	shared, bundle := miniBundle(t, dir)
	ctx := context.Background()

	t.Run("gz output, summary and log, flags after IN", func(t *testing.T) {
		out := filepath.Join(dir, "out.vcf.gz")
		sum, log := filepath.Join(dir, "s.json"), filepath.Join(dir, "l.txt")
		in := filepath.Join(shared, "vcf", "chr21_vep_test.vcf")
		if err := runAnnotate(ctx, []string{"--ref", bundle, in, "-o", out, "--summary", sum, "--log", log}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil || len(b) < 28 || b[0] != 0x1f || b[12] != 'B' || b[13] != 'C' {
			t.Fatalf("output is not BGZF (%v)", err)
		}
		var s struct {
			Records   int64 `json:"records"`
			KnownHits int64 `json:"known_hits"`
		}
		js, _ := os.ReadFile(sum)
		if err := json.Unmarshal(js, &s); err != nil || s.Records != 132 || s.KnownHits != 132 {
			t.Errorf("summary %s: %v", js, err)
		}
		if txt, _ := os.ReadFile(log); !strings.Contains(string(txt), "records:            132") {
			t.Errorf("log:\n%s", txt)
		}
	})

	t.Run("--index --sync writes a .tbi that tabix reads", func(t *testing.T) {
		bin := testshared.Tool(t, "tabix", "tabix")
		out := filepath.Join(t.TempDir(), "idx.vcf.gz")
		in := filepath.Join(shared, "vcf", "chr21_vep_test.vcf")
		if err := runAnnotate(ctx, []string{"--ref", bundle, "--index", "--sync", "--log", os.DevNull, "-o", out, in}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(out + ".tbi"); err != nil {
			t.Fatal(err)
		}
		got, err := exec.Command(bin, out, "21:25000000-26000000").Output()
		if err != nil || strings.Count(string(got), "\n") != 132 {
			t.Errorf("tabix query: %v, %d lines", err, strings.Count(string(got), "\n"))
		}
		if err := runAnnotate(ctx, []string{"--ref", bundle, "--index", "-o", filepath.Join(t.TempDir(), "x.vcf"), in}); err == nil || !strings.Contains(err.Error(), "--index needs") {
			t.Errorf("--index with plain output: %v", err)
		}
	})

	t.Run("--index on unsorted input keeps the VCF and its variant index and says why there is no tabix index", func(t *testing.T) {
		lines := strings.SplitAfter(string(testshared.Read(t, "vcf", "chr21_vep_test.vcf")), "\n")
		var head, body []string
		for _, l := range lines {
			if strings.HasPrefix(l, "#") {
				head = append(head, l)
			} else if l != "" {
				body = append([]string{l}, body...) // reversed: not sorted by position
			}
		}
		in := filepath.Join(t.TempDir(), "unsorted.vcf")
		if err := os.WriteFile(in, []byte(strings.Join(append(head, body...), "")), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "u.vcf.gz")
		idx := out + ".idx"
		err := runAnnotate(ctx, []string{"--ref", bundle, "--index", "--variants", idx, "--log", os.DevNull, "-o", out, in})
		if err == nil || !strings.Contains(err.Error(), "written, but not indexed") || !strings.Contains(err.Error(), "sorted by position") {
			t.Errorf("err = %v", err)
		}
		if _, err := os.Stat(out); err != nil {
			t.Errorf("the VCF is not kept: %v", err)
		}
		if _, err := os.Stat(out + ".tbi"); !os.IsNotExist(err) {
			t.Errorf("an index was written: %v", err)
		}
		if _, err := os.Stat(idx); err != nil { // the variant index needs no sorted input
			t.Errorf("the variant index is not kept with the VCF: %v", err)
		}
	})

	t.Run("run options: header records them, bad ones refused", func(t *testing.T) {
		in := filepath.Join(shared, "vcf", "chr21_vep_test.vcf")
		out := filepath.Join(t.TempDir(), "pick.vcf")
		if err := runAnnotate(ctx, []string{"--ref", bundle, "--transcripts", "pick", "--distance", "2000", "--log", os.DevNull, "-o", out, in}); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(out); !strings.Contains(string(b), `##GAS_options="transcripts=pick distance=2000"`) {
			t.Error("options not in the header")
		}
		for _, args := range [][]string{{"--transcripts", "best"}, {"--distance", "-5"}} {
			err := runAnnotate(ctx, append([]string{"--ref", bundle, "-o", filepath.Join(t.TempDir(), "x.vcf"), in}, args...))
			if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(args[0], "--")) {
				t.Errorf("%v: %v", args, err)
			}
		}
	})

	t.Run("--distance 0: no upstream/downstream entries, recorded as 0", func(t *testing.T) {
		in := filepath.Join(shared, "vcf", "chr21_vep_test.vcf")
		flanking := map[string]int{}
		for _, d := range []string{"0", "1", "5000"} {
			out := filepath.Join(t.TempDir(), "d"+d+".vcf")
			if err := runAnnotate(ctx, []string{"--ref", bundle, "--distance", d, "--log", os.DevNull, "-o", out, in}); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(out)
			if !strings.Contains(string(b), `##GAS_options="transcripts=all distance=`+d+`"`) {
				t.Errorf("--distance %s not recorded in the header", d)
			}
			flanking[d] = strings.Count(string(b), "upstream_gene_variant") + strings.Count(string(b), "downstream_gene_variant")
		}
		if flanking["0"] != 0 || flanking["5000"] <= flanking["1"] {
			t.Errorf("upstream/downstream entries by --distance: %v", flanking)
		}
	})

	t.Run("-h prints usage with value names and asks main to exit quietly", func(t *testing.T) {
		err := runAnnotate(ctx, []string{"-h"})
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("-h: %v", err)
		}
	})

	t.Run("bad input: line and reason, nothing at OUT or IDX", func(t *testing.T) {
		sub := t.TempDir()
		in := filepath.Join(sub, "bad.vcf")
		var b strings.Builder
		b.WriteString("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
		for i := 0; i < 5000; i++ {
			b.WriteString("21\t25585733\t.\tC\tT\t.\t.\t.\n")
		}
		b.WriteString("21\t25585733\t.\tCQ\tT\t.\t.\t.\n")
		os.WriteFile(in, []byte(b.String()), 0o644)
		out := filepath.Join(sub, "out.vcf")
		err := runAnnotate(ctx, []string{"--ref", bundle, "-o", out, "--variants", filepath.Join(sub, "out.idx"), in})
		if err == nil || !strings.Contains(err.Error(), "line 5003: REF \"CQ\"") || !strings.Contains(err.Error(), "bad.vcf") {
			t.Fatalf("err = %v", err)
		}
		ents, _ := os.ReadDir(sub)
		if len(ents) != 1 {
			t.Errorf("files left beside the input: %v", ents)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		if err := runAnnotate(ctx, []string{"x.vcf"}); err == nil {
			t.Error("no --ref accepted")
		}
		if err := runAnnotate(ctx, []string{"--ref", bundle}); err == nil {
			t.Error("no input accepted")
		}
	})
}

func TestWriteWarnings(t *testing.T) {
	var b strings.Builder
	writeWarnings(&b, &annotate.Summary{Warnings: []annotate.Warning{{Code: "assembly", Message: "the header's ##reference=hg19 names GRCh37; the reference is GRCh38"}}})
	if want := "gas annotate: warning (assembly): the header's ##reference=hg19 names GRCh37; the reference is GRCh38\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
