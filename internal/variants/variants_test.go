package variants

import (
	"bytes"
	"cmp"
	"errors"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

// allPages pages through q (at most maxPages pages, 0 = all) and returns
// every row and the totals seen.
func allPages(t *testing.T, ix *Index, q Query, maxPages int) ([]Row, []int64) {
	t.Helper()
	var rows []Row
	var totals []int64
	var base int64 // the offset of the first page: a sorted cursor's (the tests start position order at row 0)
	if q.sorted() {
		base, _ = q.cursorRow()
	}
	for n := 1; n < 100_000; n++ {
		p, err := ix.Query(q)
		if err != nil {
			t.Fatalf("query %v: %v", q.Values(), err)
		}
		if len(p.Rows) > q.limit() {
			t.Fatalf("page of %d rows, limit %d", len(p.Rows), q.limit())
		}
		if p.Offset != base+int64(len(rows)) {
			t.Fatalf("query %v page %d: offset %d, want %d", q.Values(), n, p.Offset, base+int64(len(rows)))
		}
		rows = append(rows, p.Rows...)
		totals = append(totals, p.Total)
		if p.NextCursor == "" || (maxPages > 0 && n == maxPages && q.limit() < 1000) {
			return rows, totals
		}
		q.Cursor = p.NextCursor
	}
	t.Fatal("no last page")
	return nil, nil
}

var queryCases = []string{
	"",
	"gene=MRPL39",
	"gene=mrpl39,ENSG00000260583",
	"consequence=missense_variant",
	"consequence=missense_variant,stop_gained,frameshift_variant",
	"impact=HIGH,MODERATE",
	"impact=modifier&canonical=true",
	"max_af=0.01",
	"max_af=0",
	"canonical=true",
	"chrom=chr21",
	"chrom=MT",
	"chrom=chrM,21&start=25585000&end=25600000",
	"start=300&end=600",
	"chrom=21&start=25587701&end=25587701",
	"gene=MRPL39&impact=MODERATE&max_af=0.05&canonical=true",
	"gene=NO_SUCH_GENE",
	"chrom=22",
	"consequence=transcript_ablation",
	"sort=gene",
	"sort=impact&chrom=21",
	"sort=af&impact=MODERATE,HIGH",
	"sort=-af",
}

func TestQueryMatchesFullScan(t *testing.T) {
	for _, file := range []string{"free_1.vcf", "premium_3.vcf", "test.vcf"} {
		vcf := annotated(t, file)
		ix := build(t, vcf)
		all := naiveRows(t, vcf)
		if ix.Rows() != int64(len(all)) || len(all) == 0 {
			t.Fatalf("%s: index has %d rows, full scan %d", file, ix.Rows(), len(all))
		}
		for _, qs := range queryCases {
			vals, _ := url.ParseQuery(qs)
			q, err := ParseQuery(vals)
			if err != nil {
				t.Fatalf("%s: %v", qs, err)
			}
			want := naiveQuery(q, all)
			if q.sorted() {
				slices.SortStableFunc(want, naiveOrder(q.Sort))
				if len(want) > MaxSortedRows {
					want = want[:MaxSortedRows]
				}
			}
			matching := int64(len(naiveQuery(q, all)))
			for _, limit := range []int{1000, 37} {
				q.Limit = limit
				got, totals := allPages(t, ix, q, 5)
				if limit < 1000 && len(want) > len(got) {
					want = want[:len(got)] // the first pages only
				}
				if len(got) != len(want) {
					t.Fatalf("%s %q limit %d: %d rows, full scan %d", file, qs, limit, len(got), len(want))
				}
				for i := range got {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("%s %q row %d:\n got %+v\nwant %+v", file, qs, i, got[i], want[i])
					}
				}
				for _, tot := range totals {
					if tot != matching {
						t.Fatalf("%s %q: total %d, want %d", file, qs, tot, matching)
					}
				}
			}
			// The export: every matching row, in q's sort order.
			wantExp := naiveQuery(q, all)
			if q.sorted() {
				slices.SortStableFunc(wantExp, naiveOrder(q.Sort))
			}
			var exp []Row
			err = ix.Export(q, func(r Row) error { exp = append(exp, r); return nil })
			if q.sorted() && len(wantExp) > MaxSortedRows {
				if !errors.Is(err, domain.ErrInvalid) || len(exp) > 0 {
					t.Fatalf("%s %q: sorted export of %d rows: %d rows, error %v", file, qs, len(wantExp), len(exp), err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(exp, wantExp) {
				t.Fatalf("%s %q: export differs from the full scan (%d vs %d rows)", file, qs, len(exp), len(wantExp))
			}
		}
	}
}

func naiveOrder(sort string) func(a, b Row) int {
	af := func(r Row) float32 {
		if r.AF == nil {
			return 0
		}
		return float32(*r.AF)
	}
	impact := func(r Row) int {
		if c := impactCode(r.Impact); c != impactNone {
			return int(c)
		}
		return 5
	}
	return func(a, b Row) int {
		switch sort {
		case SortGene:
			return strings.Compare(strings.ToLower(a.Gene), strings.ToLower(b.Gene))
		case SortImpact:
			return cmp.Compare(impact(a), impact(b))
		case SortAF:
			return cmp.Compare(af(a), af(b))
		}
		return cmp.Compare(af(b), af(a))
	}
}

func TestFirstRowsOfKnownRecord(t *testing.T) {
	ix := build(t, annotated(t, "chr21_vep_test.vcf"))
	p, err := ix.Query(Query{Chroms: []string{"21"}, Start: 25587701, End: 25587701, Genes: []string{"MRPL39"}, Canonical: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 1 || len(p.Rows) != 1 || p.NextCursor != "" {
		t.Fatalf("page %+v", p)
	}
	r := p.Rows[0]
	if r.ID != "rs187353664" || r.Ref != "T" || r.Alt != "C" || r.Consequence != "missense_variant&splice_region_variant" ||
		r.Impact != "MODERATE" || r.AF == nil || *r.AF != 0.0002 || r.HGVSp != "ENSP00000305682:p.Glu353Gly" || r.Feature != "ENST00000307301.11" {
		t.Fatalf("row %+v", r)
	}
}

func TestMultiAllelicRowsTakeTheirAltsFrequency(t *testing.T) {
	vcf := csqVCF("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature|CANONICAL",
		"1\t10\trs1\tCA\tC,CAA\t.\t.\tKNOWN_AF=0.5,.;KNOWN_CLNSIG=.,pathogenic;CSQ=-|intron_variant|MODIFIER|G1|ENSG1|ENST1|YES,AA|intron_variant|MODIFIER|G1|ENSG1|ENST1|YES",
		"1\t20\t.\tG\tT\t.\t.\tDP=3")
	rows := firstPage(t, vcf)
	if len(rows) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	a, b := rows[0], rows[1]
	if a.Alt != "C" || a.AF == nil || *a.AF != 0.5 || a.ClinSig != "" || b.Alt != "CAA" || b.AF != nil || b.ClinSig != "pathogenic" || !b.Canonical {
		t.Fatalf("rows %+v / %+v", a, b)
	}
}

func TestParseQueryRefusesBadValues(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"impact=SEVERE", `impact "SEVERE"`},
		{"consequence=missense", `consequence "missense"`},
		{"max_af=abc", `max_af "abc"`},
		{"max_af=2", `max_af "2"`},
		{"max_af=NaN", `max_af "NaN"`},
		{"max_af=nan", `max_af "nan"`},
		{"max_af=-0.1", `max_af "-0.1"`},
		{"max_af=Inf", `max_af "Inf"`},
		{"max_af=0_001", `max_af "0_001"`},
		{"max_af=0x1p-3", `max_af "0x1p-3"`},
		{"limit=5&limit=6", "limit is given 2 times: give it once (only gene, consequence, impact, chrom may repeat, meaning OR)"},
		{"sort=af&sort=-af", "sort is given 2 times"},
		{"max_af=0.5&max_af=0.1", "max_af is given 2 times"},
		{"canonical=true&canonical=false", "canonical is given 2 times"},
		{"start=5&start=6", "start is given 2 times"},
		{"canonical=maybe", `canonical "maybe" is not one of true, 1, yes, on (canonical transcripts only) or false, 0, no, off`},
		{"canonical=t", `canonical "t"`},
		{"canonical=F", `canonical "F"`},
		{"impcat=HIGH", `unknown parameter "impcat" (known: gene, consequence, impact, max_af, canonical, chrom, start, end, sort, limit, cursor)`},
		{"gene=JAM2&foo=bar", `unknown parameter "foo"`},
		{"format=tsv", `unknown parameter "format"`}, // the API's own: it names it as extra
		{"b=1&a=1", `unknown parameter "a"`},         // the first by name, whatever the map order
		{"start=0", `start "0"`},
		{"start=10&end=5", "start 10 is after end 5"},
		{"sort=random", `sort "random"`},
		{"limit=0", `limit "0"`},
		{"limit=1001", `limit "1001"`},
		{"cursor=zzz", `cursor "zzz"`},
		{"sort=af&cursor=" + makeCursor("p", 5), "cursor"},
		{"sort=af&cursor=" + makeCursor("o", MaxSortedRows), "pages up to row 10000"},
	} {
		v, _ := url.ParseQuery(tc.q)
		_, err := ParseQuery(v)
		if err == nil || !errors.Is(err, domain.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.q, err, tc.want)
		}
	}
	for _, s := range []string{"0.01", ".5", "1e-3", "5E-2", "1", "0", "1.", " 0.25 "} { // decimals as people write them
		if q, err := ParseQuery(url.Values{"max_af": {s}}); err != nil || q.MaxAF == nil {
			t.Errorf("max_af=%q: %v", s, err)
		}
	}
	if q, err := ParseQuery(url.Values{"gene": {"A", "B"}, "impact": {"HIGH", "LOW"}}); err != nil || len(q.Genes) != 2 || len(q.Impacts) != 2 {
		t.Errorf("repeated list filters: %+v %v", q, err)
	}
	v, _ := url.ParseQuery("gene=JAM2&format=tsv&from=7")
	if q, err := ParseQuery(v, "format", "from"); err != nil || q.Genes[0] != "JAM2" {
		t.Fatalf("extra parameters: %+v %v", q, err)
	}
	v, _ = url.ParseQuery("gene=BRCA1,,TP53&impact=high&start=1,000&limit=1000")
	q, err := ParseQuery(v)
	if err != nil || !reflect.DeepEqual(q.Genes, []string{"BRCA1", "TP53"}) || q.Impacts[0] != "HIGH" || q.Start != 1000 || q.Limit != 1000 {
		t.Fatalf("%+v %v", q, err)
	}
	if got := q.Values().Encode(); got != "gene=BRCA1%2CTP53&impact=HIGH&limit=1000&start=1000" {
		t.Fatalf("values %s", got)
	}
}

// TestCanonicalValues: canonical takes the same words in any case; anything
// else is refused.
func TestCanonicalValues(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  bool
	}{
		{"", false}, {"true", true}, {"True", true}, {"TRUE", true}, {"1", true}, {"yes", true}, {"Yes", true},
		{"on", true}, {"ON", true}, {" true ", true}, {"false", false}, {"False", false}, {"0", false},
		{"no", false}, {"NO", false}, {"off", false}, {"Off", false},
	} {
		q, err := ParseQuery(url.Values{"canonical": {tc.value}})
		if err != nil || q.Canonical != tc.want {
			t.Errorf("canonical=%q: %v %v, want %v", tc.value, q.Canonical, err, tc.want)
		}
	}
	for _, bad := range []string{"t", "f", "y", "n", "2", "-1", "yess", "canonical"} {
		if _, err := ParseQuery(url.Values{"canonical": {bad}}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("canonical=%q: %v, want refused", bad, err)
		}
	}
}

// manyRows is an index of more rows than a sorted query pages through:
// records at positions 1, 2, ... with four entries each, impacts in turn.
func manyRows(t *testing.T, rows int) (*Index, []Row) {
	t.Helper()
	impacts := []string{"HIGH|stop_gained", "MODERATE|missense_variant", "LOW|synonymous_variant", "MODIFIER|intron_variant"}
	var recs []string
	for i := 0; i*4 < rows; i++ {
		var es []string
		for k, imp := range impacts {
			level, csq, _ := strings.Cut(imp, "|")
			es = append(es, "G|"+csq+"|"+level+"|G"+strconv.Itoa(i%7)+"|ENSG"+strconv.Itoa(i%7)+"|ENST"+strconv.Itoa(k))
		}
		recs = append(recs, "1\t"+strconv.Itoa(i+1)+"\t.\tA\tG\t.\t.\tCSQ="+strings.Join(es, ","))
	}
	vcf := []byte(csqVCF("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature", recs...))
	return build(t, vcf), naiveRows(t, vcf)
}

// TestSortedPagingStopsAtTheCap: whatever the page size, sorted paging ends
// at row MaxSortedRows exactly.
func TestSortedPagingStopsAtTheCap(t *testing.T) {
	ix, _ := manyRows(t, MaxSortedRows+1000)
	for _, tc := range []struct {
		limit    int
		from     int64
		wantRows int
	}{
		{1000, 0, MaxSortedRows},
		{7, MaxSortedRows - 200, 200}, // 10,003 rows before the fix
		{7, MaxSortedRows - 4, 4},
		{7, MaxSortedRows - 1, 1},
		{1000, MaxSortedRows - 1, 1},
	} {
		q := Query{Sort: SortImpact, Limit: tc.limit}
		if tc.from > 0 {
			q.Cursor = makeCursor("o", tc.from)
		}
		rows, _ := allPages(t, ix, q, 0)
		if len(rows) != tc.wantRows {
			t.Errorf("limit %d from row %d: %d rows, want %d", tc.limit, tc.from, len(rows), tc.wantRows)
		}
	}
}

// TestSortedExportIsBounded: a sorted export holds at most MaxSortedRows
// rows: more matching rows are refused before any row is written; fewer
// come in sort order.
func TestSortedExportIsBounded(t *testing.T) {
	ix, all := manyRows(t, MaxSortedRows+4)
	calls := 0
	err := ix.Export(Query{Sort: SortImpact}, func(Row) error { calls++; return nil })
	if !errors.Is(err, domain.ErrInvalid) || !strings.Contains(err.Error(), "up to 10000 rows and 10004 match") || calls != 0 {
		t.Fatalf("%d rows over the bound: %d rows written, error %v", MaxSortedRows+4, calls, err)
	}
	q := Query{Sort: SortImpact, End: MaxSortedRows / 4} // exactly MaxSortedRows rows
	want := naiveQuery(q, all)
	slices.SortStableFunc(want, naiveOrder(q.Sort))
	var got []Row
	if err := ix.Export(q, func(r Row) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(want) != MaxSortedRows || !reflect.DeepEqual(got, want) {
		t.Fatalf("sorted export: %d rows, want the %d in impact order", len(got), len(want))
	}
	if got[0].Impact != "HIGH" || got[len(got)-1].Impact != "MODIFIER" {
		t.Fatalf("not in impact order: %s ... %s", got[0].Impact, got[len(got)-1].Impact)
	}
}

// TestPositionOffset: a position-order page knows how many matching rows
// come before it (the portal numbers its rows with it).
func TestPositionOffset(t *testing.T) {
	ix, _ := manyRows(t, 4*5000)
	for _, qs := range []string{"", "impact=HIGH", "gene=G3&impact=LOW,HIGH", "start=100&end=4000"} {
		v, _ := url.ParseQuery(qs)
		q, err := ParseQuery(v)
		if err != nil {
			t.Fatal(err)
		}
		q.Limit = 997
		allPages(t, ix, q, 0) // checks each page's Offset
	}
}

func TestBuilderErrors(t *testing.T) {
	hdr := "##fileformat=VCFv4.2\n" +
		`##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations. Format: Allele|Consequence">` + "\n" +
		"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
	for _, tc := range []struct{ body, want string }{
		{"1\tten\t.\tA\tG\t.\t.\tCSQ=G|intron_variant\n", `line 4: POS "ten"`},
		{"1\t10\t.\tA\n", "line 4: 4 columns"},
	} {
		b := NewBuilder(&bytes.Buffer{})
		b.Write([]byte(hdr + tc.body))
		if err := b.Close(PlainResult); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
	if _, err := Open(bytes.NewReader([]byte("not an index at all, no")), 23, nil); err == nil {
		t.Error("garbage opened")
	}
	// An index of a file without CSQ has no rows, and opens.
	ix := build(t, []byte("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t5\t.\tA\tG\t.\t.\t.\n"))
	if p, err := ix.Query(Query{}); err != nil || p.Total != 0 || len(p.Rows) != 0 {
		t.Fatalf("%+v %v", p, err)
	}
}

func TestVEPLayoutAndShortEntries(t *testing.T) {
	vcf := csqVCF("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp|AF|CLIN_SIG|CANONICAL|TSL",
		"1\t10\trs1\tA\tG\t.\t.\tKNOWN_AF=0.9;CSQ=G|missense_variant|MODERATE|G1|ENSG1|Transcript|ENST1.1|protein_coding|ENST9.1:c.5A>G|p.Lys2Arg|0.25|benign|YES|1,"+
			"G|intron_variant|MODIFIER,G|upstream_gene_variant|MODIFIER|G2|ENSG2|Transcript|ENST2.1|lncRNA|||.||YES")
	af := 0.25
	want := []Row{
		{Chrom: "1", Pos: 10, ID: "rs1", Ref: "A", Alt: "G", Allele: "G", Gene: "G1", GeneID: "ENSG1", Feature: "ENST1.1", Biotype: "protein_coding",
			Consequence: "missense_variant", Impact: "MODERATE", HGVSc: "ENST9.1:c.5A>G", HGVSp: "p.Lys2Arg", AF: &af, ClinSig: "benign", Canonical: true},
		// A short entry: the fields it lacks are empty (CSQ AF, not KNOWN_AF, is the layout's frequency).
		{Chrom: "1", Pos: 10, ID: "rs1", Ref: "A", Alt: "G", Allele: "G", Consequence: "intron_variant", Impact: "MODIFIER"},
		// CANONICAL is the 13th of 14 fields here, not the last.
		{Chrom: "1", Pos: 10, ID: "rs1", Ref: "A", Alt: "G", Allele: "G", Gene: "G2", GeneID: "ENSG2", Feature: "ENST2.1", Biotype: "lncRNA",
			Consequence: "upstream_gene_variant", Impact: "MODIFIER", Canonical: true},
	}
	if got := firstPage(t, vcf); !reflect.DeepEqual(got, want) {
		t.Fatalf("rows\n%+v\nwant\n%+v", got, want)
	}
}

func TestFieldsAreReadByPosition(t *testing.T) {
	// Fields are read by position: an entry one field short has no
	// CANONICAL (its last field is Feature), one with an extra field keeps it.
	vcf := csqVCF("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature|CANONICAL", "1\t10\t.\tA\tG\t.\t.\tCSQ=G|intron_variant|MODIFIER|G1|ENSG1|YES,G|intron_variant|MODIFIER|G1|ENSG1|ENST1|YES|extra")
	rows := firstPage(t, vcf)
	if len(rows) != 2 || rows[0].Feature != "YES" || rows[0].Canonical || rows[1].Feature != "ENST1" || !rows[1].Canonical {
		t.Fatalf("rows %+v", rows)
	}
}

// firstPage indexes vcf and returns the rows of its unfiltered first page,
// checking the total agrees.
func firstPage(t *testing.T, vcf string) []Row {
	t.Helper()
	p, err := build(t, []byte(vcf)).Query(Query{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != int64(len(p.Rows)) {
		t.Fatalf("total %d, %d rows", p.Total, len(p.Rows))
	}
	return p.Rows
}

// csqVCF is a VCF whose CSQ has the given layout, with the given records.
func csqVCF(format string, records ...string) string {
	return "##fileformat=VCFv4.2\n" +
		`##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations. Format: ` + format + `">` + "\n" +
		"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" + strings.Join(records, "\n") + "\n"
}

// TestRecordValuesOnEveryRow: every row of a record shows its ALT's
// KNOWN_AF and KNOWN_CLNSIG, its ID, REF and ALT, the later rows of an ALT
// too (which take them from the row before), as a full scan reads them.
func TestRecordValuesOnEveryRow(t *testing.T) {
	e := "|missense_variant|MODERATE|G1|ENSG1|ENST1|YES"
	vcf := csqVCF("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature|CANONICAL",
		"1\t10\trs1\tA\tG\t.\t.\tKNOWN_AF=0.25;KNOWN_CLNSIG=benign;CSQ=G"+e+",G"+e+",G"+e,
		"1\t20\trs2;rs3\tA\tC,T\t.\t.\tKNOWN_AF=0.1,.;KNOWN_CLNSIG=.,pathogenic;CSQ=C"+e+",C"+e+",T"+e+",T"+e+",T"+e,
		"1\t30\t.\tC\tG\t.\t.\tCSQ=G"+e+",G"+e)
	got, want := firstPage(t, vcf), naiveRows(t, []byte(vcf))
	if !reflect.DeepEqual(got, want) || len(got) != 10 || got[2].ClinSig != "benign" || got[6].ClinSig != "pathogenic" || got[9].ClinSig != "" {
		t.Fatalf("rows:\n%+v\nwant:\n%+v", got, want)
	}
}

// TestAnotherResultWithTheSamePositions: a result whose lines are at the
// index's places and positions but give other rows (another ALT, impact or
// frequency) fails the query that reads them, and never mixes the two.
func TestAnotherResultWithTheSamePositions(t *testing.T) {
	e := "|missense_variant|MODERATE|G1|ENSG1|ENST1|YES"
	rec := func(af string) string {
		return "1\t20\t.\tA\tC\t.\t.\tKNOWN_AF=" + af + ";CSQ=C" + e + ",C" + e
	}
	vcf := csqVCF("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature|CANONICAL", "1\t10\t.\tA\tG\t.\t.\tCSQ=G"+e, rec("0.5"), "1\t30\t.\tC\tG\t.\t.\tCSQ=G"+e)
	other := strings.Replace(vcf, "KNOWN_AF=0.5", "KNOWN_AF=0.3", 1) // same length, same places
	var idx bytes.Buffer
	b := NewBuilder(&idx)
	b.Write([]byte(vcf))
	if err := b.Close(PlainResult); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(bytes.NewReader(idx.Bytes()), int64(idx.Len()), strings.NewReader(other)) // its first and last rows agree
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ix.Query(Query{}); !errors.Is(err, ErrWrongResult) || !strings.Contains(err.Error(), "row 1") {
		t.Fatalf("rows %+v, err %v: want ErrWrongResult at row 1", p.Rows, err)
	}
	for _, bad := range []string{"", "not a vcf\n", strings.Replace(vcf, "1\t10\t", "1\t11\t", 1)} {
		if _, err := Open(bytes.NewReader(idx.Bytes()), int64(idx.Len()), strings.NewReader(bad)); !errors.Is(err, ErrWrongResult) {
			t.Errorf("result %.20q: Open %v, want ErrWrongResult", bad, err)
		}
	}
}
