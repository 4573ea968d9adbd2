package refdata

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// TestKnownStoreRoundTrip writes known variants through every encoding
// path (dictionary and inline alleles, frequencies and CLIN_SIG; rs, repeated,
// missing and other ids) and reads them back by range.
func TestKnownStoreRoundTrip(t *testing.T) {
	for _, small := range []bool{false, true} {
		t.Run(fmt.Sprintf("small dictionaries %v", small), func(t *testing.T) {
			if small {
				defer func(a, f, c int) { maxAlleleDict, maxFreqDict, maxClinDict = a, f, c }(maxAlleleDict, maxFreqDict, maxClinDict)
				maxAlleleDict, maxFreqDict, maxClinDict = 3, 2, 1
			}
			var want []KnownVariant
			ids := []string{"rs1", "rs4294967295", "rs4294967296", "ss77", "", "rs012", "rs9"}
			for i := 0; i < 3*knownBlockSize+17; i++ {
				v := KnownVariant{Pos: 100 + i/3*7, Ref: "ACGT"[i%4 : i%4+1], Alt: "T", ID: ids[i%len(ids)], Freq: -1}
				if i%5 == 0 {
					v.Ref, v.Alt = "", fmt.Sprintf("GA%d", i%9) // insertion, many distinct alleles
				}
				if i%3 == 1 {
					v.ID = want[i-1].ID // a split multi-allelic record
				}
				if i%4 == 0 {
					v.Freq = float64(i%50) / 1000
				}
				if i%11 == 0 {
					v.ClinSig = []string{"pathogenic", "benign", "likely_benign&other"}[i%3]
				}
				want = append(want, v)
			}
			ks := writeKnownStore(t, want)
			got, err := ks.appendRange(new(KnownReader), nil, 1, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Fatalf("record %d: got %+v, want %+v", i, got[i], want[i])
					}
				}
				t.Fatalf("got %d records, want %d", len(got), len(want))
			}
			one, _ := ks.appendRange(new(KnownReader), nil, want[2000].Pos, want[2000].Pos)
			if len(one) != 3 || one[0] != want[1998] {
				t.Errorf("lookup at %d: %+v", want[2000].Pos, one)
			}
		})
	}
}

// writeKnownStore writes vs to a known-variant file in a temporary
// directory and opens it; it is closed when t ends.
func writeKnownStore(t *testing.T, vs []KnownVariant) *knownStore {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.known")
	w, err := newKnownWriter(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if err := w.add(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	ks, err := openKnownStore(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ks.close() })
	return ks
}

// FuzzKnownFile: a damaged known-variant file gives variants, matches or an error,
// never a panic (bundles travel through S3 and disks). One seed has inline
// values (blocks read record by record), the other none (skipped by flags).
func FuzzKnownFile(f *testing.F) {
	var seeds [2][]byte
	for s, ids := range [2][]string{{"rs5", "x1", ""}, {"rs5", "rs6", ""}} {
		path := filepath.Join(f.TempDir(), "seed.known")
		w, err := newKnownWriter(path)
		if err != nil {
			f.Fatal(err)
		}
		for i := 0; i < 3000; i++ {
			w.add(KnownVariant{Pos: 10 + i, Ref: "A", Alt: []string{"C", "GT", ""}[i%3], ID: ids[i%3], Freq: float64(i%7) / 10, ClinSig: []string{"", "benign"}[i%2]})
		}
		if err := w.close(); err != nil {
			f.Fatal(err)
		}
		seeds[s], _ = os.ReadFile(path)
	}
	f.Add(uint32(100), byte(0xff), uint16(3), false)
	f.Add(uint32(3000), byte(0x80), uint16(2), true)
	f.Fuzz(func(t *testing.T, at uint32, val byte, span uint16, noInline bool) {
		seed := seeds[0]
		if noInline {
			seed = seeds[1]
		}
		data := append([]byte(nil), seed...)
		for i := int(at) % len(data); i < len(data) && i < int(at)%len(data)+int(span)%64+1; i++ {
			data[i] ^= val
		}
		p := filepath.Join(t.TempDir(), "x.known")
		os.WriteFile(p, data, 0o644)
		ks, err := openKnownStore(p)
		if err != nil {
			return
		}
		defer ks.close()
		ks.appendRange(new(KnownReader), nil, 1, 1<<30)
		var r KnownReader // point lookups skip records, and go back
		for _, pos := range []int{500, 1500, 2900, 1400, 1400} {
			ks.appendRange(&r, nil, pos, pos)
		}
		var m KnownReader // matches read the values of matching records only
		for _, pos := range []int{12, 13, 500, 1501, 2900, 1400, 1401} {
			for _, alt := range []string{"C", "GT", ""} {
				ks.appendMatches(&m, nil, pos, "A", alt)
			}
		}
	})
}

// TestKnownReaderReuse: one KnownReader serving two stores with blocks of
// the same numbers, and cycling through more blocks than it keeps (so it
// reads into used buffers), answers every lookup, forwards, backwards and
// repeated, with the records written, in blocks with inline values (read
// record by record) and without (skipped by their flags).
func TestKnownReaderReuse(t *testing.T) {
	for _, inline := range []bool{true, false} {
		t.Run(fmt.Sprintf("inline values %v", inline), func(t *testing.T) {
			if inline {
				defer func(a int) { maxAlleleDict = a }(maxAlleleDict)
				maxAlleleDict = 5 // most alleles inline
			}
			var stores []*knownStore
			var written [][]KnownVariant
			for s := range 2 {
				written = append(written, reuseVariants(s, inline))
				stores = append(stores, writeKnownStore(t, written[s]))
			}
			if !inline {
				var blk knownBlock
				if err := stores[0].read(0, &blk); err != nil || len(blk.cols[6].raw) != 0 {
					t.Fatalf("block 0 has %d bytes of inline values (%v): the skipping path is not tested", len(blk.cols[6].raw), err)
				}
			}
			var r KnownReader
			for q := range 400 {
				ks, vs := stores[q%2], written[q%2]
				pos := 10 + (q*7919)%(12*knownBlockSize)
				if q%5 == 4 {
					pos -= 3 // back inside the block just read
				}
				got, err := ks.appendRange(&r, nil, pos, pos+1)
				if err != nil {
					t.Fatal(err)
				}
				if want := vs[pos-10 : pos-10+2]; !reflect.DeepEqual(got, want) {
					t.Fatalf("lookup %d at %d: got %+v, want %+v", q, pos, got, want)
				}
			}
		})
	}
}

// reuseVariants are TestKnownReaderReuse's records for store s: one per
// position; with inline, some ids and CLIN_SIG values are not in the
// dictionaries, without, ids are rs numbers, repeated or missing.
func reuseVariants(s int, inline bool) []KnownVariant {
	var vs []KnownVariant
	for i := range 12 * knownBlockSize {
		v := KnownVariant{Pos: 10 + i, Ref: "A", Alt: fmt.Sprintf("C%d", (i*(s+1))%40), ID: fmt.Sprintf("rs%d", i+s*100000), Freq: -1}
		switch {
		case inline && (i+s)%7 == 0:
			v.ID, v.ClinSig = fmt.Sprintf("x%d", i), "benign"
		case !inline && i%7 == 0:
			v.ID, v.ClinSig = "", "benign"
		case !inline && i%5 == 1:
			v.ID, v.Freq = vs[i-1].ID, float64(i%300)/1000
		case !inline && i%3 == 0:
			v.Freq = float64(i%300) / 1000
		}
		vs = append(vs, v)
	}
	return vs
}

// TestKnownLookupOrders: lookups answer the same records whatever order
// they come in, though a KnownReader starts each from where the last one
// ended (its block, its first record, its cursor mark): in position order,
// the same position again (the next ALT of a record), back a little or to
// an earlier block, across a position whose records straddle two blocks,
// and ranges. Stores with inline values (read record by record) and
// without (skipped by their flags).
func TestKnownLookupOrders(t *testing.T) {
	orders := []struct {
		name    string
		lookups func(vs []KnownVariant) [][2]int
	}{
		{"sorted points", func(vs []KnownVariant) (q [][2]int) {
			for p := 1; p <= vs[len(vs)-1].Pos+2; p += 3 {
				q = append(q, [2]int{p, p})
			}
			return q
		}},
		{"each position twice", func(vs []KnownVariant) (q [][2]int) {
			for _, v := range vs[:3000] {
				q = append(q, [2]int{v.Pos, v.Pos}, [2]int{v.Pos, v.Pos})
			}
			return q
		}},
		{"back a little", func(vs []KnownVariant) (q [][2]int) {
			for i := 40; i < len(vs); i += 97 {
				q = append(q, [2]int{vs[i].Pos, vs[i].Pos}, [2]int{vs[i-30].Pos, vs[i-30].Pos}, [2]int{vs[i-1].Pos, vs[i].Pos})
			}
			return q
		}},
		{"blocks back and forth", func(vs []KnownVariant) (q [][2]int) {
			for k := range 60 {
				i := (k * 7919) % len(vs)
				q = append(q, [2]int{vs[i].Pos, vs[i].Pos + k%3})
			}
			return q
		}},
		{"straddling positions", func(vs []KnownVariant) (q [][2]int) {
			for b := knownBlockSize; b < len(vs); b += knownBlockSize {
				p := vs[b].Pos
				q = append(q, [2]int{p - 1, p - 1}, [2]int{p, p}, [2]int{p, p}, [2]int{p - 2, p + 2})
			}
			return q
		}},
		{"before, between and after", func(vs []KnownVariant) [][2]int {
			last := vs[len(vs)-1].Pos
			return [][2]int{{0, 0}, {last + 1, last + 1}, {5, 4}, {1, 1}, {last, last}, {1, last + 5}}
		}},
	}
	for _, inline := range []bool{false, true} {
		vs := lookupVariants(inline)
		ks := writeKnownStore(t, vs)
		straddle := 0
		for b := 1; b < len(ks.index); b++ {
			if ks.index[b].first == ks.index[b-1].last {
				straddle++
			}
		}
		if straddle == 0 {
			t.Fatal("no position straddles two blocks: that path is not tested")
		}
		for _, o := range orders {
			t.Run(fmt.Sprintf("%s/inline %v", o.name, inline), func(t *testing.T) {
				var r KnownReader
				for n, q := range o.lookups(vs) {
					got, err := ks.appendRange(&r, nil, q[0], q[1])
					if err != nil {
						t.Fatal(err)
					}
					var want []KnownVariant
					for _, v := range vs {
						if v.Pos >= q[0] && v.Pos <= q[1] {
							want = append(want, v)
						}
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("lookup %d [%d,%d]: got %d records %+v, want %d %+v", n, q[0], q[1], len(got), got, len(want), want)
					}
				}
			})
		}
	}
}

// lookupVariants are TestKnownLookupOrders' records: 1 to 4 per position
// (multi-allelic sites, split into records with the same id), gaps of 1 to
// 5 positions, a few frequencies and CLIN_SIG values; every block's first
// position is also the previous block's last.
func lookupVariants(inline bool) []KnownVariant {
	var vs []KnownVariant
	pos := 10
	for len(vs) < 5*knownBlockSize+100 {
		n := 1 + pos%4
		if k := len(vs) % knownBlockSize; k+n <= knownBlockSize && k+n > knownBlockSize-2 {
			n = knownBlockSize - k + 1 // straddle the block boundary
		}
		for a := range n {
			v := KnownVariant{Pos: pos, Ref: "G", Alt: "ACGT"[a%4 : a%4+1], ID: fmt.Sprintf("rs%d", pos), Freq: -1}
			if inline && pos%5 == 0 {
				v.ID = fmt.Sprintf("x%d", pos)
			}
			if pos%3 == 0 {
				v.Freq = float64(pos%100) / 100
			}
			if pos%13 == 0 {
				v.ClinSig = "benign"
			}
			vs = append(vs, v)
		}
		pos += 1 + pos%5
	}
	return vs
}

// TestKnownMatches: appendMatches gives exactly the records at the
// position with both alleles equal, in file order, whatever order the
// lookups come in: each ALT of a multi-allelic site, alleles that match
// no record (or only REF, or only ALT), positions whose records straddle
// two blocks, lookups going back. Alleles and ids from the dictionaries
// and inline.
func TestKnownMatches(t *testing.T) {
	for _, inline := range []bool{false, true} {
		t.Run(fmt.Sprintf("inline %v", inline), func(t *testing.T) {
			if inline {
				defer func(a, c int) { maxAlleleDict, maxClinDict = a, c }(maxAlleleDict, maxClinDict)
				maxAlleleDict, maxClinDict = 2, 0
			}
			vs := lookupVariants(inline)
			ks := writeKnownStore(t, vs)
			type query struct {
				pos      int
				ref, alt string
			}
			var queries []query
			for i, v := range vs {
				if i%3 == 0 {
					queries = append(queries, query{v.Pos, v.Ref, v.Alt}, query{v.Pos, v.Ref, "A"}, query{v.Pos, "T", v.Alt}, query{v.Pos, "", v.Alt})
				}
				if i%101 == 0 && i >= 50 {
					w := vs[i-50]
					queries = append(queries, query{w.Pos, w.Ref, w.Alt}, query{v.Pos + 1, v.Ref, v.Alt})
				}
			}
			for b := knownBlockSize; b < len(vs); b += knownBlockSize {
				for _, a := range []string{"A", "C", "G", "T"} {
					queries = append(queries, query{vs[b].Pos, "G", a})
				}
			}
			var r KnownReader
			var got []KnownMatch
			for n, q := range queries {
				var err error
				got, err = ks.appendMatches(&r, got[:0], q.pos, q.ref, q.alt)
				if err != nil {
					t.Fatal(err)
				}
				var want []KnownMatch
				for _, v := range vs {
					if v.Pos == q.pos && v.Ref == q.ref && v.Alt == q.alt {
						want = append(want, KnownMatch{ID: []byte(v.ID), Freq: v.Freq, ClinSig: v.ClinSig})
					}
				}
				if g, w := matchesText(got), matchesText(want); g != w {
					t.Fatalf("lookup %d %+v: got %s, want %s", n, q, g, w)
				}
			}
		})
	}
}

func matchesText(ms []KnownMatch) string {
	s := fmt.Sprintf("%d:", len(ms))
	for _, m := range ms {
		s += fmt.Sprintf(" %q/%v/%q", m.ID, m.Freq, m.ClinSig)
	}
	return s
}

// TestLowerBound: from any hint (the last answer), lowerBound finds the
// first position >= s: the same one, the next, a few records on (the
// doubling windows), far on, back, past the end.
func TestLowerBound(t *testing.T) {
	blocks := map[string][]int32{
		"one":        {7},
		"steps":      {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
		"repeats":    {3, 3, 3, 5, 5, 9, 9, 9, 9, 9, 9, 12, 40, 40, 41},
		"long, gaps": nil,
	}
	for i := range 300 {
		blocks["long, gaps"] = append(blocks["long, gaps"], int32(10+i*7+i%7))
	}
	for name, pos := range blocks {
		blk := knownBlock{pos: pos}
		last := int(pos[len(pos)-1])
		for hint := 0; hint <= len(pos); hint++ {
			for s := int32(0); s <= int32(last)+2; s++ {
				blk.hint = hint
				want := sort.Search(len(pos), func(i int) bool { return pos[i] >= s })
				if got := blk.lowerBound(s); got != want || blk.hint != want {
					t.Fatalf("%s: hint %d, s %d: got %d (hint %d), want %d", name, hint, s, got, blk.hint, want)
				}
			}
		}
	}
}

// TestSkipUvarints: from every varint of a column (lengths 1 to 5 bytes,
// runs of one-byte ones as in the allele column), skipping n lands on the
// start of the n-th next, whether it is in the same 8-byte word, a later
// one or the column's last bytes; skipping past the end is an error.
func TestSkipUvarints(t *testing.T) {
	for name, vals := range map[string][]uint64{
		"one byte":   {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19},
		"mixed":      {1, 300, 5, 70000, 9, 1 << 30, 2, 3, 128, 127, 16383, 16384, 4, 5, 6, 7, 8, 1 << 21, 1},
		"multi-byte": {200, 300, 400, 70000, 1 << 28, 129, 1 << 14, 1 << 20, 500, 600},
	} {
		var raw []byte
		var starts []int
		for _, v := range vals {
			starts = append(starts, len(raw))
			raw = binary.AppendUvarint(raw, v)
		}
		starts = append(starts, len(raw))
		for from := range vals {
			for n := 0; from+n <= len(vals)+1; n++ {
				d := byteDecoder{raw: raw, p: starts[from]}
				d.skipUvarints(n)
				if from+n > len(vals) {
					if !d.bad {
						t.Errorf("%s: from %d, skipping %d past the end: no error", name, from, n)
					}
					continue
				}
				if d.bad || d.p != starts[from+n] {
					t.Errorf("%s: from %d, skipping %d: at %d (bad %v), want %d", name, from, n, d.p, d.bad, starts[from+n])
				}
			}
		}
	}
}

// TestDecodePositions: positions from runs of one-byte deltas (added 8 at
// a time), longer deltas between and at the end, and corrupt columns.
func TestDecodePositions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		deltas []uint64
		first  int
		ok     bool
	}{
		{"short", []uint64{0, 1, 2}, 100, true},
		{"eight", []uint64{0, 1, 2, 3, 4, 5, 6, 127}, 7, true},
		{"runs and long ones", []uint64{0, 1, 1, 1, 1, 1, 1, 1, 1, 300, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 70000, 5, 5, 5, 5, 5, 5, 5, 5, 127, 128}, 1, true},
		{"too large", []uint64{0, 1, 1, 1, 1, 1, 1, 1, 1, 1 << 31}, 1, false},
		{"max", []uint64{0, math.MaxInt32 - 10}, 10, true},
	} {
		var raw []byte
		var want []int32
		at := tc.first
		for _, d := range tc.deltas {
			raw = binary.AppendUvarint(raw, d)
			at += int(d)
			want = append(want, int32(at))
		}
		got := make([]int32, len(tc.deltas))
		if ok := decodePositions(got, raw, tc.first); ok != tc.ok || ok && !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v (ok %v), want %v (ok %v)", tc.name, got, ok, want, tc.ok)
		}
		if len(raw) > 1 && tc.ok {
			if decodePositions(got, raw[:len(raw)-1], tc.first) && tc.deltas[len(tc.deltas)-1] > 127 {
				t.Errorf("%s: a cut last varint decoded", tc.name)
			}
			if decodePositions(make([]int32, len(tc.deltas)+1), raw, tc.first) {
				t.Errorf("%s: more positions than deltas decoded", tc.name)
			}
		}
	}
}
