package refdata

import (
	"cmp"
	"io"
	"slices"
	"strconv"
)

// ReadCytoBand reads a UCSC cytoBand table (chrom, chromStart, chromEnd, name,
// gieStain; 0-based half-open; plain, gzip or BGZF) into bands per canonical
// chromosome name, 1-based inclusive and sorted by Start.
func ReadCytoBand(r io.Reader, source string) (map[string][]Band, error) {
	lr, err := openLines(r, source)
	if err != nil {
		return nil, err
	}
	out := map[string][]Band{}
	var cols [5][]byte
	for n := range lr.fields(cols[:], "") {
		if n < 4 {
			return nil, lr.errorf("expected 5 tab-separated columns (chrom start end name stain), found %d", n)
		}
		start, err1 := strconv.Atoi(string(cols[1]))
		end, err2 := strconv.Atoi(string(cols[2]))
		if err1 != nil || err2 != nil || start < 0 || end <= start {
			return nil, lr.errorf("bad band interval %q-%q (0-based half-open, need start < end)", cols[1], cols[2])
		}
		chrom := CanonicalChrom(string(cols[0]))
		b := Band{Start: start + 1, End: end, Name: string(cols[3])}
		if n > 4 {
			b.Stain = string(cols[4])
		}
		out[chrom] = append(out[chrom], b)
	}
	if err := lr.err(); err != nil {
		return nil, err
	}
	for _, bands := range out {
		slices.SortFunc(bands, func(a, b Band) int { return cmp.Compare(a.Start, b.Start) })
	}
	return out, nil
}
