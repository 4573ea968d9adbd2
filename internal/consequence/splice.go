package consequence

// region is a stretch where REF and ALT differ; VEP evaluates splice effects
// on these, so an MNV whose changed bases avoid a splice site is not flagged.
type region struct{ s, e int }

func differingRegions(a *allele, buf []region) []region {
	if len(a.ref) != len(a.alt) || len(a.ref) < 2 {
		return append(buf, region{a.start, a.end})
	}
	for i := 0; i < len(a.ref); {
		if a.ref[i] == a.alt[i] {
			i++
			continue
		}
		j := i
		for j+1 < len(a.ref) && a.ref[j+1] != a.alt[j+1] {
			j++
		}
		buf = append(buf, region{a.start + i, a.start + j})
		i = j + 1
	}
	return buf
}

// spliceTerms adds the intron and splice-site terms, following VEP's
// _intron_effects: donor/acceptor are the first/last two intron bases; splice
// region is 3-8 bases into the intron or 1-3 into the exon (with VEP's
// special cases for insertions); the donor 5th base, donor region (+3..+6)
// and polypyrimidine tract (-3..-17) are flagged in addition.
// j, k is an exonWindow covering the allele and 3 bases either side.
func (x *txInfo) spliceTerms(a *allele, terms *termSet, j, k int) {
	var (
		intronic, startSS, endSS, inRegion bool
		fifth, donorReg, ppt               bool // donor-side/acceptor-side in forward genomic terms
		fifthRev, donorRegRev, pptRev      bool
	)
	var buf [4]region
	for _, r := range differingRegions(a, buf[:0]) {
		ins := r.e == r.s-1
		for i := max(j-1, 0); i < min(k, x.nIntrons()); i++ {
			is, ie := x.intron(i)
			if is > ie || r.s > ie+3 || r.e < is-3 {
				continue
			}
			if ie-is <= 12 && overlaps(r.s, r.e, is, ie) {
				continue // frameshift intron: VEP treats it as exonic
			}
			if overlaps(r.s, r.e, is+2, ie-2) || (ins && (r.s == is+2 || r.e == ie-2)) {
				intronic = true
			}
			s1 := overlaps(r.s, r.e, is, is+1)
			s2 := overlaps(r.s, r.e, ie-1, ie)
			startSS = startSS || s1
			endSS = endSS || s2
			fifth = fifth || overlaps(r.s, r.e, is+4, is+4)
			donorReg = donorReg || overlaps(r.s, r.e, is+2, is+5)
			ppt = ppt || overlaps(r.s, r.e, ie-16, ie-2)
			fifthRev = fifthRev || overlaps(r.s, r.e, ie-4, ie-4)
			donorRegRev = donorRegRev || overlaps(r.s, r.e, ie-5, ie-2)
			pptRev = pptRev || overlaps(r.s, r.e, is+2, is+16)
			if !s1 && !s2 && intronBoundary(r.s, r.e, is, ie, ins) {
				inRegion = true
			}
		}
	}
	donor, acceptor := startSS, endSS
	if x.t.Strand < 0 {
		donor, acceptor = endSS, startSS
		fifth, donorReg, ppt = fifthRev, donorRegRev, pptRev
	}
	if donor {
		terms.set(bitSpliceDonor)
	}
	if acceptor {
		terms.set(bitSpliceAcceptor)
	}
	if fifth {
		terms.set(bitSpliceDonor5thBase)
	}
	if donorReg && !fifth {
		terms.set(bitSpliceDonorRegion)
	}
	if ppt {
		terms.set(bitSplicePolypyrimidineTract)
	}
	// Since VEP 105 the donor 5th-base and donor-region terms replace
	// splice_region_variant (ensembl-vep issue 1345); the polypyrimidine
	// tract term is added alongside it.
	if inRegion && !donor && !acceptor && !fifth && !donorReg {
		terms.set(bitSpliceRegion)
	}
	if intronic {
		terms.set(bitIntron)
	}
}

// intronBoundary is VEP's _intron_overlap: the splice region of one intron.
func intronBoundary(s, e, is, ie int, ins bool) bool {
	return overlaps(s, e, is+2, is+7) ||
		overlaps(s, e, ie-7, ie-2) ||
		overlaps(s, e, is-3, is-1) ||
		overlaps(s, e, ie+1, ie+3) ||
		(ins && (s == is || e == ie || s == is+2 || e == ie-2))
}
