package webui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/variants"
)

// parseVariantQuery reads the table's filters from the URL; bad values are
// a 400 naming the parameter.
func parseVariantQuery(r *http.Request) (variants.Query, error) {
	q, err := variants.ParseQuery(r.URL.Query(), "format", "from", "flash")
	return q, public(err)
}

// apiVariants answers GET /api/v1/jobs/{id}/variants: a page of rows as
// JSON, or with format=tsv every matching row as TSV.
func (s *Server) apiVariants(w http.ResponseWriter, r *http.Request, rq *request) error {
	q, err := parseVariantQuery(r)
	if err != nil {
		return err
	}
	if f := r.URL.Query().Get("format"); f == "tsv" {
		return s.exportVariants(w, r, rq, q)
	} else if f != "" && f != "json" {
		return public(fmt.Errorf("format %q is not json or tsv: %w", f, domain.ErrInvalid))
	}
	page, _, err := s.cfg.Service.Variants(r.Context(), *rq.viewer, r.PathValue("id"), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) exportVariants(w http.ResponseWriter, r *http.Request, rq *request, q variants.Query) error {
	j, err := s.cfg.Service.Job(r.Context(), *rq.viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	// Check before the 200 goes out: a refusal is still an error answer.
	if _, _, err := s.cfg.Service.Variants(r.Context(), *rq.viewer, j.ID, variants.Query{Limit: 1}); err != nil {
		return err
	}
	name := strings.TrimSuffix(service.DownloadName(j, service.FileResult), ".annotated.vcf") + ".variants.tsv"
	setDownload(w, name, "text/tab-separated-values; charset=utf-8")
	if _, err := s.cfg.Service.ExportVariants(r.Context(), *rq.viewer, j.ID, q, w); err != nil {
		s.cfg.Log.ErrorContext(r.Context(), "variant export cut short", "job", j.ID, "err", err)
	}
	return nil
}

// variantsPage is the data of templates/variants.html.
type variantsPage struct {
	Job        domain.Job
	Q          variants.Query
	Form       url.Values // the filters as given, to refill the form
	Rows       []variantRow
	Total      int64
	From, To   int64  // 1-based numbers of the rows shown
	Next       string // link of the next page
	First      bool
	Here       string // this page's first page (same filters, no cursor)
	Export     string
	Sorts      []string
	Impacts    []string
	FormImpact map[string]bool
	Limit      int
}

// variantRow is a row with its outbound links.
type variantRow struct {
	variants.Row
	AF                                string
	GeneURL, TranscriptURL, UCSC, IGV string
	DbSNP                             []idLink
	Locus                             string
}

type idLink struct{ ID, URL string }

func (s *Server) variantsView(w http.ResponseWriter, r *http.Request, rq *request) error {
	q, err := parseVariantQuery(r)
	if err != nil {
		return err
	}
	page, j, err := s.cfg.Service.Variants(r.Context(), *rq.viewer, r.PathValue("id"), q)
	if err != nil {
		return err
	}
	here := q.Values()
	from := r.URL.Query().Get("from")
	n, _ := strconv.ParseInt(from, 10, 64)
	data := variantsPage{
		Job: j, Q: q, Form: r.URL.Query(), Total: page.Total, Next: page.NextCursor, First: q.Cursor == "",
		Here: "/jobs/" + url.PathEscape(j.ID) + "/variants?" + here.Encode(), Sorts: []string{"position", "gene", "impact", "af", "-af"},
		Impacts: []string{"HIGH", "MODERATE", "LOW", "MODIFIER"}, FormImpact: map[string]bool{},
	}
	data.Limit = q.Limit
	if data.Limit == 0 {
		data.Limit = variants.DefaultLimit
	}
	for _, i := range q.Impacts {
		data.FormImpact[i] = true
	}
	data.From = max(n, 0) + 1
	data.To = data.From + int64(len(page.Rows)) - 1
	exp := q.Values()
	exp.Set("format", "tsv")
	data.Export = "/api/v1/jobs/" + url.PathEscape(j.ID) + "/variants?" + exp.Encode()
	ucscDB := "hg38"
	if strings.Contains(string(j.Summary), "GRCh37") {
		ucscDB = "hg19"
	}
	for _, row := range page.Rows {
		data.Rows = append(data.Rows, linkRow(row, ucscDB))
	}
	if page.NextCursor != "" {
		next := q.Values()
		next.Set("cursor", page.NextCursor)
		next.Set("from", strconv.FormatInt(data.To, 10))
		data.Next = "/jobs/" + url.PathEscape(j.ID) + "/variants?" + next.Encode()
	}
	s.render(w, r, rq, http.StatusOK, "variants", "Variants of "+j.InputName, data)
	return nil
}

// linkRow adds the links of one row: Ensembl gene and transcript, UCSC and
// IGV at the locus, dbSNP for rs ids.
func linkRow(r variants.Row, ucscDB string) variantRow {
	v := variantRow{Row: r}
	if r.AF != nil {
		v.AF = strconv.FormatFloat(*r.AF, 'g', 4, 64)
	}
	if strings.HasPrefix(r.GeneID, "ENSG") {
		v.GeneURL = "https://www.ensembl.org/Homo_sapiens/Gene/Summary?g=" + url.QueryEscape(r.GeneID)
	}
	if strings.HasPrefix(r.Feature, "ENST") {
		id, _, _ := strings.Cut(r.Feature, ".")
		v.TranscriptURL = "https://www.ensembl.org/Homo_sapiens/Transcript/Summary?t=" + url.QueryEscape(id)
	}
	chrom := refdata.CanonicalChrom(r.Chrom)
	if chrom == "MT" {
		chrom = "M"
	}
	end := r.Pos + max(len(r.Ref), 1) - 1
	v.Locus = fmt.Sprintf("chr%s:%d-%d", chrom, r.Pos, end)
	v.UCSC = "https://genome.ucsc.edu/cgi-bin/hgTracks?db=" + ucscDB + "&position=" + url.QueryEscape(v.Locus)
	v.IGV = "https://igv.org/app/?genome=" + ucscDB + "&locus=" + url.QueryEscape(fmt.Sprintf("chr%s:%d-%d", chrom, max(r.Pos-20, 1), end+20))
	for _, id := range strings.Split(r.ID, ";") {
		if strings.HasPrefix(id, "rs") {
			v.DbSNP = append(v.DbSNP, idLink{id, "https://www.ncbi.nlm.nih.gov/snp/" + url.PathEscape(id)})
		}
	}
	return v
}
