package annotate

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/testshared"
)

// csqByAllele runs the engine with opts on a shared VCF and returns, per
// record and allele, its CSQ entries split into fields.
func csqByAllele(t *testing.T, file string, opts Options) (map[string][][]string, string) {
	t.Helper()
	in := testshared.Read(t, "vcf", file)
	var out bytes.Buffer
	if _, err := miniEngine(t).Run(context.Background(), bytes.NewReader(in), &out, opts); err != nil {
		t.Fatal(err)
	}
	got := map[string][][]string{}
	var header strings.Builder
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "#") {
			header.WriteString(line + "\n")
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 8 {
			continue
		}
		for _, kv := range strings.Split(cols[7], ";") {
			if csq, ok := strings.CutPrefix(kv, "CSQ="); ok {
				for _, e := range strings.Split(csq, ",") {
					f := strings.Split(e, "|")
					key := cols[0] + ":" + cols[1] + ":" + cols[3] + ">" + f[0]
					got[key] = append(got[key], f)
				}
			}
		}
	}
	return got, header.String()
}

// CSQ field positions (CSQFields).
const (
	fConsequence = 1
	fGene        = 4
	fFeature     = 6
	fBiotype     = 7
	fDistance    = 18
	fCanonical   = 22
)

func TestTranscriptSets(t *testing.T) {
	all, hdr := csqByAllele(t, "chr21_vep_test.vcf", Options{})
	if !strings.Contains(hdr, `##GAS_options="transcripts=all distance=5000"`) {
		t.Fatalf("header lacks the options line:\n%s", hdr)
	}
	pickd, hdr := csqByAllele(t, "chr21_vep_test.vcf", Options{Transcripts: TranscriptsPick})
	if !strings.Contains(hdr, `##GAS_options="transcripts=pick distance=5000"`) {
		t.Fatal("pick not recorded in the header")
	}
	perGene, _ := csqByAllele(t, "chr21_vep_test.vcf", Options{Transcripts: TranscriptsPerGene})
	canon, _ := csqByAllele(t, "chr21_vep_test.vcf", Options{Transcripts: TranscriptsCanonical})
	if len(all) < 100 || len(pickd) != len(all) || len(perGene) != len(all) || len(canon) != len(all) {
		t.Fatalf("alleles: all %d, pick %d, per_gene %d, canonical %d", len(all), len(pickd), len(perGene), len(canon))
	}
	sawChoice := 0
	for key, entries := range all {
		p := pickd[key]
		if len(p) != 1 || !slices.ContainsFunc(entries, func(e []string) bool { return slices.Equal(e, p[0]) }) {
			t.Fatalf("%s: pick gave %v, not one of the %d entries", key, p, len(entries))
		}
		// The pick is canonical whenever a canonical protein-coding entry exists.
		hasCanonPC := slices.ContainsFunc(entries, func(e []string) bool { return e[fCanonical] == "YES" && e[fBiotype] == "protein_coding" })
		if hasCanonPC && (p[0][fCanonical] != "YES" || p[0][fBiotype] != "protein_coding") {
			t.Errorf("%s: picked %s although a canonical protein-coding entry exists", key, p[0][fFeature])
		}
		if len(entries) > 1 {
			sawChoice++
		}
		genes := map[string]int{}
		for _, e := range entries {
			genes[e[fGene]]++
		}
		pg := map[string]int{}
		for _, e := range perGene[key] {
			pg[e[fGene]]++
			if !slices.ContainsFunc(entries, func(x []string) bool { return slices.Equal(x, e) }) {
				t.Fatalf("%s: per_gene entry %v not among all", key, e)
			}
		}
		if len(pg) != len(genes) || slices.ContainsFunc(slices.Collect(maps.Values(pg)), func(n int) bool { return n != 1 }) {
			t.Fatalf("%s: per_gene %v, genes %v", key, pg, genes)
		}
		for _, e := range canon[key] {
			if e[fCanonical] != "YES" && e[fConsequence] != "intergenic_variant" {
				t.Fatalf("%s: canonical set has %s", key, e[fFeature])
			}
		}
	}
	if sawChoice < 50 {
		t.Fatalf("only %d alleles had a choice; the test checks little", sawChoice)
	}
}

func TestDistance(t *testing.T) {
	maxDist := func(m map[string][][]string) (n, entries int) {
		for _, es := range m {
			for _, e := range es {
				entries++
				if d, err := strconv.Atoi(e[fDistance]); err == nil {
					n = max(n, d)
				}
			}
		}
		return n, entries
	}
	near, _ := csqByAllele(t, "chr21_vep_test.vcf", Options{Distance: new(100)})
	def, _ := csqByAllele(t, "chr21_vep_test.vcf", Options{})
	far, hdr := csqByAllele(t, "chr21_vep_test.vcf", Options{Distance: new(20000)})
	if !strings.Contains(hdr, "distance=20000") {
		t.Fatal("distance not recorded")
	}
	dn, nn := maxDist(near)
	dd, nd := maxDist(def)
	df, nf := maxDist(far)
	if dn > 100 || dd > 5000 || dd <= 100 || df <= 5000 || df > 20000 || !(nn < nd && nd < nf) {
		t.Fatalf("max DISTANCE / entries: 100 -> %d/%d, 5000 -> %d/%d, 20000 -> %d/%d", dn, nn, dd, nd, df, nf)
	}
}

// TestDistanceZero: a window of 0 bases gives no upstream or downstream
// entries at all (VEP's --distance 0), where 1 base already gives some; 0
// is recorded as 0, not taken for the default.
func TestDistanceZero(t *testing.T) {
	flanking := func(m map[string][][]string) (n int) {
		for _, entries := range m {
			for _, e := range entries {
				if strings.Contains(e[fConsequence], "upstream_gene_variant") || strings.Contains(e[fConsequence], "downstream_gene_variant") {
					n++
				}
			}
		}
		return n
	}
	zero, hdr := csqByAllele(t, "chr21_vep_test.vcf", Options{Distance: new(0)})
	if !strings.Contains(hdr, `##GAS_options="transcripts=all distance=0"`) {
		t.Fatalf("distance 0 not recorded:\n%s", hdr)
	}
	one, _ := csqByAllele(t, "chr21_vep_test.vcf", Options{Distance: new(1)})
	def, _ := csqByAllele(t, "chr21_vep_test.vcf", Options{})
	if n0, n1, nd := flanking(zero), flanking(one), flanking(def); n0 != 0 || nd <= n1 {
		t.Fatalf("upstream/downstream entries: distance 0 -> %d, 1 -> %d, default -> %d", n0, n1, nd)
	}
	if len(zero) != len(def) {
		t.Fatalf("alleles: distance 0 %d, default %d", len(zero), len(def))
	}
}

// TestDistanceZeroOneBaseUpstream: a SNV 1 bp before a + strand transcript
// (and in no other) is upstream_gene_variant at DISTANCE 1 with distance 1
// and by default, and intergenic with distance 0.
func TestDistanceZeroOneBaseUpstream(t *testing.T) {
	e := miniEngine(t)
	c, err := miniBundle.Chrom("21")
	if err != nil {
		t.Fatal(err)
	}
	var tx *refdata.Transcript
	for _, x := range c.Transcripts(1, c.Length) {
		if x.Strand == 1 && x.Start > 1 && len(c.Transcripts(x.Start-1, x.Start-1)) == 0 {
			tx = x
			break
		}
	}
	if tx == nil {
		t.Fatal("no + strand transcript with a free base before it in the mini bundle")
	}
	ref, err := c.Seq(tx.Start-1, tx.Start-1)
	if err != nil {
		t.Fatal(err)
	}
	alt := map[string]string{"A": "C", "C": "G", "G": "T", "T": "A"}[ref]
	if alt == "" {
		t.Fatalf("base %q before %s", ref, tx.ID)
	}
	vcf := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
		"21\t" + strconv.Itoa(tx.Start-1) + "\t.\t" + ref + "\t" + alt + "\t.\t.\t.\n"
	for _, tc := range []struct {
		name     string
		distance *int
		want     string // the transcript's entry: "consequence DISTANCE", "" for none
	}{
		{"default", nil, "upstream_gene_variant 1"},
		{"one", new(1), "upstream_gene_variant 1"},
		{"zero", new(0), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if _, err := e.Run(context.Background(), strings.NewReader(vcf), &out, Options{Distance: tc.distance}); err != nil {
				t.Fatal(err)
			}
			got, csq := "", ""
			for _, line := range strings.Split(out.String(), "\n") {
				if _, info, ok := strings.Cut(line, "CSQ="); ok && !strings.HasPrefix(line, "#") {
					csq = info
				}
			}
			for _, entry := range strings.Split(csq, ",") {
				f := strings.Split(entry, "|")
				if len(f) > fDistance && strings.HasPrefix(f[fFeature], tx.ID) {
					got = f[fConsequence] + " " + f[fDistance]
				}
			}
			if got != tc.want {
				t.Fatalf("%s at %d (before %s at %d): entry %q, want %q; CSQ %s", ref, tx.Start-1, tx.ID, tx.Start, got, tc.want, csq)
			}
			if tc.want == "" && !strings.HasPrefix(csq, alt+"|intergenic_variant|") {
				t.Fatalf("CSQ %s, want intergenic_variant only", csq)
			}
		})
	}
}

func TestRunOptionsRefused(t *testing.T) {
	for _, o := range []Options{{Transcripts: "best"}, {Distance: new(-1)}, {Distance: new(MaxDistance + 1)}} {
		_, err := miniEngine(t).Run(context.Background(), strings.NewReader(hdr), &bytes.Buffer{}, o)
		if err == nil || !strings.Contains(err.Error(), "transcripts") && !strings.Contains(err.Error(), "distance") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
