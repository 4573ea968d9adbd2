package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/variants"
)

// TestAnnotateVariants: gas annotate --variants writes the index a
// variants.Builder makes of OUT, byte for byte, and gas variants prints its
// rows that match the filters, the ones a reading of OUT's CSQ finds; with
// a BGZF OUT, the index reads the same rows from it.
func TestAnnotateVariants(t *testing.T) {
	dir := t.TempDir()
	shared, bundle := miniBundle(t, dir)
	ctx := context.Background()
	in := filepath.Join(shared, "vcf", "chr21_vep_test.vcf")
	out, idx := filepath.Join(dir, "out.vcf"), filepath.Join(dir, "out.idx")
	if err := runAnnotate(ctx, []string{"--ref", bundle, "--log", os.DevNull, "-o", out, "--variants", idx, in}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	vcfText, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	b := variants.NewBuilder(&want)
	if _, err := b.Write(vcfText); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(variants.PlainResult); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("--variants wrote %d bytes, not the %d a Builder makes of OUT", len(got), want.Len())
	}

	ix, err := variants.Open(bytes.NewReader(got), int64(len(got)), bytes.NewReader(vcfText))
	if err != nil {
		t.Fatal(err)
	}
	// A BGZF OUT (with or without --index): the same rows.
	var all strings.Builder
	if err := printVariants(ctx, &all, ix, variants.Query{}, false); err != nil {
		t.Fatal(err)
	}
	for i, extra := range [][]string{nil, {"--index"}} {
		gzOut, gzIdx := filepath.Join(dir, strconv.Itoa(i)+".vcf.gz"), filepath.Join(dir, strconv.Itoa(i)+".idx")
		args := append([]string{"--ref", bundle, "--log", os.DevNull, "-o", gzOut, "--variants", gzIdx}, append(extra, in)...)
		if err := runAnnotate(ctx, args); err != nil {
			t.Fatal(err)
		}
		var gzAll bytes.Buffer
		old := os.Stdout
		r, w, _ := os.Pipe()
		os.Stdout = w
		done := make(chan error)
		go func() { _, err := gzAll.ReadFrom(r); done <- err }()
		err := runVariants(ctx, []string{gzOut, gzIdx})
		w.Close()
		os.Stdout = old
		<-done
		if err != nil || gzAll.String() != all.String() || !strings.Contains(all.String(), "ENST") {
			t.Fatalf("gas variants of a BGZF OUT %v: %v; %d bytes of rows, %d from the plain OUT", extra, err, gzAll.Len(), all.Len())
		}
	}
	impactAt := csqFieldAt(t, string(vcfText), "IMPACT")
	for _, tc := range []struct {
		args    []string
		impacts map[string]bool // nil: all
	}{
		{nil, nil},
		{[]string{"impact=HIGH,MODERATE"}, map[string]bool{"HIGH": true, "MODERATE": true}},
		{[]string{"impact=LOW"}, map[string]bool{"LOW": true}},
	} {
		want := 0
		for _, e := range csqEntries(string(vcfText)) {
			if f := strings.Split(e, "|"); tc.impacts == nil || tc.impacts[f[impactAt]] {
				want++
			}
		}
		if want == 0 {
			t.Fatalf("%v: OUT has no such entry; the case tests nothing", tc.args)
		}
		q, err := variantsQuery(tc.args)
		if err != nil {
			t.Fatal(err)
		}
		var tsv, count strings.Builder
		if err := printVariants(ctx, &tsv, ix, q, false); err != nil {
			t.Fatal(err)
		}
		if err := printVariants(ctx, &count, ix, q, true); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(tsv.String(), "\n"), "\n")
		if lines[0]+"\n" != variants.TSVHeader || len(lines)-1 != want || count.String() != strconv.Itoa(want)+"\n" {
			t.Errorf("%v: %d rows, count %q; OUT has %d such entries", tc.args, len(lines)-1, count.String(), want)
		}
		for _, l := range lines[1:] {
			if f := strings.Split(l, "\t"); tc.impacts != nil && !tc.impacts[f[11]] {
				t.Errorf("%v: row with impact %s", tc.args, f[11])
			}
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{out, idx, "impact=SEVERE"}, `impact "SEVERE"`},
		{[]string{out, idx, "colour=red"}, `unknown filter "colour"`},
		{[]string{out, idx, "max_af=NaN"}, `max_af "NaN" is not a frequency between 0 and 1`},
		{[]string{out, idx, "canonical=t"}, `canonical "t" is not one of true, 1, yes, on`},
		{[]string{out, idx, "sort=gene"}, "every matching row"},
		{[]string{out, idx, "HIGH"}, "want NAME=VALUE"},
		{[]string{out, out}, out + ": variant index: not a GAS variant index"},
		{[]string{out, filepath.Join(dir, "missing.idx")}, "missing.idx"},
		{[]string{filepath.Join(dir, "missing.vcf"), idx}, "missing.vcf"},
		{[]string{filepath.Join(dir, "0.vcf.gz"), idx}, "0.vcf.gz is not the annotated VCF " + idx + " was built of"},
		{[]string{idx}, "need the annotated VCF OUT and its index file IDX"},
		{[]string{idx, "impact=HIGH"}, "need the annotated VCF OUT and its index file IDX"},
		{nil, "need the annotated VCF OUT"},
	} {
		if err := runVariants(ctx, tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("gas variants %v: %v, want an error with %q", tc.args, err, tc.want)
		}
	}
	// canonical takes the API's words, in any case.
	for arg, want := range map[string]bool{"canonical=TRUE": true, "canonical=Yes": true, "canonical=on": true, "canonical=Off": false, "canonical=0": false} {
		if q, err := variantsQuery([]string{arg}); err != nil || q.Canonical != want {
			t.Errorf("%s: canonical %v, %v; want %v", arg, q.Canonical, err, want)
		}
	}
	if err := runAnnotate(ctx, []string{"--ref", bundle, "-o", out, "--variants", "-", in}); err == nil || !strings.Contains(err.Error(), "--variants needs a file") {
		t.Errorf("--variants -: %v", err)
	}
}

// csqFieldAt is field name's place in the CSQ header's Format.
func csqFieldAt(t *testing.T, vcfText, name string) int {
	for _, l := range strings.Split(vcfText, "\n") {
		if _, f, ok := strings.Cut(l, "##INFO=<ID=CSQ,"); ok {
			_, format, _ := strings.Cut(f, "Format: ")
			format, _, _ = strings.Cut(format, "\"")
			for i, n := range strings.Split(format, "|") {
				if n == name {
					return i
				}
			}
		}
	}
	t.Fatalf("no CSQ field %s in the header", name)
	return 0
}

// csqEntries are every record's CSQ entries.
func csqEntries(vcfText string) []string {
	var out []string
	for _, l := range strings.Split(vcfText, "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		info := strings.Split(l, "\t")[7]
		for _, kv := range strings.Split(info, ";") {
			if v, ok := strings.CutPrefix(kv, "CSQ="); ok {
				out = append(out, strings.Split(v, ",")...)
			}
		}
	}
	return out
}
