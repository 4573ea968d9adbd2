package refdata

import (
	"io"
	"strconv"
	"strings"
)

// TrimAlleles gives the minimal representation of one REF/ALT pair the way
// VEP matches known variants: the common suffix is removed first, then the
// common prefix, and pos moves past the removed prefix. A pure insertion ends
// with ref == "" and pos on the base after the insertion point; a deletion
// with alt == "". The annotator must trim with this function too, so input
// alleles and known variants compare equal.
func TrimAlleles(pos int, ref, alt string) (int, string, string) {
	for len(ref) > 0 && len(alt) > 0 && ref[len(ref)-1] == alt[len(alt)-1] {
		ref, alt = ref[:len(ref)-1], alt[:len(alt)-1]
	}
	for len(ref) > 0 && len(alt) > 0 && ref[0] == alt[0] {
		ref, alt = ref[1:], alt[1:]
		pos++
	}
	return pos, ref, alt
}

// KnownRecord is one ALT allele of a known-variants VCF, as ReadKnownVCF yields it.
type KnownRecord struct {
	Chrom    string // canonical chromosome name
	Line     int    // input line number
	InputPos int    // POS as written, before trimming
	Variant  KnownVariant
}

// ReadKnownVCF streams a dbSNP-style VCF (plain, gzip or BGZF) to fn, one
// KnownVariant per ALT allele, trimmed with TrimAlleles. chrom is the
// canonical chromosome name (CanonicalChrom). The id is the ID column, or
// INFO/RS when the column is "."; Freq comes from INFO/GMAF (allele:freq, for
// the matching allele only), INFO/AF (one value per ALT) or INFO/CAF (REF
// first, as in older NCBI dbSNP files), -1 when unknown ("." in AF/CAF too);
// ClinSig is INFO/CLIN_SIG as written. Symbolic, "*" and "." ALTs are
// skipped.
func ReadKnownVCF(r io.Reader, source string, fn func(KnownRecord) error) error {
	lr, err := openLines(r, source)
	if err != nil {
		return err
	}
	var cols [9][]byte
	lastChrom, lastCanon := "", ""
	for n := range lr.fields(cols[:], "") {
		if n < 5 {
			return lr.errorf("expected at least 5 tab-separated columns (CHROM POS ID REF ALT), found %d", n)
		}
		pos, err := strconv.Atoi(string(cols[1]))
		if err != nil || pos < 1 {
			return lr.errorf("POS %q is not a positive integer", cols[1])
		}
		ref := string(cols[3])
		if !isBases(ref) {
			return lr.errorf("REF %q has characters outside ACGTN", truncate(ref))
		}
		var info string
		if n >= 8 {
			info = string(cols[7])
			if i := strings.IndexByte(info, '\t'); i >= 0 {
				info = info[:i]
			}
		}
		id := string(cols[2])
		if id == "." || id == "" {
			id = infoValue(info, "RS")
			if id != "" && id[0] >= '0' && id[0] <= '9' {
				id = "rs" + id
			}
		}
		if c := string(cols[0]); c != lastChrom {
			lastChrom, lastCanon = c, CanonicalChrom(c)
		}
		gmaf := infoValue(info, "GMAF")
		afs := strings.Split(infoValue(info, "AF"), ",")
		if len(afs) == 1 && afs[0] == "" {
			// Older NCBI dbSNP VCFs: CAF lists the REF frequency first.
			if caf := strings.Split(infoValue(info, "CAF"), ","); len(caf) > 1 {
				afs = caf[1:]
			}
		}
		clin := infoValue(info, "CLIN_SIG")
		for i, alt := range strings.Split(string(cols[4]), ",") {
			if !isBases(alt) {
				continue // symbolic (<DEL>), "*", "." or IUPAC: nothing to match against
			}
			p, tr, ta := TrimAlleles(pos, ref, alt)
			if tr == "" && ta == "" {
				continue // ALT equal to REF
			}
			v := KnownVariant{Pos: p, Ref: tr, Alt: ta, ID: id, Freq: -1, ClinSig: clin}
			if gmaf != "" {
				v.Freq = gmafFreq(gmaf, alt, ta)
			} else if i < len(afs) {
				if f, err := strconv.ParseFloat(afs[i], 64); err == nil {
					v.Freq = f
				}
			}
			if err := fn(KnownRecord{Chrom: lastCanon, Line: lr.line, InputPos: pos, Variant: v}); err != nil {
				return err
			}
		}
	}
	return lr.err()
}

// gmafFreq reads "allele:freq" when allele is the ALT as written, trimmed, or "-" for empty.
func gmafFreq(gmaf, alt, trimmed string) float64 {
	a, f, ok := strings.Cut(gmaf, ":")
	if !ok {
		return -1
	}
	if trimmed == "" {
		trimmed = "-"
	}
	if a != alt && a != trimmed {
		return -1
	}
	v, err := strconv.ParseFloat(f, 64)
	if err != nil {
		return -1
	}
	return v
}

// infoValue returns the value of key in a VCF INFO column ("" when absent or a flag).
func infoValue(info, key string) string {
	for len(info) > 0 {
		field := info
		if i := strings.IndexByte(info, ';'); i >= 0 {
			field, info = info[:i], info[i+1:]
		} else {
			info = ""
		}
		if len(field) > len(key) && field[len(key)] == '=' && field[:len(key)] == key {
			return field[len(key)+1:]
		}
	}
	return ""
}

func isBases(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A', 'C', 'G', 'T', 'N', 'a', 'c', 'g', 't', 'n':
		default:
			return false
		}
	}
	return true
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
