package refdata

import (
	"bytes"
	"io"
	"strconv"
	"strings"
)

// ParseGTF reads an Ensembl or GENCODE GTF (plain, gzip or BGZF) into
// transcripts sorted by chromosome (first appearance), start and id. Rows
// used: transcript, exon, CDS, start_codon, stop_codon and UTRs; gene rows are
// optional. Versions come from transcript_version, or from a GENCODE-style
// "ENST...N" id. source names the input in errors.
func ParseGTF(r io.Reader, source string) ([]*Transcript, error) {
	lr, err := openLines(r, source)
	if err != nil {
		return nil, err
	}
	byID := map[string]*txDraft{}
	var order []*txDraft
	var cols [9][]byte
	for n := range lr.fields(cols[:], "") {
		if n < 9 {
			return nil, lr.errorf("expected 9 tab-separated columns, found %d (not a GTF file?)", n)
		}
		typ := string(cols[2])
		switch typ {
		case "transcript", "exon", "CDS", "start_codon", "stop_codon", "UTR", "five_prime_utr", "three_prime_utr":
		default:
			continue // gene, Selenocysteine, ...: transcripts carry the gene attributes
		}
		attrs, err := parseGTFAttrs(cols[8])
		if err != nil {
			return nil, lr.errorf("%v", err)
		}
		tid := attrs.get("transcript_id")
		if tid == "" {
			return nil, lr.errorf("%s row without transcript_id", typ)
		}
		start, end, err := parseCoords(source, lr.line, string(cols[3]), string(cols[4]))
		if err != nil {
			return nil, err
		}
		d := byID[tid]
		if d == nil {
			id, ver := tid, attrs.get("transcript_version")
			if ver == "" {
				id, ver = splitVersion(tid)
			}
			d = &txDraft{t: &Transcript{ID: id, Version: ver}, line: lr.line}
			byID[tid] = d
			order = append(order, d)
		}
		if err := d.setLocus(source, lr.line, string(cols[0]), strandByte(cols[6])); err != nil {
			return nil, err
		}
		d.fillGTF(attrs)
		switch typ {
		case "exon":
			d.exons = append(d.exons, span{start, end, 0})
		case "CDS":
			ph, err := parsePhase(source, lr.line, string(cols[7]))
			if err != nil {
				return nil, err
			}
			d.cds = append(d.cds, span{start, end, ph})
			if p := attrs.get("protein_id"); p != "" && d.t.ProteinID == "" {
				d.t.ProteinID, _ = splitVersion(p)
			}
		case "start_codon":
			d.startCodon = append(d.startCodon, span{start, end, 0})
		case "stop_codon":
			d.stopCodon = append(d.stopCodon, span{start, end, 0})
		case "UTR", "five_prime_utr", "three_prime_utr":
			d.utrs = append(d.utrs, span{start, end, 0})
		}
	}
	if err := lr.err(); err != nil {
		return nil, err
	}
	return collect(source, order)
}

// fillGTF copies transcript-level attributes the first time they are seen.
func (d *txDraft) fillGTF(a gtfAttrs) {
	t := d.t
	setOnce := func(dst *string, keys ...string) {
		if *dst != "" {
			return
		}
		for _, k := range keys {
			if v := a.get(k); v != "" {
				*dst = v
				return
			}
		}
	}
	if t.GeneID == "" {
		if g := a.get("gene_id"); g != "" {
			t.GeneID, _ = splitVersion(g)
		}
	}
	setOnce(&t.GeneName, "gene_name")
	setOnce(&t.GeneBiotype, "gene_biotype", "gene_type")
	setOnce(&t.Biotype, "transcript_biotype", "transcript_type")
	setOnce(&t.Name, "transcript_name")
	if t.Tags == nil {
		for _, kv := range a {
			if kv[0] == "tag" {
				t.Tags = append(t.Tags, kv[1])
			}
		}
	}
}

type gtfAttrs [][2]string

func (a gtfAttrs) get(key string) string {
	for _, kv := range a {
		if kv[0] == key {
			return kv[1]
		}
	}
	return ""
}

// parseGTFAttrs parses `key "value"; key value; ...`, keeping repeated keys (tag).
func parseGTFAttrs(b []byte) (gtfAttrs, error) {
	var out gtfAttrs
	s := string(b)
	for {
		s = strings.TrimLeft(s, " ;")
		if s == "" {
			return out, nil
		}
		sp := strings.IndexAny(s, " \t")
		if sp < 0 {
			return nil, errAttr(s)
		}
		key := s[:sp]
		s = strings.TrimLeft(s[sp:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			q := strings.IndexByte(s[1:], '"')
			if q < 0 {
				return nil, errAttr(key + " " + s)
			}
			val, s = s[1:1+q], s[2+q:]
		} else {
			end := strings.IndexByte(s, ';')
			if end < 0 {
				end = len(s)
			}
			val, s = strings.TrimSpace(s[:end]), s[end:]
		}
		out = append(out, [2]string{key, val})
	}
}

type attrError string

func (e attrError) Error() string {
	return "malformed attribute column near " + strconv.Quote(string(e))
}

func errAttr(s string) error {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return attrError(s)
}

// splitTabs splits line into at most len(cols) fields, the last one taking
// the rest of the line (some files have stray tabs inside the attributes),
// and returns the number of fields.
func splitTabs(line []byte, cols [][]byte) int {
	n := 0
	for n < len(cols)-1 {
		i := bytes.IndexByte(line, '\t')
		if i < 0 {
			break
		}
		cols[n] = line[:i]
		line = line[i+1:]
		n++
	}
	cols[n] = line
	return n + 1
}

func strandByte(b []byte) byte {
	if len(b) == 1 {
		return b[0]
	}
	return 0
}
