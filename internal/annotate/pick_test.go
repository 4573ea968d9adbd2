package annotate

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

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
	near, _ := csqByAllele(t, "chr21_vep_test.vcf", Options{Distance: 100})
	def, _ := csqByAllele(t, "chr21_vep_test.vcf", Options{})
	far, hdr := csqByAllele(t, "chr21_vep_test.vcf", Options{Distance: 20000})
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

func TestRunOptionsRefused(t *testing.T) {
	for _, o := range []Options{{Transcripts: "best"}, {Distance: -1}, {Distance: MaxDistance + 1}} {
		_, err := miniEngine(t).Run(context.Background(), strings.NewReader(hdr), &bytes.Buffer{}, o)
		if err == nil || !strings.Contains(err.Error(), "transcripts") && !strings.Contains(err.Error(), "distance") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
