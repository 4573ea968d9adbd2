package webui_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tabix"
	"github.com/gasproject/gas/internal/variants"
	"github.com/gasproject/gas/internal/vcf"
	"github.com/gasproject/gas/internal/vcf/vcftest"
)

// compressedJob turns job id's result into what the Annotate step stores:
// BGZF at annotated.vcf.gz with its tabix and variant indexes beside it.
func (h *harness) compressedJob(owner domain.Profile, id string) (domain.Job, []byte, []byte) {
	h.t.Helper()
	return h.compressedJobOf(owner, id, vcftest.Annotated)
}

// compressedJobOf is compressedJob with text as the result.
func (h *harness) compressedJobOf(owner domain.Profile, id, text string) (domain.Job, []byte, []byte) {
	h.t.Helper()
	ctx := context.Background()
	h.completedJobAt(owner, id, time.Now().UTC().Add(-time.Minute))
	key := "results/" + owner.ID + "/" + id + "/annotated.vcf.gz"
	// BGZF as the workflow writes it (a tabix.PartWriter), which says
	// where each line is for the variant index's anchors.
	var z bytes.Buffer
	pw := tabix.NewPartWriter(&z)
	pw.Write([]byte(text))
	if _, err := pw.Close(); err != nil {
		h.t.Fatal(err)
	}
	gz := append(z.Bytes(), tabix.EOF()...)
	x, err := tabix.ScanVCF(bytes.NewReader(gz))
	if err != nil {
		h.t.Fatal(err)
	}
	var tbi bytes.Buffer
	tw := vcf.NewBGZFWriter(&tbi)
	x.WriteTBI(tw)
	tw.Close()
	var idx bytes.Buffer
	b := variants.NewBuilder(&idx)
	b.Write([]byte(text))
	if err := b.Close(pw.Virtual); err != nil {
		h.t.Fatal(err)
	}
	for k, body := range map[string][]byte{key: gz, domain.TabixKey(key): tbi.Bytes(), domain.VariantsKey(key): idx.Bytes()} {
		if err := h.blobs.Put(ctx, k, bytes.NewReader(body)); err != nil {
			h.t.Fatal(err)
		}
	}
	h.updateJob(id, func(j *domain.Job) { j.ResultKey = key })
	j, _ := h.db.Jobs().Get(ctx, id)
	return j, gz, tbi.Bytes()
}

func TestResultFormats(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	_, gz, tbi := h.compressedJob(owner, "job1")
	h.completedJob(owner, "old") // a plain result from before compression

	for _, tc := range []struct {
		path, wantType, wantName, wantBody string
		status                             int
	}{
		{"/api/v1/jobs/job1/result", "text/plain; charset=utf-8", "sample%20%C3%BC.annotated.vcf", vcftest.Annotated, 200},
		{"/api/v1/jobs/job1/result?format=vcf", "text/plain; charset=utf-8", "annotated.vcf", vcftest.Annotated, 200},
		{"/api/v1/jobs/job1/result?format=vcf.gz", "application/gzip", "annotated.vcf.gz", string(gz), 200},
		{"/api/v1/jobs/job1/result?format=tbi", "application/octet-stream", "annotated.vcf.gz.tbi", string(tbi), 200},
		{"/api/v1/jobs/job1/result?format=tsv", "text/tab-separated-values; charset=utf-8", "annotated.tsv",
			"CHROM\tPOS\tID\tREF\tALT\tAllele\tConsequence\tIMPACT\tSYMBOL\tGene\tFeature\tBIOTYPE\tCANONICAL\n" +
				"21\t100\trs1\tA\tG\tG\tmissense_variant\tMODERATE\tGENE1\tENSG1\tENST1.1\tprotein_coding\tYES\n" +
				"21\t100\trs1\tA\tG\tG\tintron_variant\tMODIFIER\tGENE1\tENSG1\tENST2.1\t.\t.\n" +
				"21\t200\t.\tC\tT\tT\tstop_gained\tHIGH\tGENE2\tENSG2\tENST3.1\tprotein_coding\tYES\n", 200},
		{"/api/v1/jobs/job1/result?format=bam", "", "", `format \"bam\" is not one of vcf, vcf.gz, tbi, tsv`, 400},
		{"/api/v1/jobs/old/result?format=vcf", "text/plain; charset=utf-8", "annotated.vcf", "result\n", 200},
		{"/api/v1/jobs/old/result?format=tbi", "", "", "before results were stored compressed", 404},
	} {
		r := h.api("GET", tc.path, tok, nil, "")
		if r.status != tc.status || !strings.Contains(r.body, tc.wantBody) {
			t.Errorf("%s: %d %.200q", tc.path, r.status, r.body)
			continue
		}
		if tc.status == 200 && (r.header.Get("Content-Type") != tc.wantType || !strings.Contains(r.header.Get("Content-Disposition"), tc.wantName)) {
			t.Errorf("%s: %q %q", tc.path, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
		}
	}
	// The portal's download link takes the same formats.
	b := h.signedIn("owner@example.org")
	if r := b.get("/jobs/job1/result?format=vcf.gz"); r.status != 200 || r.body != string(gz) {
		t.Errorf("portal vcf.gz: %d", r.status)
	}
}

func TestVariantsAPIAndPage(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	_, other := h.user("other@example.org", domain.RoleFree, false)
	h.compressedJob(owner, "job1")

	var page struct {
		Rows []struct {
			Gene, Consequence, Impact, ID string
			AF                            *float64
			Canonical                     bool
		}
		NextCursor string `json:"next_cursor"`
		Total      int64
	}
	r := h.api("GET", "/api/v1/jobs/job1/variants?impact=HIGH,MODERATE&canonical=true", tok, nil, "")
	r.json(t, &page)
	if r.status != 200 || page.Total != 2 || len(page.Rows) != 2 || page.Rows[0].Gene != "GENE1" || page.Rows[0].AF == nil || *page.Rows[0].AF != 0.5 {
		t.Fatalf("filtered: %d %+v", r.status, page)
	}
	r = h.api("GET", "/api/v1/jobs/job1/variants?limit=2", tok, nil, "")
	r.json(t, &page)
	if page.Total != 3 || len(page.Rows) != 2 || page.NextCursor == "" {
		t.Fatalf("first page: %+v", page)
	}
	r = h.api("GET", "/api/v1/jobs/job1/variants?limit=2&cursor="+page.NextCursor, tok, nil, "")
	r.json(t, &page)
	if len(page.Rows) != 1 || page.Rows[0].Consequence != "stop_gained" || page.NextCursor != "" {
		t.Fatalf("second page: %+v", page)
	}
	if r := h.api("GET", "/api/v1/jobs/job1/variants?impact=SEVERE", tok, nil, ""); r.status != 400 || !strings.Contains(r.body, `impact \"SEVERE\"`) {
		t.Errorf("bad filter: %d %s", r.status, r.body)
	}
	if r := h.api("GET", "/api/v1/jobs/job1/variants?limit=5000", tok, nil, ""); r.status != 400 || !strings.Contains(r.body, "1 to 1000") {
		t.Errorf("limit over the maximum: %d %s", r.status, r.body)
	}
	if r := h.api("GET", "/api/v1/jobs/job1/variants", other, nil, ""); r.status != 404 {
		t.Errorf("another user's job: %d", r.status)
	}
	r = h.api("GET", "/api/v1/jobs/job1/variants?gene=gene1&format=tsv", tok, nil, "")
	if r.status != 200 || !strings.HasPrefix(r.body, variants.TSVHeader) || strings.Count(r.body, "\n") != 3 ||
		!strings.Contains(r.header.Get("Content-Disposition"), "variants.tsv") {
		t.Errorf("tsv export: %d %q", r.status, r.body)
	}

	// The page works without JavaScript: a GET form, a table, counts and links.
	b := h.signedIn("owner@example.org")
	p := b.get("/jobs/job1/variants?gene=GENE1&impact=MODERATE&impact=MODIFIER")
	for _, want := range []string{
		"<strong>2</strong> matching rows, showing 1–2",
		`href="https://www.ensembl.org/Homo_sapiens/Gene/Summary?g=ENSG1"`,
		`href="https://www.ncbi.nlm.nih.gov/snp/rs1"`,
		`href="https://genome.ucsc.edu/cgi-bin/hgTracks?db=hg38&amp;position=chr21%3A100-100"`,
		`https://igv.org/app/?genome=hg38&amp;locus=chr21%3A80-120`,
		`name="impact" value="MODERATE" checked`,
		`/api/v1/jobs/job1/variants?format=tsv&amp;gene=GENE1&amp;impact=MODERATE%2CMODIFIER`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("variants page lacks %s", want)
		}
	}
	if p.status != 200 || strings.Contains(p.body, "stop_gained") {
		t.Errorf("page %d shows rows outside the filter", p.status)
	}
	if p := b.get("/jobs/job1/variants?limit=1"); !strings.Contains(p.body, `id="next-page"`) || !strings.Contains(p.body, "cursor=") {
		t.Errorf("no next link on a partial page: %s", p.body[strings.Index(p.body, "variant-count"):])
	}
	if p := b.get("/jobs/job1/variants?start=abc"); p.status != 400 || !strings.Contains(p.body, `start`) {
		t.Errorf("bad filter page: %d", p.status)
	}
}

// TestVariantsAPIRefusesWhatItWouldIgnore: a parameter the call does not
// know, or a pair Go's URL parsing would drop, is a 400 naming it, not
// every row; the values each filter takes are the same in any case.
func TestVariantsAPIRefusesWhatItWouldIgnore(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	h.compressedJob(owner, "job1")
	for _, tc := range []struct {
		query, want string
		status      int
	}{
		{"impcat=HIGH", `unknown parameter \"impcat\" (known: gene, consequence, impact, max_af, canonical, chrom, start, end, sort, limit, cursor, format)`, 400},
		{"foo=bar", `unknown parameter \"foo\"`, 400},
		{"gene=GENE1&from=2", `unknown parameter \"from\"`, 400}, // the portal page's, not the API's
		{"gene=JAM2;x=1", `the query string has a ';'`, 400},
		{"gene=%zz", `the query string is malformed`, 400},
		{"max_af=NaN", `max_af \"NaN\" is not a frequency between 0 and 1`, 400},
		{"max_af=nan&format=tsv", `max_af \"nan\"`, 400},
		{"canonical=t", `canonical \"t\" is not one of true, 1, yes, on`, 400},
		{"canonical=TRUE", `"total":2`, 200},
		{"canonical=Yes", `"total":2`, 200},
		{"canonical=Off", `"total":3`, 200},
		{"canonical=no", `"total":3`, 200},
		{"format=json&gene=gene1", `"total":2`, 200},
	} {
		r := h.api("GET", "/api/v1/jobs/job1/variants?"+tc.query, tok, nil, "")
		if r.status != tc.status || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %s", tc.query, r.status, r.body, tc.status, tc.want)
		}
	}
}

// manyRowsVCF is a result of records at 21:1, 21:2, ... with four CSQ
// entries each (impact MODIFIER, LOW, MODERATE, HIGH in that order), rows
// rows in all.
func manyRowsVCF(rows int) string {
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.2\n" +
		`##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature">` + "\n" +
		"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
	for i := 0; i*4 < rows; i++ {
		fmt.Fprintf(&b, "21\t%d\t.\tA\tG\t.\t.\tCSQ=G|intron_variant|MODIFIER|G1|ENSG1|ENST1,G|synonymous_variant|LOW|G1|ENSG1|ENST2,"+
			"G|missense_variant|MODERATE|G1|ENSG1|ENST3,G|stop_gained|HIGH|G1|ENSG1|ENST4\n", i+1)
	}
	return b.String()
}

// TestVariantsExportHonoursSort: format=tsv gives the rows in the query's
// sort order, as the table shows them, up to variants.MaxSortedRows rows;
// beyond, the export is refused before any row, and the page's export link
// is in position order and says so.
func TestVariantsExportHonoursSort(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	h.compressedJob(owner, "job1")
	h.compressedJobOf(owner, "big", manyRowsVCF(variants.MaxSortedRows+4))

	impacts := func(tsv string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(tsv), "\n")[1:] {
			out = append(out, strings.Split(l, "\t")[11])
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"format=tsv", []string{"MODERATE", "MODIFIER", "HIGH"}},
		{"format=tsv&sort=position", []string{"MODERATE", "MODIFIER", "HIGH"}},
		{"format=tsv&sort=impact", []string{"HIGH", "MODERATE", "MODIFIER"}},
		{"format=tsv&sort=impact&limit=1&cursor=" + "bzE", []string{"HIGH", "MODERATE", "MODIFIER"}}, // no paging: every row
	} {
		r := h.api("GET", "/api/v1/jobs/job1/variants?"+tc.query, tok, nil, "")
		if got := impacts(r.body); r.status != 200 || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %d %v, want %v", tc.query, r.status, got, tc.want)
		}
	}
	r := h.api("GET", "/api/v1/jobs/big/variants?format=tsv&sort=impact", tok, nil, "")
	if r.status != 400 || !strings.Contains(r.body, "a sorted export holds up to 10000 rows and 10004 match") || r.header.Get("Content-Disposition") != "" {
		t.Errorf("sorted export over the bound: %d %q %.300s", r.status, r.header.Get("Content-Disposition"), r.body)
	}
	r = h.api("GET", "/api/v1/jobs/big/variants?format=tsv&sort=impact&end=2500", tok, nil, "") // 10,000 rows
	if got := impacts(r.body); r.status != 200 || len(got) != variants.MaxSortedRows || got[0] != "HIGH" || got[2499] != "HIGH" || got[2500] != "MODERATE" || got[len(got)-1] != "MODIFIER" {
		t.Errorf("sorted export at the bound: %d, %d rows", r.status, len(got))
	}
	if r := h.api("GET", "/api/v1/jobs/big/variants?format=tsv", tok, nil, ""); r.status != 200 || strings.Count(r.body, "\n") != variants.MaxSortedRows+5 {
		t.Errorf("position-order export: %d, %d lines", r.status, strings.Count(r.body, "\n"))
	}

	b := h.signedIn("owner@example.org")
	if p := b.get("/jobs/job1/variants?sort=impact&limit=25"); !strings.Contains(p.body, `href="/api/v1/jobs/job1/variants?format=tsv&amp;sort=impact" id="export-tsv">Export these rows (TSV)</a>`) {
		t.Errorf("export link of a sorted table: %s", p.body[strings.Index(p.body, "variant-count"):][:400])
	}
	if p := b.get("/jobs/big/variants?sort=impact"); !strings.Contains(p.body, `href="/api/v1/jobs/big/variants?format=tsv" id="export-tsv">Export these rows (TSV, in position order: a sorted export holds up to 10000 rows)</a>`) {
		t.Errorf("export link of a sorted table over the bound: %s", p.body[strings.Index(p.body, "variant-count"):][:400])
	}
}

// TestVariantsPageRowNumbers: the page numbers its rows from the query,
// whatever from= says; following Next numbers on.
func TestVariantsPageRowNumbers(t *testing.T) {
	h := newHarness(t)
	owner, _ := h.user("owner@example.org", domain.RoleFree, false)
	h.compressedJob(owner, "job1")
	b := h.signedIn("owner@example.org")
	nextLink := regexp.MustCompile(`<a href="([^"]+)" rel="next"`)
	for _, tc := range []struct{ path, want string }{
		{"/jobs/job1/variants?from=99999", "<strong>3</strong> matching rows, showing 1–3"},
		{"/jobs/job1/variants?from=-5", "<strong>3</strong> matching rows, showing 1–3"},
		{"/jobs/job1/variants?from=abc&flash=saved", "<strong>3</strong> matching rows, showing 1–3"},
		{"/jobs/job1/variants?limit=25&sort=impact&from=7", "<strong>3</strong> matching rows, showing 1–3"},
	} {
		if p := b.get(tc.path); p.status != 200 || !strings.Contains(p.body, tc.want) {
			t.Errorf("%s: %d, want %s", tc.path, p.status, tc.want)
		}
	}
	for _, sort := range []string{"position", "impact"} {
		path := "/jobs/job1/variants?limit=1&sort=" + sort
		for n := 1; n <= 3; n++ {
			p := b.get(path)
			want := fmt.Sprintf("<strong>3</strong> matching rows, showing %d–%d", n, n)
			if p.status != 200 || !strings.Contains(p.body, want) {
				t.Fatalf("%s page %d: %d, want %s", sort, n, p.status, want)
			}
			m := nextLink.FindStringSubmatch(p.body)
			if (m == nil) != (n == 3) {
				t.Fatalf("%s page %d: next link %v", sort, n, m)
			}
			if m != nil {
				path = html.UnescapeString(m[1])
				if strings.Contains(path, "from=") {
					t.Fatalf("next link %s carries from", path)
				}
				path += "&from=99999" // an old or edited link: ignored
			}
		}
	}
}

// TestVariantsPageShowsRefusedFilters: a refused filter or parameter shows
// the page with the form as given and the reason, not a bare error page.
func TestVariantsPageShowsRefusedFilters(t *testing.T) {
	h := newHarness(t)
	owner, _ := h.user("owner@example.org", domain.RoleFree, false)
	_, _ = h.user("other@example.org", domain.RoleFree, false)
	h.compressedJob(owner, "job1")
	b := h.signedIn("owner@example.org")
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"gene=GENE1&start=abc&canonical=true&limit=25", []string{`start &#34;abc&#34; is not a position`, `name="gene" value="GENE1"`,
			`name="canonical" value="true" checked`, `<option selected>25</option>`}},
		{"impcat=HIGH&impact=HIGH", []string{`unknown parameter &#34;impcat&#34; (known: gene, consequence, impact, max_af, canonical, chrom, start, end, sort, limit, cursor, from, flash)`,
			`name="impact" value="HIGH" checked`}},
		{"canonical=maybe", []string{`canonical &#34;maybe&#34; is not one of true, 1, yes, on`}},
		{"gene=JAM2;x=1", []string{`the query string has a &#39;;&#39;`}},
		{"max_af=NaN", []string{`max_af &#34;NaN&#34;`, `name="max_af" value="NaN"`}},
	} {
		p := b.get("/jobs/job1/variants?" + tc.query)
		if p.status != 400 || !strings.Contains(p.body, `id="variant-filters"`) || !strings.Contains(p.body, `id="variant-error"`) ||
			strings.Contains(p.body, `id="variants"`) || strings.Contains(p.body, `id="export-tsv"`) {
			t.Errorf("%s: %d, want 400 with the form, the error and no rows", tc.query, p.status)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(p.body, w) {
				t.Errorf("%s: page lacks %s", tc.query, w)
			}
		}
	}
	// Whose job it is is checked first: another user's bad filter is a 404.
	if p := h.signedIn("other@example.org").get("/jobs/job1/variants?impcat=HIGH"); p.status != 404 || strings.Contains(p.body, "variant-filters") {
		t.Errorf("another user's job with a bad filter: %d", p.status)
	}
}

// TestVariantsPageIDs: the ID column shows every id of the record, rs ids
// linked to dbSNP, others as (escaped) text.
func TestVariantsPageIDs(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	text := strings.Replace(vcftest.Annotated, "\trs1\t", "\trs1;COSV123;<b>x</b>;rsX\t", 1)
	h.compressedJobOf(owner, "job1", text)
	b := h.signedIn("owner@example.org")
	p := b.get("/jobs/job1/variants?gene=GENE2,GENE1")
	for _, want := range []string{
		`<td><a href="https://www.ncbi.nlm.nih.gov/snp/rs1" rel="noopener" target="_blank">rs1</a> COSV123 &lt;b&gt;x&lt;/b&gt; rsX</td>`,
		`<td>.</td>`, // the record without an id
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("variants page lacks %s", want)
		}
	}
	if strings.Contains(p.body, "<b>x</b>") || strings.Contains(p.body, "snp/rsX") {
		t.Error("an id is not escaped, or a non-rs id is linked")
	}
	if r := h.api("GET", "/api/v1/jobs/job1/variants?limit=1", tok, nil, ""); !strings.Contains(r.body, `"id":"rs1;COSV123;\u003cb\u003ex\u003c/b\u003e;rsX"`) {
		t.Errorf("API row id: %s", r.body)
	}
}

func TestArchivedResultMessageIsForPeople(t *testing.T) {
	h := newHarness(t)
	owner, tok := h.user("owner@example.org", domain.RoleFree, false)
	h.compressedJob(owner, "job1")
	h.updateJob("job1", func(j *domain.Job) { j.ResultState = domain.ResultArchived })
	r := h.api("GET", "/api/v1/jobs/job1/result", tok, nil, "")
	if r.status != 409 || !strings.Contains(r.body, "upgrade to premium to restore it") || strings.Contains(r.body, "restore it first") || strings.Contains(r.body, "object is") {
		t.Fatalf("archived result: %d %s", r.status, r.body)
	}
}
