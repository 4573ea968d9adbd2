package annotate

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/vcf"
)

// Chromosome lengths of the human assemblies, to tell which one a ##contig
// line comes from (a bundle may hold only part of a chromosome, so its own
// length is not enough).
var assemblyLengths = map[string]map[string]int{
	"GRCh38": {
		"1": 248956422, "2": 242193529, "3": 198295559, "4": 190214555, "5": 181538259,
		"6": 170805979, "7": 159345973, "8": 145138636, "9": 138394717, "10": 133797422,
		"11": 135086622, "12": 133275309, "13": 114364328, "14": 107043718, "15": 101991189,
		"16": 90338345, "17": 83257441, "18": 80373285, "19": 58617616, "20": 64444167,
		"21": 46709983, "22": 50818468, "X": 156040895, "Y": 57227415, "MT": 16569,
	},
	"GRCh37": {
		"1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260,
		"6": 171115067, "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747,
		"11": 135006516, "12": 133851895, "13": 115169878, "14": 107349540, "15": 102531392,
		"16": 90354753, "17": 81195210, "18": 78077248, "19": 59128983, "20": 63025520,
		"21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
	},
	"NCBI36": {"1": 247249719, "21": 46944323, "22": 49691432, "X": 154913754, "Y": 57772954},
	"hg19":   {"MT": 16571}, // UCSC hg19 chrM is the Yoruba sequence, not rCRS
}

// assemblyAliases maps names found in ##reference, ##assembly and ##contig
// assembly= values to an assembly.
var assemblyAliases = []struct{ token, assembly string }{
	{"grch38", "GRCh38"}, {"hg38", "GRCh38"}, {"gcf_000001405.26", "GRCh38"}, {"b38", "GRCh38"},
	{"grch37", "GRCh37"}, {"hg19", "GRCh37"}, {"b37", "GRCh37"}, {"hs37d5", "GRCh37"}, {"gcf_000001405.25", "GRCh37"},
	{"ncbi36", "NCBI36"}, {"hg18", "NCBI36"}, {"b36", "NCBI36"},
}

// assemblyIn names the assembly a header value mentions ("" for none).
func assemblyIn(v string) string {
	v = strings.ToLower(v)
	for _, a := range assemblyAliases {
		if strings.Contains(v, a.token) {
			return a.assembly
		}
	}
	return ""
}

// headerWarnings compares the header's ##contig lengths and its
// ##reference/##assembly lines with the reference bundle (assembly is the
// bundle's, e.g. "GRCh38").
func headerWarnings(h *vcf.Header, ref reference, assembly string) []Warning {
	var ws []Warning
	seen := map[string]bool{}
	add := func(code, msg string) {
		if !seen[msg] {
			seen[msg] = true
			ws = append(ws, Warning{Code: code, Message: msg})
		}
	}
	for _, l := range h.Meta {
		key, val, ok := bytes.Cut(bytes.TrimPrefix(l, []byte("##")), []byte("="))
		if !ok {
			continue
		}
		switch string(key) {
		case "reference", "assembly":
			if a := assemblyIn(string(val)); a != "" && a != assembly {
				add("assembly", fmt.Sprintf("the header's ##%s=%s names %s; the reference is %s", key, clip(bytes.TrimSpace(val)), a, assembly))
			}
		case "contig":
			if msg := contigMismatch(val, ref, assembly); msg != "" {
				add("contig_length", msg)
			}
		}
	}
	return ws
}

// contigMismatch checks one ##contig=<ID=..,length=..> value.
func contigMismatch(val []byte, ref reference, assembly string) string {
	var id, asm string
	length := 0
	for _, kv := range bytes.Split(bytes.Trim(val, "<>"), []byte(",")) {
		k, v, _ := bytes.Cut(kv, []byte("="))
		switch string(k) {
		case "ID":
			id = string(v)
		case "length":
			length, _ = strconv.Atoi(string(v))
		case "assembly":
			asm = assemblyIn(string(v))
		}
	}
	if asm != "" && asm != assembly {
		return fmt.Sprintf("##contig %s is declared on assembly %s; the reference is %s", id, asm, assembly)
	}
	if id == "" || length <= 0 {
		return ""
	}
	refLen, ok := ref.length(id) // from the manifest: nothing is loaded
	if !ok {
		return "" // a chromosome the bundle does not hold: its records are counted as not covered
	}
	canon := refdata.CanonicalChrom(id)
	if length == refLen || length == assemblyLengths[assembly][canon] {
		return ""
	}
	for a, lens := range assemblyLengths {
		if lens[canon] == length && a != assembly {
			return fmt.Sprintf("##contig %s has length %d, the length of %s in %s; the reference is %s", id, length, id, a, assembly)
		}
	}
	if length < refLen {
		return fmt.Sprintf("##contig %s has length %d; the reference's %s is %d bases long", id, length, id, refLen)
	}
	return ""
}
