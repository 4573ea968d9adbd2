package synth

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
)

// sweep writes one chromosome's known variants and query records in
// position order: three streams of positions (known variants, novel
// whole-genome records, novel exome records) merged as they advance. A
// known variant is also copied into the whole-genome query with a
// probability that makes about half of that query known, and into the exome
// query when it falls in the exome.
type sweep struct {
	rng   *rand.Rand
	chrom string
	seq   []byte
	exome []exon // sorted, merged
}

var clinSigs = []string{"pathogenic", "likely_pathogenic", "benign", "likely_benign", "uncertain_significance", "drug_response"}

func (s *sweep) run(out *genomeOut, nKnown, nWGS, nExome int, st *GenomeStats) {
	stored, exomeLen := 0, 0
	for _, b := range s.seq {
		if b != 'N' {
			stored++
		}
	}
	for _, e := range s.exome {
		exomeLen += e.end - e.start + 1
	}
	if stored == 0 {
		return
	}
	dKnown := float64(nKnown) / float64(stored)
	dWGS := 0.5 * float64(nWGS) / float64(stored)
	pWGS := min(1, 0.5*float64(nWGS)/math.Max(1, float64(nKnown)))
	dExome := 0.0
	pExome := 0.0
	if exomeLen > 0 {
		dExome = 0.5 * float64(nExome) / float64(exomeLen)
		pExome = min(1, 0.5*float64(nExome)/math.Max(1, dKnown*float64(exomeLen)))
	}
	n := len(s.seq)
	next := func(p int, d float64) int {
		if d <= 0 {
			return math.MaxInt
		}
		return p + 1 + int(s.rng.ExpFloat64()/d)
	}
	// The exome stream walks the concatenated intervals.
	exIdx, exOff := 0, -1 // interval, offset inside it
	nextExome := func() int {
		if dExome <= 0 {
			return math.MaxInt
		}
		exOff += 1 + int(s.rng.ExpFloat64()/dExome)
		for exIdx < len(s.exome) && exOff >= s.exome[exIdx].end-s.exome[exIdx].start+1 {
			exOff -= s.exome[exIdx].end - s.exome[exIdx].start + 1
			exIdx++
		}
		if exIdx >= len(s.exome) {
			return math.MaxInt
		}
		return s.exome[exIdx].start + exOff
	}
	pk, pw, pe := next(0, dKnown), next(0, dWGS), nextExome()
	inExome := 0 // first interval that may contain the current position
	for {
		p := min(pk, pw, pe)
		if p > n {
			return
		}
		ref := string(s.seq[p-1 : min(p-1+16, n)])
		if p == pk {
			if line, alts := s.knownRecord(ref, p); line != "" {
				io.WriteString(out.kn, line)
				st.Known++
				if s.rng.Float64() < pWGS {
					writeQuery(out.wgs, s.rng, s.chrom, p, alts)
					st.WGS++
					st.WGSKnown++
				}
				for inExome < len(s.exome) && s.exome[inExome].end < p {
					inExome++
				}
				if inExome < len(s.exome) && s.exome[inExome].start <= p && s.rng.Float64() < pExome {
					writeQuery(out.exome, s.rng, s.chrom, p, alts)
					st.Exome++
					st.Exome0++
				}
			}
			pk = next(p, dKnown)
		}
		if p == pw {
			if rec := record(s.rng, ref, s.chrom, p); rec != "" {
				out.wgs.WriteString(rec)
				st.WGS++
			}
			pw = next(p, dWGS)
		}
		if p == pe {
			if rec := record(s.rng, ref, s.chrom, p); rec != "" {
				out.exome.WriteString(rec)
				st.Exome++
			}
			pe = nextExome()
		}
	}
}

// knownRecord is a dbSNP-like line at p (ref[0] is the base there) and its
// "REF\tALT" columns, or "" where the sequence is N.
func (s *sweep) knownRecord(ref string, p int) (line, alts string) {
	if ref[0] == 'N' {
		return "", ""
	}
	rng := s.rng
	var r, alt string
	switch x := rng.IntN(100); {
	case x < 88:
		r, alt = ref[:1], string(snvBase(rng, ref[0]))
		if rng.IntN(25) == 0 { // multi-allelic
			if b := "ACGT"[rng.IntN(4)]; b != ref[0] && string(b) != alt {
				alt += "," + string(b)
			}
		}
	case x < 94:
		l := 1 + rng.IntN(6)
		if l+1 > len(ref) {
			return "", ""
		}
		r, alt = ref[:l+1], ref[:1]
	default:
		ins := make([]byte, 1+rng.IntN(6))
		randBases(rng, ins)
		r, alt = ref[:1], ref[:1]+string(ins)
	}
	for i := 0; i < len(r); i++ {
		if r[i] == 'N' {
			return "", ""
		}
	}
	id := 1 + rng.IntN(1_200_000_000)
	info := "RS=" + strconv.Itoa(id)
	if rng.IntN(4) == 0 {
		k := int(math.Exp(rng.Float64() * math.Log(5000))) // 1..5000, log-uniform
		first, _, _ := cutComma(alt)
		info += ";GMAF=" + first + ":" + strconv.FormatFloat(float64(k)/10000, 'f', 4, 64)
	}
	if rng.IntN(200) == 0 {
		info += ";CLIN_SIG=" + clinSigs[rng.IntN(len(clinSigs))]
	}
	return fmt.Sprintf("%s\t%d\trs%d\t%s\t%s\t.\t.\t%s\n", s.chrom, p, id, r, alt, info), r + "\t" + alt
}

func cutComma(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// writeQuery writes a query record with the known variant's REF and ALT.
func writeQuery(w *bufio.Writer, rng *rand.Rand, chrom string, p int, refAlt string) {
	gt := "0/1"
	if _, _, multi := cutComma(refAlt); multi {
		gt = "1/2"
	}
	fmt.Fprintf(w, "%s\t%d\t.\t%s\t%d\tPASS\tDP=%d\tGT\t%s\n", chrom, p, refAlt, 10+rng.IntN(60), 20+rng.IntN(80), gt)
}
