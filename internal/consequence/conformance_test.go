package consequence

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/testshared"
)

// conformanceFloor is the pass rate (comparable records) the suite must keep;
// set just under what the engine achieves so regressions fail the build.
const conformanceFloor = 0.97

// bcftoolsTerm maps bcftools csq consequence names to VEP's SO terms.
var bcftoolsTerm = map[string]string{
	"missense":           Missense,
	"synonymous":         Synonymous,
	"stop_gained":        StopGained,
	"stop_lost":          StopLost,
	"stop_retained":      StopRetained,
	"start_lost":         StartLost,
	"start_retained":     StartRetained,
	"splice_acceptor":    SpliceAcceptor,
	"splice_donor":       SpliceDonor,
	"splice_region":      SpliceRegion,
	"frameshift":         Frameshift,
	"inframe_deletion":   InframeDeletion,
	"inframe_insertion":  InframeInsertion,
	"inframe_altering":   ProteinAltering,
	"intron":             Intron,
	"5_prime_utr":        FivePrimeUTR,
	"3_prime_utr":        ThreePrimeUTR,
	"non_coding":         NonCodingTranscriptExon,
	"coding_sequence":    CodingSequence,
	"NMD_transcript":     NMDTranscript,
	"feature_elongation": FeatureElongation,
	"feature_truncation": FeatureTruncation,
	"intergenic":         Intergenic,
}

// vepDifferences lists records where bcftools' expectation differs from what
// VEP's rules give, with the rule that decides it; VEP wins for our output, so
// these are counted apart instead of bending the engine. Keys are
// "case/file.vcf:POS".
var vepDifferences = map[string]string{
	"EDUMMY0002/boundaries.vcf:11":                                "deletion removes the start codon from outside the transcript: no codon for a partial CDS overlap, start_lost",
	"ENSCAFT00000047742/test.vcf:104":                             "1-bp intron is a frameshift intron (<=12 bp): VEP treats it as exonic, no splice sites",
	"ENST00000227471/insert-splice-vs-frameshift.vcf:6609":        "2-bp frameshift intron; an insertion at an exon edge maps to the exon (coding), splice_region via VEP's insertion rule, no acceptor",
	"ENST00000545279/splice-region-insert.vcf:44572":              "2-bp frameshift intron; insertion at the exon edge is coding (frameshift) plus splice_region, no donor",
	"ENST00000230048/start-del.vcf:214":                           "1-bp deletion in the start codon: VEP's predicates are independent, frameshift_variant and start_lost",
	"ENST00000318249/start-lost.vcf:4959":                         "1-bp deletion in the start codon: frameshift_variant and start_lost",
	"ENST00000368801/compound-lost.vcf:11191":                     "1-bp deletion in the start codon: frameshift_variant; VEP's start checks give start_retained (UTR+CDS unchanged) and start_lost (no ATG at the old position) together",
	"ENST00000368801.2/start-lost.vcf:11191":                      "1-bp deletion in the start codon: frameshift_variant; VEP's start checks give start_retained (UTR+CDS unchanged) and start_lost (no ATG at the old position) together",
	"ENST00000318249.2/synonymous-start-lost.vcf:4958":            "deletion across 5' UTR and start codon: no codon; VEP's start checks give start_retained and start_lost together",
	"ENST00000375992/incorrect-synon-del-not-start-lost.vcf:6453": "deletion across 5' UTR and start codon: no codon, so no synonymous call; start_retained and start_lost as VEP's start checks give",
	"ENST00000409523/long-overlapping-del.vcf:18990":              "deletion from intron into CDS: splice_acceptor + coding_sequence_variant (VEP calls no frameshift without both CDS ends)",
	"ENST00000420670/start-stop-lost.vcf:44688":                   "ATG>ATA in an annotated start codon: start_lost (bcftools: missense, the 3-bp CDS has no stop)",
	"ENST00000423372/insert3.vcf:2723":                            "insertion 3 bases inside the exon edge: outside VEP's exonic splice region for insertions",
	"ENST00000423372/insert3.vcf:3630":                            "insertion in the stop codon, Ter>CysLeu: VEP's inframe_insertion needs the reference peptide kept at one end; stop_lost only",
	"ENST00000518414/incorrect-inframe-del.vcf:11397":             "deletion past the 3' end of a 3'-incomplete CDS: partial CDS overlap, coding_sequence_variant",
	"ENST00000528237/retained-stop-incomplete-cds.vcf:14714":      "Arg>Ter in a 3'-incomplete CDS: stop_gained in VEP",
	"ENST00000295641/not-a-start-lost.vcf:79":                     "codon 1 of a CDS that starts with AGG changes to ATG: VEP's start_lost fires for any codon-1 change not keeping the residue",
	"ENST00000390520/deletion-overlap.vcf:81":                     "deletion past the end of a transcript whose CDS ends at its last base: VEP's _after_coding overlap with the empty UTR range is true, so 3_prime_UTR_variant too",
	"ENST00000557788/long-overlap-del.vcf:90":                     "as above: deletion past a transcript without 3' UTR gets 3_prime_UTR_variant from VEP's _after_coding",
	"ENST00000519442/synon-splice-region-del.vcf:42130":           "VEP does not left-align: the deletion as written touches intron +8 (splice_region_variant); bcftools' left-aligned one does not",
}

// csqRecord is one VCF record of the suite with its expectation.
type csqRecord struct {
	file, chrom string
	line, pos   int
	ref         string
	alts        []string
	exp         string
}

// comparable reduces a term set to what both tools express: bcftools reports
// intron only when nothing else applies, folds VEP's donor 5th-base and donor
// region terms into splice_region, has no polypyrimidine-tract term, and has
// no flanking or non_coding_transcript_variant terms.
func comparable(terms map[string]bool) []string {
	out := map[string]bool{}
	for t := range terms {
		switch t {
		case SpliceDonor5thBase, SpliceDonorRegion:
			if !terms[SpliceDonor] && !terms[SpliceAcceptor] {
				out[SpliceRegion] = true
			}
		case SplicePolypyrimidineTract, Upstream, Downstream, Intergenic, NonCodingTranscript, NMDTranscript:
		default:
			out[t] = true
		}
	}
	if len(out) > 1 {
		delete(out, Intron)
	}
	var l []string
	for t := range out {
		l = append(l, t)
	}
	sort.Slice(l, func(i, j int) bool { return Rank(l[i]) < Rank(l[j]) })
	return l
}

// expectedByTx reads a bcftools BCSQ value (entries "terms|gene|transcript|..."):
// the expected terms of each transcript it names. Entries without a
// transcript and "@POS" references to a compound call are left out.
func expectedByTx(bcsq string) map[string]map[string]bool {
	want := map[string]map[string]bool{}
	for _, entry := range strings.Split(bcsq, ",") {
		f := strings.Split(entry, "|")
		if len(f) < 3 || f[2] == "" || strings.HasPrefix(f[0], "@") {
			continue
		}
		if want[f[2]] == nil {
			want[f[2]] = map[string]bool{}
		}
		for t := range expectedTerms(f[0]) {
			want[f[2]][t] = true
		}
	}
	return want
}

// perTranscriptAgree checks each expected entry that names a transcript
// against our entry for that transcript (bcftools leaves the transcript out of
// intron and non-coding entries; those are covered by the record-level check).
func perTranscriptAgree(exp string, byTx map[string]map[string]bool) bool {
	for tx, w := range expectedByTx(exp) {
		if !slices.Equal(comparable(w), comparable(byTx[tx])) {
			return false
		}
	}
	return true
}

func expectedTerms(exp string) map[string]bool {
	set := map[string]bool{}
	if exp == "." || exp == "" {
		return set
	}
	for _, entry := range strings.Split(exp, ",") {
		f := strings.SplitN(entry, "|", 2)[0]
		for _, c := range strings.Split(f, "&") {
			c = strings.TrimPrefix(c, "*")
			if so, ok := bcftoolsTerm[c]; ok {
				set[so] = true
			} else if c != "" {
				set["?"+c] = true
			}
		}
	}
	return set
}

// notMinimal reports whether VEP keeps bases that bcftools trims: after VEP's
// first-base stripping REF and ALT still share a first or last base. VEP then
// evaluates the whole REF span (VEP's documented behaviour), bcftools the
// minimal change, so the two legitimately disagree near exon boundaries.
func notMinimal(ref string, alts []string) bool {
	for _, alt := range alts {
		r, a := ref, alt
		if stripFirst(ref, alts) {
			r, a = r[1:], a[1:]
		}
		if r == "" || a == "" || (len(r) == 1 && len(a) == 1) {
			continue
		}
		if r[0] == a[0] || r[len(r)-1] == a[len(a)-1] {
			return true
		}
	}
	return false
}

func TestConformanceCSQCases(t *testing.T) {
	root := testshared.Path(t, "csq-cases")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var pass, fail, compound, convention, skipped int
	var failures, conventions []string
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		dir := filepath.Join(root, d.Name())
		vcfs, _ := filepath.Glob(filepath.Join(dir, "*.vcf"))
		fas, _ := filepath.Glob(filepath.Join(dir, "*.fa"))
		if len(vcfs) == 0 || len(fas) == 0 {
			continue
		}
		seqs := readFASTA(t, fas[0])
		for _, vcf := range vcfs {
			gff := gffFor(dir, vcf)
			if gff == "" {
				continue
			}
			txs := readGenes(t, gff, seqs)
			for _, r := range readCSQRecords(t, vcf) {
				if r.exp == "" {
					skipped++
					continue
				}
				if symbolic(r.alts) {
					skipped++
					continue
				}
				if isCompound(r.exp) {
					compound++
					continue
				}
				seq := chromSeq(seqs[r.chrom])
				got := map[string]bool{}
				byTx := map[string]map[string]bool{}
				var detail []string
				for _, alt := range r.alts {
					v := Variant{Chrom: r.chrom, Pos: r.pos, Ref: r.ref, Alt: alt, AllAlts: r.alts}
					for _, e := range Predict(v, near(txs, r.chrom, r.pos, r.pos+len(r.ref)), seq) {
						id, _, _ := strings.Cut(e.Feature, ".")
						if byTx[id] == nil {
							byTx[id] = map[string]bool{}
						}
						for _, c := range e.Consequences {
							got[c] = true
							byTx[id][c] = true
						}
						detail = append(detail, e.Feature+":"+strings.Join(e.Consequences, "&")+" "+e.HGVSc+" "+e.HGVSp)
					}
				}
				want, have := comparable(expectedTerms(r.exp)), comparable(got)
				if slices.Equal(want, have) && perTranscriptAgree(r.exp, byTx) {
					pass++
					continue
				}
				msg := r.file + ":" + strconv.Itoa(r.line) + " " + strconv.Itoa(r.pos) + " " + r.ref + ">" + strings.Join(r.alts, ",") +
					"\n\twant " + strings.Join(want, "&") + "  (" + r.exp + ")\n\tgot  " + strings.Join(have, "&") + "  " + strings.Join(detail, "; ")
				key := r.file + ":" + strconv.Itoa(r.pos)
				if why, ok := vepDifferences[key]; ok {
					convention++
					conventions = append(conventions, msg+"\n\tVEP rule: "+why)
					continue
				}
				if notMinimal(r.ref, r.alts) {
					convention++
					conventions = append(conventions, msg+"\n\tVEP rule: REF/ALT not minimal; VEP evaluates the whole REF span, bcftools the trimmed change")
					continue
				}
				fail++
				failures = append(failures, msg)
			}
		}
	}
	total := pass + fail
	rate := float64(pass) / float64(max(total, 1))
	t.Logf("csq-cases: %d/%d records agree (%.1f%%) excluding %d VEP-vs-bcftools convention differences (%.1f%% of all %d); %d compound (@) skipped; %d without expectation or symbolic",
		pass, total, 100*rate, convention, 100*float64(pass)/float64(max(total+convention, 1)), total+convention, compound, skipped)
	for _, m := range conventions {
		t.Logf("convention: %s", m)
	}
	for _, m := range failures {
		t.Logf("FAIL %s", m)
	}
	if rate < conformanceFloor {
		t.Errorf("pass rate %.3f below floor %.3f", rate, conformanceFloor)
	}
}

// gffFor picks the annotation of a VCF: <name>.gff beside it, else the case's
// only GFF.
func gffFor(dir, vcf string) string {
	if p := strings.TrimSuffix(vcf, ".vcf") + ".gff"; fileExists(p) {
		return p
	}
	if p := filepath.Join(dir, filepath.Base(dir)+".gff"); fileExists(p) {
		return p
	}
	gffs, _ := filepath.Glob(filepath.Join(dir, "*.gff"))
	if len(gffs) == 1 {
		return gffs[0]
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// readCSQRecords reads a suite VCF; the expectation is INFO/EXP, else the
// matching line of the *.txt-l file.
func readCSQRecords(t testing.TB, vcf string) []csqRecord {
	t.Helper()
	txtl := map[string]string{}
	if b, err := os.ReadFile(strings.TrimSuffix(vcf, ".vcf") + ".txt-l"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Split(l, "\t")
			if len(f) >= 4 {
				txtl[f[0]+"\t"+f[1]+"\t"+f[2]] = f[3]
			}
		}
	}
	f, err := os.Open(vcf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []csqRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) < 8 {
			continue
		}
		pos, err := strconv.Atoi(c[1])
		if err != nil {
			continue
		}
		r := csqRecord{file: filepath.Base(filepath.Dir(vcf)) + "/" + filepath.Base(vcf), line: n,
			chrom: refdata.CanonicalChrom(c[0]), pos: pos, ref: c[3], alts: strings.Split(c[4], ",")}
		for _, kv := range strings.Split(c[7], ";") {
			if v, ok := strings.CutPrefix(kv, "EXP="); ok {
				r.exp = v
			}
		}
		if r.exp == "" {
			r.exp = txtl[c[1]+"\t"+c[3]+"\t"+c[4]]
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func symbolic(alts []string) bool {
	for _, a := range alts {
		if !isBases(strings.ToUpper(a)) {
			return true
		}
	}
	return false
}

// isCompound reports a haplotype-aware expectation: an "@POS" reference or a
// DNA change combining several records ("3633T>A+3634A>C").
func isCompound(exp string) bool {
	if strings.Contains(exp, "@") {
		return true
	}
	for _, entry := range strings.Split(exp, ",") {
		if f := strings.Split(entry, "|"); len(f) >= 7 && strings.Contains(f[6], "+") {
			return true
		}
	}
	return false
}
