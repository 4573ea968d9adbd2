package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/testshared"
)

func TestRefdataBuildAndInfo(t *testing.T) {
	s := testshared.Path(t, "refdata", "grch38-mini")
	out := filepath.Join(t.TempDir(), "bundle")
	var stdout, stderr bytes.Buffer
	err := refdataBuild(context.Background(), []string{"-o", out, "--assembly", "GRCh38",
		"--fasta", filepath.Join(s, "chr21.fa.gz"), "--fasta", filepath.Join(s, "chrM.fa"),
		"--genes", filepath.Join(s, "chr21.genes.gff3.gz"), "--genes", filepath.Join(s, "chrM.genes.gff3"),
		"--known", filepath.Join(s, "dbsnp149.chr21.vcf.gz"), "--cytoband", filepath.Join(s, "cytoBand.hg38.txt.gz"),
	}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	stdout.Reset()
	if err := refdataInfo([]string{out}, &stdout); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"assembly GRCh38", "2 chromosomes, 63 genes, 90 transcripts", "chr21.fa.gz", "MT "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("info output lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestRefdataErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage"},
		{[]string{"frobnicate"}, "unknown subcommand"},
		{[]string{"build", "--fasta", "x.fa"}, "-o and at least one --fasta"},
		{[]string{"build", "-o", t.TempDir() + "/b", "--fasta", "/nonexistent.fa"}, "no such file"},
		{[]string{"info", t.TempDir()}, "not a GAS reference bundle"},
		{[]string{"info"}, "exactly one"},
	}
	for _, tc := range tests {
		err := runRefdata(context.Background(), tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("gas refdata %v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}
