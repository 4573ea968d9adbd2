package consequence

// region is a stretch where REF and ALT differ; VEP evaluates splice effects
// on these, so an MNV whose changed bases avoid a splice site is not flagged.
type region struct{ s, e int }

// differingRegions is VEP's _get_differing_regions
// (BaseVariationFeatureOverlapAllele.pm): when REF and ALT both have more
// than one base they are compared position by position, as Perl's string
// XOR does, so the bases past the shorter allele count as different and a
// longer ALT makes the region reach past REF's end (AA>CGC at acceptor -4
// covers -4..-2). Otherwise the region is the whole allele.
func differingRegions(a *allele, buf []region) []region {
	if len(a.ref) < 2 || len(a.alt) < 2 {
		return append(buf, region{a.start, a.end})
	}
	n := max(len(a.ref), len(a.alt))
	differs := func(i int) bool { return i >= len(a.ref) || i >= len(a.alt) || a.ref[i] != a.alt[i] }
	for i := 0; i < n; {
		if !differs(i) {
			i++
			continue
		}
		j := i
		for j+1 < n && differs(j+1) {
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
//
// j, k is an exonWindow of the allele ±3 bases: the introns of a region
// that is the whole allele are found from it.
func (x *txInfo) spliceTerms(a *allele, terms *termSet, j, k int) {
	var (
		intronic, startSS, endSS, inRegion bool
		fifth, donorReg, ppt               bool // donor-side/acceptor-side in forward genomic terms
		fifthRev, donorRegRev, pptRev      bool
	)
	var buf [4]region
	for _, r := range differingRegions(a, buf[:0]) {
		ins := r.e == r.s-1
		// VEP tests the polypyrimidine tract on the region's ends in order
		// (lo, hi), so an insertion counts when either flank is in the tract.
		lo, hi := min(r.s, r.e), max(r.s, r.e)
		i0, i1 := max(j-1, 0), min(k, x.nIntrons())
		if r.s != a.start || r.e != a.end {
			i0, i1 = x.intronWindow(lo-3, hi+3)
		}
		for i := i0; i < i1; i++ {
			is, ie := x.intron(i)
			if is > ie || r.s > ie+3 || r.e < is-3 {
				continue
			}
			if lo >= is+deepIntron && hi <= ie-deepIntron {
				// deep in the intron: past every splice feature below
				intronic = true
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
			ppt = ppt || overlaps(lo, hi, ie-16, ie-2)
			fifthRev = fifthRev || overlaps(r.s, r.e, ie-4, ie-4)
			donorRegRev = donorRegRev || overlaps(r.s, r.e, ie-5, ie-2)
			pptRev = pptRev || overlaps(lo, hi, is+2, is+16)
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

// deepIntron: a region at least this far inside both ends of an intron
// touches none of its splice features (the farthest, the polypyrimidine
// tract, reaches 16 bases in) and is intronic. A variable so a test can
// turn the shortcut off.
var deepIntron = 17

// intronBoundary is VEP's _intron_overlap: the splice region of one intron.
func intronBoundary(s, e, is, ie int, ins bool) bool {
	return overlaps(s, e, is+2, is+7) ||
		overlaps(s, e, ie-7, ie-2) ||
		overlaps(s, e, is-3, is-1) ||
		overlaps(s, e, ie+1, ie+3) ||
		(ins && (s == is || e == ie || s == is+2 || e == ie-2))
}
