package webui_test

import (
	"bytes"
	"context"
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
	ctx := context.Background()
	h.completedJobAt(owner, id, time.Now().UTC().Add(-time.Minute))
	key := "results/" + owner.ID + "/" + id + "/annotated.vcf.gz"
	gz := vcftest.BGZF(h.t, vcftest.Annotated)
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
	b.Write([]byte(vcftest.Annotated))
	if err := b.Close(); err != nil {
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
	if p := b.get("/jobs/job1/variants?limit=1"); !strings.Contains(p.body, `id="next-page"`) || !strings.Contains(p.body, "from=1") {
		t.Errorf("no next link on a partial page: %s", p.body[strings.Index(p.body, "variant-count"):])
	}
	if p := b.get("/jobs/job1/variants?start=abc"); p.status != 400 || !strings.Contains(p.body, `start`) {
		t.Errorf("bad filter page: %d", p.status)
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
