package variants

import (
	"encoding/binary"
	"fmt"
)

// Display fields, in Row order, and how a display group of versions 2-4
// encodes them (the display section: see doc.go).
const (
	dID = iota
	dRef
	dAlt
	dAllele
	dFeature
	dBiotype
	dHGVSc
	dHGVSp
	dClinSig
)

// repeatable are the fields a row may mark "same as the previous row of the
// group" (bit k of the row's mask for repeatable[k]): a record's entries
// share id, ref and mostly alt, allele and clin_sig.
var repeatable = [...]int{dID, dRef, dAlt, dAllele, dClinSig}

// The other bits of a row's mask (version 4; a version-2 or -3 row has none set):
// HGVSc is empty, or names the row's feature (only the text after ':' is
// written), and HGVSp is empty. Either empty field is not written.
const (
	mRepeated     = 1<<len(repeatable) - 1
	mHGVScEmpty   = 1 << 5
	mHGVScFeature = 1 << 6
	mHGVSpEmpty   = 1 << 7
)

// blockDisplay is one block's display section (versions 2-4), read whole.
type blockDisplay struct {
	bi       int
	dict     []string
	groupEnd []uint32 // end of each group in groups
	groups   []byte
}

func (d *blockDisplay) corrupt() error {
	return fmt.Errorf("variant index: block %d: display data is corrupt", d.bi)
}

// readDisplay reads block bi's display section and its dictionary.
func (ix *Index) readDisplay(bi int) (*blockDisplay, error) {
	b := &ix.f.Blocks[bi]
	raw := make([]byte, b.DisplayLen)
	if _, err := ix.r.ReadAt(raw, b.Off+int64(ix.f.filterLen(b))); err != nil {
		return nil, fmt.Errorf("variant index: block %d: %w", bi, err)
	}
	d := &blockDisplay{bi: bi}
	ngroups := groups(b.Rows)
	if len(raw) < 4 {
		return nil, d.corrupt()
	}
	dictLen := int(binary.LittleEndian.Uint32(raw))
	if dictLen > len(raw)-4-4*ngroups {
		return nil, d.corrupt()
	}
	text := string(raw[4 : 4+dictLen])
	for pos := 0; pos < len(text); {
		n, k := binary.Uvarint(raw[4+pos : 4+dictLen])
		if k <= 0 || uint64(len(text)-pos-k) < n {
			return nil, d.corrupt()
		}
		pos += k
		d.dict = append(d.dict, text[pos:pos+int(n)])
		pos += int(n)
	}
	ends := raw[4+dictLen:]
	d.groups = ends[4*ngroups:]
	prev := uint32(0)
	for g := range ngroups {
		e := binary.LittleEndian.Uint32(ends[4*g:])
		if e < prev || int(e) > len(d.groups) {
			return nil, d.corrupt()
		}
		d.groupEnd, prev = append(d.groupEnd, e), e
	}
	return d, nil
}

// group decodes group g's rows (rows of them).
func (d *blockDisplay) group(g, rows int) ([][displayFields]string, error) {
	start := uint32(0)
	if g > 0 {
		start = d.groupEnd[g-1]
	}
	raw := d.groups[start:d.groupEnd[g]]
	text := string(raw) // one allocation; literal fields are substrings of it
	pos := 0
	str := func() (string, bool) {
		n, k := binary.Uvarint(raw[pos:])
		if k <= 0 || uint64(len(raw)-pos-k) < n {
			return "", false
		}
		pos += k + int(n)
		return text[pos-int(n) : pos], true
	}
	ref := func() (uint64, bool) {
		n, k := binary.Uvarint(raw[pos:])
		pos += max(k, 0)
		return n, k > 0 && n <= uint64(len(d.dict))
	}
	out := make([][displayFields]string, rows)
	for r := range out {
		if pos >= len(raw) {
			return nil, d.corrupt()
		}
		mask := raw[pos]
		pos++
		for k, f := range repeatable {
			if mask&(1<<k) != 0 {
				if r == 0 {
					return nil, d.corrupt()
				}
				out[r][f] = out[r-1][f]
				continue
			}
			s, ok := str()
			if !ok {
				return nil, d.corrupt()
			}
			out[r][f] = s
		}
		var feature uint64
		for _, f := range [...]int{dFeature, dBiotype} {
			id, ok := ref()
			if !ok || id == uint64(len(d.dict)) {
				return nil, d.corrupt()
			}
			if f == dFeature {
				feature = id
			}
			out[r][f] = d.dict[id]
		}
		for _, f := range [...]struct {
			field       int
			empty, name byte // mask bits: the field is empty, names the row's feature
		}{{dHGVSc, mHGVScEmpty, mHGVScFeature}, {dHGVSp, mHGVSpEmpty, 0}} {
			if mask&f.empty != 0 {
				continue
			}
			var prefix uint64
			var ok bool
			if mask&f.name != 0 {
				prefix = uint64(feature) + 1
			} else if prefix, ok = ref(); !ok {
				return nil, d.corrupt()
			}
			s, ok := str()
			if !ok {
				return nil, d.corrupt()
			}
			if prefix > 0 {
				s = d.dict[prefix-1] + ":" + s
			}
			out[r][f.field] = s
		}
	}
	return out, nil
}
