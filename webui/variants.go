package webui

import (
	"cmp"
	"errors"
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

// queryValues reads r's query string. Go's URL parsing drops a pair it
// cannot read (one with a ';', a bad %-escape) without a word; here that is
// a 400 naming the problem.
func queryValues(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	switch {
	case err != nil && strings.Contains(r.URL.RawQuery, ";"):
		return v, domain.UserErrorf(domain.ErrInvalid, "the query string has a ';': separate parameters with '&' (write a ';' inside a value as %%3B)")
	case err != nil:
		return v, domain.UserErrorf(domain.ErrInvalid, "the query string is malformed: %v", err)
	}
	return v, nil
}

// apiParams are the variants call's parameters besides the query's.
var apiParams = []string{"format"}

// pageParams are the variants page's besides the query's: from (the first
// row's number, which older links carry; the page derives it) and flash.
var pageParams = []string{"from", "flash"}

// parseVariantQuery reads the table's filters from the URL, allowing the
// extra parameters; bad values and unknown parameters are a 400 naming the
// parameter. v is what the query string gave, for refilling a form.
func parseVariantQuery(r *http.Request, extra []string) (variants.Query, url.Values, error) {
	v, err := queryValues(r)
	if err != nil {
		return variants.Query{}, v, err
	}
	q, err := variants.ParseQuery(v, extra...)
	return q, v, public(err)
}

// apiVariants answers GET /api/v1/jobs/{id}/variants: a page of rows as
// JSON, or with format=tsv every matching row as TSV.
func (s *Server) apiVariants(w http.ResponseWriter, r *http.Request, rq *request) error {
	q, v, err := parseVariantQuery(r, apiParams)
	if err != nil {
		return err
	}
	if f := v.Get("format"); f == "tsv" {
		return s.exportVariants(w, r, rq, q)
	} else if f != "" && f != "json" {
		return domain.UserErrorf(domain.ErrInvalid, "format %q is not json or tsv", f)
	}
	page, _, err := s.cfg.Service.Variants(r.Context(), *rq.viewer, r.PathValue("id"), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// exportVariants writes every row matching q as TSV, in q's order (a sorted
// export is refused when more than variants.MaxSortedRows rows match).
func (s *Server) exportVariants(w http.ResponseWriter, r *http.Request, rq *request, q variants.Query) error {
	j, err := s.cfg.Service.Job(r.Context(), *rq.viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	// Check before the 200 goes out: a refusal is still an error answer.
	// The count is in position order, which block summaries mostly answer.
	count := q
	count.Sort, count.Cursor, count.Limit = "", "", 1
	page, _, err := s.cfg.Service.Variants(r.Context(), *rq.viewer, j.ID, count)
	if err != nil {
		return err
	}
	if err := q.CheckExport(page.Total); err != nil {
		return public(err)
	}
	name := strings.TrimSuffix(service.DownloadName(j, service.FileResult), ".annotated.vcf") + ".variants.tsv"
	setDownload(w, name, "text/tab-separated-values; charset=utf-8")
	if _, err := s.cfg.Service.ExportVariants(r.Context(), *rq.viewer, j.ID, q, w); err != nil {
		// The 200 is out: drop the connection, so the client sees a cut
		// transfer, not a complete-looking file missing rows.
		s.cfg.Log.ErrorContext(r.Context(), "variant export cut short", "job", j.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// variantsPage is the data of templates/variants.html.
type variantsPage struct {
	Job        domain.Job
	Q          variants.Query
	Form       url.Values // the filters as given, to refill the form
	Error      string     // why the filters were refused (no rows then)
	Rows       []variantRow
	Total      int64
	From, To   int64  // 1-based numbers of the rows shown
	Next       string // link of the next page
	First      bool
	Here       string // this page's first page (same filters, no cursor)
	Export     string
	ExportNote string // how the export differs from the table, if it does
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
	IDs                               []idLink // the ID column's ids; URL only for rs ids (dbSNP)
	Locus                             string
}

type idLink struct{ ID, URL string }

func (s *Server) variantsView(w http.ResponseWriter, r *http.Request, rq *request) error {
	q, form, qerr := parseVariantQuery(r, pageParams)
	if qerr != nil && !errors.Is(qerr, domain.ErrInvalid) {
		return qerr
	}
	// A refused filter still shows the page (the job's availability checked
	// as for any query), with the form as given and the reason, so the user
	// can fix it.
	shown := q
	if qerr != nil {
		shown = variants.Query{Limit: 1}
	}
	page, j, err := s.cfg.Service.Variants(r.Context(), *rq.viewer, r.PathValue("id"), shown)
	if err != nil {
		return err
	}
	data := variantsPage{
		Job: j, Q: q, Form: form, Sorts: []string{"position", "gene", "impact", "af", "-af"},
		Impacts: []string{"HIGH", "MODERATE", "LOW", "MODIFIER"}, FormImpact: map[string]bool{},
		Limit: cmp.Or(q.Limit, variants.DefaultLimit),
	}
	for _, i := range form["impact"] {
		for _, i := range strings.Split(i, ",") {
			data.FormImpact[strings.ToUpper(strings.TrimSpace(i))] = true
		}
	}
	if qerr != nil {
		// The form keeps what it can of the refused query.
		if c, err := variants.ParseQuery(url.Values{"canonical": form["canonical"], "limit": form["limit"]}); err == nil {
			data.Q.Canonical, data.Limit = c.Canonical, cmp.Or(c.Limit, variants.DefaultLimit)
		}
		data.Error = messageOf(qerr, http.StatusBadRequest)
		s.render(w, r, rq, http.StatusBadRequest, "variants", "Variants of "+j.InputName, data)
		return nil
	}
	base := "/jobs/" + url.PathEscape(j.ID) + "/variants?"
	data.Total, data.First, data.Here = page.Total, q.Cursor == "", base+q.Values().Encode()
	// The rows' numbers come from the query, not the URL: a hand-edited
	// from= cannot make them disagree with the rows.
	data.From = page.Offset + 1
	data.To = page.Offset + int64(len(page.Rows))
	exp := q.Values()
	exp.Del("limit") // the export is every matching row
	exp.Set("format", "tsv")
	if q.CheckExport(page.Total) != nil {
		exp.Del("sort")
		data.ExportNote = fmt.Sprintf("in position order: a sorted export holds up to %d rows", variants.MaxSortedRows)
	}
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
		data.Next = base + next.Encode()
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
		l := idLink{ID: id}
		if isRS(id) {
			l.URL = "https://www.ncbi.nlm.nih.gov/snp/" + url.PathEscape(id)
		}
		v.IDs = append(v.IDs, l)
	}
	return v
}

// isRS reports whether id is a dbSNP rs id (rs and digits).
func isRS(id string) bool {
	digits, ok := strings.CutPrefix(id, "rs")
	return ok && digits != "" && strings.Trim(digits, "0123456789") == ""
}
