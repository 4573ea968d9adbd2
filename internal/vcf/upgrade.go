package vcf

import (
	"bytes"
	"fmt"
	"strings"
)

// UpgradedFormat is the ##fileformat an old (VCF 3.x) header is rewritten to.
const UpgradedFormat = "VCFv4.2"

// UpgradeV3 rewrites a VCF 3.x header in VCF 4.2 syntax, so that 4.x
// readers (bcftools, htslib) take it without warnings: ##fileformat becomes
// VCFv4.2; ##INFO=ID,Number,Type,"Description" and the same ##FORMAT lines
// become <ID=..,Number=..,Type=..,Description="..">, with Number -1 as ".";
// ##FILTER=ID,"Description" becomes <ID=..,Description="..">; and FILTER
// "0", which VCF 3.3 wrote for passing records, is declared. It reports
// whether the header was a 3.x one; other headers are left alone.
func (h *Header) UpgradeV3() bool {
	if !strings.HasPrefix(h.FileFormat, "VCFv3") {
		return false
	}
	filter0 := false
	for i, l := range h.Meta {
		switch {
		case bytes.HasPrefix(l, []byte("##fileformat=")):
			h.Meta[i] = []byte("##fileformat=" + UpgradedFormat)
		case bytes.HasPrefix(l, []byte("##INFO=")), bytes.HasPrefix(l, []byte("##FORMAT=")):
			h.Meta[i] = upgradeDecl(l)
		case bytes.HasPrefix(l, []byte("##FILTER=")):
			h.Meta[i] = upgradeFilter(l)
			filter0 = filter0 || bytes.HasPrefix(h.Meta[i], []byte("##FILTER=<ID=0,"))
		}
	}
	if !filter0 {
		h.Meta = append(h.Meta, []byte(`##FILTER=<ID=0,Description="Passed all filters (VCF 3.3 notation for PASS)">`))
	}
	h.FileFormat = UpgradedFormat
	return true
}

// upgradeDecl rewrites ##INFO=ID,Number,Type,"Description" (or ##FORMAT=).
// A line already in 4.x form, or one that does not parse, is kept.
func upgradeDecl(l []byte) []byte {
	key, val, _ := bytes.Cut(l, []byte("="))
	if bytes.HasPrefix(val, []byte("<")) {
		return l
	}
	parts := bytes.SplitN(val, []byte(","), 4)
	if len(parts) != 4 || len(parts[0]) == 0 {
		return l
	}
	number := strings.TrimSpace(string(parts[1]))
	if number == "-1" || number == "" {
		number = "."
	}
	typ := strings.TrimSpace(string(parts[2]))
	if typ == "" {
		typ = "String"
	}
	return fmt.Appendf(nil, "%s=<ID=%s,Number=%s,Type=%s,Description=%s>", key, bytes.TrimSpace(parts[0]), number, typ, quoted(parts[3]))
}

// upgradeFilter rewrites ##FILTER=ID,"Description".
func upgradeFilter(l []byte) []byte {
	_, val, _ := bytes.Cut(l, []byte("="))
	if bytes.HasPrefix(val, []byte("<")) {
		return l
	}
	id, desc, _ := bytes.Cut(val, []byte(","))
	if len(bytes.TrimSpace(id)) == 0 {
		return l
	}
	return fmt.Appendf(nil, "##FILTER=<ID=%s,Description=%s>", bytes.TrimSpace(id), quoted(desc))
}

// quoted returns a description as one double-quoted string, escaping inner
// quotes and backslashes as VCF 4.2 asks.
func quoted(d []byte) string {
	s := strings.TrimSpace(string(d))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return `"` + s + `"`
}

// HasContigs reports whether the header declares any ##contig.
func (h *Header) HasContigs() bool {
	for _, l := range h.Meta {
		if bytes.HasPrefix(l, []byte("##contig=")) {
			return true
		}
	}
	return false
}

// AddContigs declares ##contig=<ID=name> for each name the header does not
// declare yet.
func (h *Header) AddContigs(names []string) {
	have := map[string]bool{}
	for _, l := range h.Meta {
		if v, ok := bytes.CutPrefix(l, []byte("##contig=<ID=")); ok {
			id, _, _ := bytes.Cut(v, []byte(","))
			have[string(bytes.TrimSuffix(id, []byte(">")))] = true
		}
	}
	for _, n := range names {
		if !have[n] {
			h.Meta = append(h.Meta, []byte("##contig=<ID="+n+">"))
			have[n] = true
		}
	}
}
