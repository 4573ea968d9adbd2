package annotate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gasproject/gas/internal/consequence"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/vcf"
)

// INFO keys the engine adds, declared in the output header by addHeader.
const (
	InfoKnownAF     = "KNOWN_AF"
	InfoKnownClnsig = "KNOWN_CLNSIG"
	InfoCytoband    = "CYTOBAND"
	InfoCSQ         = "CSQ"
	InfoRefMismatch = "REF_MISMATCH"
)

// CSQFields is the CSQ layout, in order, as declared in the header.
const CSQFields = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|Existing_variation|DISTANCE|STRAND|FLAGS|VARIANT_CLASS|CANONICAL"

var infoDecls = []struct{ id, number, typ, desc string }{
	{InfoKnownAF, "A", "Float", "Frequency of each ALT allele in the known-variants source (dbSNP GMAF or AF) of the variant matched at the same position with the same trimmed alleles; . when no match or no frequency"},
	{InfoKnownClnsig, "A", "String", "Clinical significance (dbSNP CLIN_SIG) of the known variant matched for each ALT allele, several values joined by &; . when none"},
	{InfoCytoband, "1", "String", "Cytogenetic band of POS (UCSC cytoBand), e.g. 21q21.3"},
	{InfoCSQ, ".", "String", "Consequence annotations. Format: " + CSQFields},
	{InfoRefMismatch, "0", "Flag", "REF does not match the reference sequence at POS (an N matches any base): no consequences were computed"},
}

// chromosome is what the engine needs from one covered chromosome
// (*refdata.Chrom provides it, see bundleRef).
type chromosome interface {
	// AppendKnownMatches decodes through r, the worker's own (see refdata.KnownReader).
	AppendKnownMatches(r *refdata.KnownReader, dst []refdata.KnownMatch, pos int, ref, alt string) ([]refdata.KnownMatch, error)
	// BandSpan is the cytoband at pos ("" for none) and the positions
	// lo..hi around it with the same answer (see refdata.Chrom.BandSpan).
	BandSpan(pos int) (name string, lo, hi int)
	// AppendTranscriptsNext appends the transcripts overlapping
	// start..end, sorted by Start, and gives the lowest Start after end
	// (see refdata.Chrom.AppendTranscriptsNext).
	AppendTranscriptsNext(dst []*refdata.Transcript, start, end int) ([]*refdata.Transcript, int)
	Seq(start, end int) (string, error)
	// AppendSeq is Seq appending to dst.
	AppendSeq(dst []byte, start, end int) ([]byte, error)
	// AppendSeqVia is AppendSeq reading through r, the worker's own (see
	// refdata.SeqReader).
	AppendSeqVia(r *refdata.SeqReader, dst []byte, start, end int) ([]byte, error)
	Len() int
	// CoveredVia reports whether the reference holds any base in
	// start..end (a stretch of only N is padding where nothing is stored),
	// using r, the worker's SeqReader, which may know it from the last call.
	CoveredVia(r *refdata.SeqReader, start, end int) bool
}

// reference resolves chromosome names (aliases included). A chromosome it
// does not hold is an error wrapping refdata.ErrNotCovered.
type reference interface {
	chrom(name string) (chromosome, error)
	// length is a chromosome's length without loading it (false: not covered).
	length(name string) (int, bool)
	// release lets a loaded chromosome go (its memory is reclaimed once no
	// caller holds it); a later chrom call loads it again.
	release(name string)
}

// predictor appends the CSQ entries of one ALT allele (v as written in the
// record, upper-case, with the bundle's chromosome name) to dst (comma-separated,
// no leading comma), counts every consequence term in t.consequences, and
// returns the most severe term and the variant class.
type predictor interface {
	// When ix is not nil, each entry written is noted in it (indexBatch.entry).
	appendCSQ(dst []byte, c chromosome, v consequence.Variant, existing []byte, t *tally, ix *indexBatch) (out []byte, worst, class string, err error)
}

// Engine annotates VCF streams with one reference bundle. It is safe for
// concurrent use; each Run uses its own workers.
type Engine struct {
	ref     reference
	newPred func(Options) predictor // one predictor per worker: it may keep buffers
	refDesc string
	// assembly is the bundle's assembly name, for the header checks.
	assembly string
	// prov is written as the ##GAS header line and into the summary
	// (empty for engines not made from a bundle).
	prov Provenance
}

// New returns an Engine using bundle b for known variants, cytobands,
// transcripts and sequence.
func New(b *refdata.Bundle) *Engine {
	m := b.Manifest()
	// No directory: the text reaches users (header, portal) and a server path is not theirs.
	desc := fmt.Sprintf("%s (bundle format %d, built %s)", m.Assembly, m.Format, m.Built.UTC().Format(time.RFC3339))
	return &Engine{ref: bundleRef{b}, newPred: newPredictor, refDesc: desc, assembly: m.Assembly, prov: provenanceOf(m)}
}

// Options tune a Run. The zero value is valid.
type Options struct {
	// Progress receives a progress bar (carriage-return updates); nil for none.
	// The CLI sets it to stderr only when stderr is a terminal.
	Progress io.Writer
	// InputSize is the input's size in bytes (as read, compressed or not),
	// for the progress percentage; 0 when unknown.
	InputSize int64
	// Workers is the number of annotating goroutines; 0 means GOMAXPROCS.
	Workers int
	// Limits are enforced while streaming (zero fields: none): the input's
	// through vcf.NewReaderLimits, AltAlleles per record, OutputBytes on out.
	// The first one reached stops the run with a *domain.LimitError.
	Limits domain.Limits
	// Transcripts is the transcript set reported: one of TranscriptSets;
	// "" means all. Recorded in the output header (##GAS_options).
	Transcripts string
	// Distance is the up/downstream window in bases (VEP's --distance);
	// nil means DefaultDistance, 0 no window (no upstream or downstream
	// entries). Recorded in the output header.
	Distance *int
	// ResidentChromosomes bounds the chromosomes kept loaded at once;
	// 0 means DefaultResidentChromosomes.
	ResidentChromosomes int
	// Index, when set, receives every record's CSQ entries as written
	// (see IndexSink), for a per-variant index built alongside.
	Index IndexSink
}

// RunJob runs the engine for one job: base with the job's limits, index
// sink and run options (transcript set, distance) in place of its own.
func (e *Engine) RunJob(ctx context.Context, in io.Reader, out io.Writer, base Options, index IndexSink, lim domain.Limits, run domain.RunOptions) (Summary, error) {
	opts := base
	opts.Limits, opts.Index = lim, index
	opts.Transcripts, opts.Distance = run.Transcripts, run.Distance
	sum, err := e.Run(ctx, in, out, opts)
	if err != nil {
		return Summary{}, err
	}
	return *sum, nil
}

// InputError is bad input: the message names the line and the reason. It
// matches both *vcf.ParseError (errors.As) and domain.ErrInvalid (errors.Is).
type InputError struct{ Err *vcf.ParseError }

func (e *InputError) Error() string   { return e.Err.Error() }
func (e *InputError) Unwrap() []error { return []error{e.Err, domain.ErrInvalid} }

func inputErr(err error) error {
	var pe *vcf.ParseError
	if errors.As(err, &pe) {
		return &InputError{pe}
	}
	return err
}

// Run reads a VCF from in and writes the annotated VCF to out, record by
// record in input order, with memory bounded by a few batches in flight.
// On error the output is incomplete: write it somewhere temporary (see
// vcf.Create). The Summary is returned only on success.
func (e *Engine) Run(ctx context.Context, in io.Reader, out io.Writer, opts Options) (*Summary, error) {
	start := time.Now()
	counted := &countingReader{r: in}
	rd, err := vcf.NewReaderLimits(counted, opts.Limits)
	if err != nil {
		return nil, inputErr(err)
	}
	defer rd.Close()
	if opts.Limits.OutputBytes > 0 {
		out = &outputLimiter{w: out, left: opts.Limits.OutputBytes, max: opts.Limits.OutputBytes}
	}
	if err := opts.runOptions().Check(); err != nil {
		return nil, err
	}
	hdr := rd.Header()
	warnings := headerWarnings(hdr, e.ref, e.assembly)
	strip := addHeader(hdr, e.refDesc)
	if e.prov.BundleID != "" {
		hdr.AddMeta(e.prov.headerLine())
	}
	hdr.AddMeta(optionsLine(opts))
	hn, err := hdr.WriteTo(out)
	if err != nil {
		return nil, fmt.Errorf("write header: %w", err)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	sum := newSummary()
	sum.Reference = e.refDesc
	if e.prov.BundleID != "" {
		sum.Provenance = &e.prov
	}
	sum.Warnings = append(sum.Warnings, warnings...)
	var prog *progress
	if opts.Progress != nil {
		prog = newProgress(opts.Progress, opts.InputSize, counted)
	}
	p := &pipeline{eng: e, rd: rd, cols: hdr.Columns(), strip: strip, workers: workers, maxAlts: opts.Limits.AltAlleles, opts: opts,
		res: newResidency(e.ref, opts.ResidentChromosomes), outOff: hn}
	defer p.res.releaseAll()
	if err := p.run(ctx, out, sum, prog); err != nil {
		if prog != nil {
			prog.stop(false)
		}
		return nil, inputErr(err)
	}
	if prog != nil {
		prog.stop(true)
	}
	sum.ElapsedSeconds = time.Since(start).Seconds()
	sum.finish()
	return sum, nil
}

// addHeader declares the INFO keys the engine writes and records the
// reference. It returns the keys the input already declared: their old
// values are removed from records so no key appears twice.
func addHeader(h *vcf.Header, refDesc string) (strip [][]byte) {
	if h.UpgradeV3() || !h.HasContigs() {
		// VCF 3.3 had no ##contig lines, and many 4.x files have none
		// either; 4.x readers warn on every undeclared chromosome (and
		// bcftools 1.16's +split-vep crashes on one), so the usual human
		// names are declared. A header that declares some is left as it is.
		h.AddContigs(humanContigs)
	}
	for _, d := range infoDecls {
		if h.SetInfo(d.id, d.number, d.typ, d.desc) {
			strip = append(strip, []byte(d.id))
		}
	}
	h.AddMeta(fmt.Sprintf("##GAS_reference=%q", refDesc))
	return strip
}

// humanContigs are the chromosome names declared for an upgraded VCF 3.3
// header, in both naming styles.
var humanContigs = func() []string {
	var names []string
	for _, prefix := range []string{"", "chr"} {
		for i := 1; i <= 22; i++ {
			names = append(names, fmt.Sprintf("%s%d", prefix, i))
		}
		names = append(names, prefix+"X", prefix+"Y")
	}
	// The mitochondrion under every name GAS reads as MT (refdata's alias
	// rule), so a record on M or chrMT keeps its CHROM in other tools.
	return append(names, "MT", "chrM", "M", "chrMT")
}()

// countingReader counts input bytes for the progress bar (read by the
// reader goroutine, sampled by the progress goroutine).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// outputLimiter fails the write that would take the output past max bytes,
// writing none of it.
type outputLimiter struct {
	w         io.Writer
	left, max int64
}

func (o *outputLimiter) Write(p []byte) (int, error) {
	if int64(len(p)) > o.left {
		return 0, &domain.LimitError{Name: domain.LimitOutput, Max: o.max}
	}
	o.left -= int64(len(p))
	return o.w.Write(p)
}

// bundleRef adapts *refdata.Bundle to reference.
type bundleRef struct{ b *refdata.Bundle }

func (r bundleRef) chrom(name string) (chromosome, error) {
	c, err := r.b.Chrom(name)
	if err != nil {
		return nil, err
	}
	return bundleChrom{c}, nil
}

func (r bundleRef) release(name string) { r.b.Release(name) }

func (r bundleRef) length(name string) (int, bool) {
	canon := refdata.CanonicalChrom(name)
	for _, e := range r.b.Manifest().Chroms {
		if e.Name == canon {
			return e.Length, true
		}
	}
	return 0, false
}

type bundleChrom struct{ *refdata.Chrom }

func (c bundleChrom) Len() int { return c.Length }
