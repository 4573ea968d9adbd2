package refdata

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// tinySources writes a small synthetic reference and returns its options.
func tinySources(t *testing.T, knownVCF string) BuildOptions {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	chr1 := "ACGTACGTAC" + strings.Repeat("N", 1500) + "GGGCCCAAATTTGGGCCCAAATTTGGGCCCAAATTTGGGC" // 1550 bp
	fasta := ">chr1\n" + chr1 + "\n>chrM\nGATCACAGGTCTATCACCCTATTAACCACT\n"
	gtf := "1\tx\ttranscript\t1511\t1540\t.\t+\t.\tgene_id \"G1\"; transcript_id \"T1\"; transcript_biotype \"lncRNA\";\n" +
		"1\tx\texon\t1511\t1540\t.\t+\t.\tgene_id \"G1\"; transcript_id \"T1\";\n" +
		"9\tx\texon\t1\t10\t.\t+\t.\tgene_id \"G9\"; transcript_id \"T9\";\n"
	return BuildOptions{
		Out:      filepath.Join(dir, "out", "bundle"),
		Assembly: "test",
		FASTA:    []string{write("tiny.fa.gz", bgzf(fasta))},
		Genes:    []string{write("tiny.gtf", []byte(gtf))},
		Known:    []string{write("known.vcf", []byte(knownVCF))},
		Cytoband: []string{write("cyto.txt", []byte("chr1\t0\t1000\tp1\tgneg\nchr1\t1000\t1550\tq1\tgpos\n"))},
	}
}

func TestBundleRoundTrip(t *testing.T) {
	defer func(v int64) { mmapThreshold = v }(mmapThreshold)
	mmapThreshold = 0 // exercise the mapped path on a tiny file
	// Trimming moves the deletion at POS 1511 to 1512, after the SNV at 1511
	// and level with the SNV at 1512: the bundle must store them sorted.
	vcf := "#CHROM\tPOS\tID\tREF\tALT\n" +
		"chr1\t1511\trsDel\tGGGC\tG\n" +
		"chr1\t1511\trsA\tG\tA\n" +
		"chr1\t1512\trsB\tG\tT\n" +
		"chr9\t5\trsX\tA\tG\n"
	o := tinySources(t, vcf)
	m, err := Build(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts.Chromosomes != 2 || m.Counts.Transcripts != 1 || m.Counts.KnownVariants != 3 ||
		m.Counts.SkippedKnown != 1 || m.Counts.SkippedTranscripts != 1 || m.Counts.StoredBases != 50+30 {
		t.Errorf("counts = %+v", m.Counts)
	}
	b, err := Open(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := b.Chrom("1")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Seq(9, 12); s != "ACNN" {
		t.Errorf("Seq(9,12) = %q", s)
	}
	if s, _ := c.Seq(1509, 1513); s != "NNGGG" {
		t.Errorf("Seq(1509,1513) = %q", s)
	}
	var ids []string
	for _, v := range c.Known(1, 2000) {
		ids = append(ids, v.ID)
	}
	if strings.Join(ids, ",") != "rsA,rsDel,rsB" {
		t.Errorf("known order = %v", ids)
	}
	if got := c.Transcripts(1, 1510); len(got) != 0 {
		t.Errorf("transcripts before T1: %v", got)
	}
	if got := c.Transcripts(1540, 1550); len(got) != 1 || got[0].ID != "T1" {
		t.Errorf("Transcripts(1540,1550) = %v", got)
	}
	if c.Cytoband(1000) != "p1" || c.Cytoband(1001) != "q1" {
		t.Error("cytoband boundary")
	}

	// Concurrent first use of a chromosome and concurrent block reads.
	b2, _ := Open(o.Out)
	defer b2.Close()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c, err := b2.Chrom("chr1")
			if err != nil || len(c.Known(1511, 1512)) != 3 {
				t.Errorf("concurrent Chrom: %v", err)
			}
		})
	}
	wg.Wait()

	// A rebuild replaces the bundle in place.
	if _, err := Build(context.Background(), o); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	if _, err := Open(o.Out); err != nil {
		t.Fatal(err)
	}
}

func TestFailedBuildLeavesNothing(t *testing.T) {
	unsorted := "#CHROM\tPOS\tID\tREF\tALT\nchr1\t1520\trs1\tA\tG\nchr1\t1511\trs2\tG\tA\n"
	o := tinySources(t, unsorted)
	_, err := Build(context.Background(), o)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || !strings.Contains(pe.Msg, "sorted") {
		t.Fatalf("unsorted VCF: %v", err)
	}
	parent := filepath.Dir(o.Out)
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("failed build left %v in %s", entries, parent)
	}

	// Cancelled build: same.
	o = tinySources(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, o); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled build: %v", err)
	}
	if _, err := os.Stat(o.Out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cancelled build left %s", o.Out)
	}

	// A non-empty directory that is not a bundle is never replaced.
	os.MkdirAll(o.Out, 0o755)
	os.WriteFile(filepath.Join(o.Out, "precious.txt"), []byte("x"), 0o644)
	if _, err := Build(context.Background(), o); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("overwrite of a non-bundle: %v", err)
	}
}

func TestBuildRejectsWrongAssembly(t *testing.T) {
	o := tinySources(t, "")
	gtf := "chr1\tx\texon\t1500\t1600\t.\t+\t.\tgene_id \"G\"; transcript_id \"T\";\n"
	os.WriteFile(o.Genes[0], []byte(gtf), 0o644)
	if _, err := Build(context.Background(), o); err == nil || !strings.Contains(err.Error(), "beyond the sequence length") {
		t.Errorf("transcript past the chromosome end: %v", err)
	}
}

func TestRelease(t *testing.T) {
	defer func(v int64) { mmapThreshold = v }(mmapThreshold)
	mmapThreshold = 0
	o := tinySources(t, "#CHROM\tPOS\tID\tREF\tALT\nchr1\t1511\trsA\tG\tA\n")
	if _, err := Build(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	b, err := Open(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	held, _ := b.Chrom("1")
	b.Release("chr1")
	runtime.GC()
	runtime.GC()
	// A caller still holding the chromosome keeps it usable.
	if s, err := held.Seq(1511, 1513); err != nil || s != "GGG" {
		t.Errorf("held chromosome after Release: %q %v", s, err)
	}
	again, _ := b.Chrom("1")
	if again == held {
		t.Error("Release did not drop the chromosome")
	}
	held = nil
	runtime.GC()
	runtime.GC()
	if s, _ := again.Seq(1, 4); s != "ACGT" || len(again.Known(1511, 1511)) != 1 {
		t.Errorf("reloaded chromosome: %q", s)
	}
}
