package variants

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/testshared"
)

var (
	miniOnce   sync.Once
	miniEngine *annotate.Engine
	miniBundle *refdata.Bundle
	miniErr    error
	miniDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if miniDir != "" {
		os.RemoveAll(miniDir)
	}
	os.Exit(code)
}

// engine is the annotation engine on the mini bundle, built once per test
// binary (or kept in GAS_BENCH_BUNDLE).
func engine(t testing.TB) *annotate.Engine {
	t.Helper()
	shared := testshared.Dir(t)
	miniOnce.Do(func() {
		// GAS_BENCH_BUNDLE: the bundle stays there (built when missing).
		out := os.Getenv("GAS_BENCH_BUNDLE")
		if out == "" {
			if miniDir, miniErr = os.MkdirTemp("", "gas-variants-"); miniErr != nil {
				return
			}
			out = filepath.Join(miniDir, "bundle")
		}
		if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
			if _, miniErr = refdata.BuildMini(context.Background(), shared, out); miniErr != nil {
				return
			}
		}
		if miniBundle, miniErr = refdata.Open(out); miniErr == nil {
			miniEngine = annotate.New(miniBundle)
		}
	})
	if miniErr != nil {
		t.Fatalf("mini bundle: %v", miniErr)
	}
	return miniEngine
}

// annotated runs the engine on one of ../shared/vcf's files.
func annotated(t testing.TB, name string) []byte {
	t.Helper()
	e := engine(t)
	in := testshared.Read(t, "vcf", name)
	var out bytes.Buffer
	if _, err := e.Run(context.Background(), bytes.NewReader(in), &out, annotate.Options{}); err != nil {
		t.Fatalf("annotate %s: %v", name, err)
	}
	return out.Bytes()
}

// build indexes vcf text in memory.
func build(t testing.TB, vcf []byte) *Index {
	t.Helper()
	var idx bytes.Buffer
	b := NewBuilder(&idx)
	// Odd-sized writes: lines cross chunk boundaries.
	for p := vcf; len(p) > 0; {
		k := min(len(p), 7777)
		if _, err := b.Write(p[:k]); err != nil {
			t.Fatalf("build: %v", err)
		}
		p = p[k:]
	}
	if err := b.Close(PlainResult); err != nil {
		t.Fatalf("build: %v", err)
	}
	ix, err := Open(bytes.NewReader(idx.Bytes()), int64(idx.Len()), bytes.NewReader(vcf))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return ix
}

// naiveRows is the peer: a full scan of the VCF text, written without the
// index's code, giving every CSQ entry as a Row in file order.
func naiveRows(t testing.TB, vcf []byte) []Row {
	t.Helper()
	var fields []string
	var rows []Row
	sc := bufio.NewScanner(bytes.NewReader(vcf))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "##INFO=<ID=CSQ,") {
			fields = csqFields(line)
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		rows = append(rows, naiveRecord(t, fields, strings.Split(line, "\t"))...)
	}
	return rows
}

// csqFields is the field list of a CSQ header line.
func csqFields(line string) []string {
	_, f, _ := strings.Cut(line, "Format: ")
	f, _, _ = strings.Cut(f, `"`)
	return strings.Split(f, "|")
}

func naiveRecord(t testing.TB, fields, cols []string) []Row {
	info := map[string]string{}
	for _, kv := range strings.Split(cols[7], ";") {
		k, v, _ := strings.Cut(kv, "=")
		info[k] = v
	}
	if info["CSQ"] == "" {
		return nil
	}
	pos, err := strconv.Atoi(cols[1])
	if err != nil {
		t.Fatal(err)
	}
	alts := strings.Split(cols[4], ",")
	afs := strings.Split(info["KNOWN_AF"], ",")
	cln := strings.Split(info["KNOWN_CLNSIG"], ",")
	var out []Row
	for _, e := range strings.Split(info["CSQ"], ",") {
		v := map[string]string{}
		for i, s := range strings.Split(e, "|") {
			v[fields[i]] = s
		}
		alt := 0
		for i := range alts {
			if consequence.VEPAllele(cols[3], alts, i) == v["Allele"] {
				alt = i
				break
			}
		}
		r := Row{Chrom: cols[0], Pos: pos, ID: cols[2], Ref: cols[3], Alt: alts[alt], Allele: v["Allele"],
			Gene: cmp.Or(v["SYMBOL"], v["Gene"]), GeneID: v["Gene"], Feature: v["Feature"], Biotype: v["BIOTYPE"],
			Consequence: v["Consequence"], Impact: v["IMPACT"], HGVSc: v["HGVSc"], HGVSp: v["HGVSp"],
			Canonical: v["CANONICAL"] == "YES"}
		if alt < len(afs) && afs[alt] != "." && afs[alt] != "" {
			f, err := strconv.ParseFloat(afs[alt], 64)
			if err != nil {
				t.Fatal(err)
			}
			r.AF = &f
		}
		if alt < len(cln) && cln[alt] != "." {
			r.ClinSig = cln[alt]
		}
		out = append(out, r)
	}
	return out
}

// naiveMatch applies q's filters to one row, the obvious way.
func naiveMatch(q Query, r Row) bool {
	anyOf := func(want []string, ok func(string) bool) bool {
		return len(want) == 0 || slices.ContainsFunc(want, ok)
	}
	af := 0.0
	if r.AF != nil {
		af = *r.AF
	}
	return anyOf(q.Genes, func(g string) bool { return strings.EqualFold(g, r.Gene) || strings.EqualFold(g, r.GeneID) }) &&
		anyOf(q.Consequences, func(c string) bool { return slices.Contains(strings.Split(r.Consequence, "&"), c) }) &&
		anyOf(q.Impacts, func(i string) bool { return i == r.Impact }) &&
		anyOf(q.Chroms, func(c string) bool { return refdata.CanonicalChrom(c) == refdata.CanonicalChrom(r.Chrom) }) &&
		(q.MaxAF == nil || float32(af) <= float32(*q.MaxAF)) &&
		(!q.Canonical || r.Canonical) &&
		(q.Start == 0 || r.Pos >= q.Start) && (q.End == 0 || r.Pos <= q.End)
}

func naiveQuery(q Query, rows []Row) []Row {
	var out []Row
	for _, r := range rows {
		if naiveMatch(q, r) {
			out = append(out, r)
		}
	}
	return out
}
