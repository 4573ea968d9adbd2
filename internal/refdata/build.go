package refdata

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// BuildOptions are the inputs of Build. Every file may be plain, gzip or BGZF.
type BuildOptions struct {
	Out      string   // bundle directory to create (replaced if it holds a bundle)
	Assembly string   // e.g. "GRCh38", recorded in the manifest
	FASTA    []string // sequences; they define the bundle's chromosomes
	Genes    []string // GTF or GFF3 (by name or content, see GeneFormat)
	Known    []string // dbSNP-style VCFs, sorted by position within each chromosome
	Cytoband []string // UCSC cytoBand tables
	Log      io.Writer
}

// Build reads the sources and writes a bundle to o.Out. It works in a
// temporary directory beside o.Out and renames it into place at the end, so a
// failed or cancelled build leaves nothing behind.
func Build(ctx context.Context, o BuildOptions) (Manifest, error) {
	if o.Out == "" || o.Assembly == "" || len(o.FASTA) == 0 {
		return Manifest{}, errors.New("build reference bundle: need an output directory, an assembly and at least one FASTA")
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return Manifest{}, err
	}
	if err := checkReplaceable(out); err != nil {
		return Manifest{}, err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return Manifest{}, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".building-")
	if err != nil {
		return Manifest{}, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it private
		return Manifest{}, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	b := &builder{ctx: ctx, o: o, dir: tmp, log: o.Log, byName: map[string]int{}, stems: map[string]bool{}}
	if b.log == nil {
		b.log = io.Discard
	}
	if err := b.run(); err != nil {
		return Manifest{}, fmt.Errorf("build reference bundle %s: %w", o.Out, err)
	}
	if err := install(tmp, out); err != nil {
		return Manifest{}, fmt.Errorf("build reference bundle %s: %w", o.Out, err)
	}
	ok = true
	return b.man, nil
}

// checkReplaceable refuses to overwrite a non-empty directory that is not a bundle.
func checkReplaceable(out string) error {
	entries, err := os.ReadDir(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(out, ManifestFile)); err != nil {
		return fmt.Errorf("%s exists and is not a reference bundle: refusing to overwrite it", out)
	}
	return nil
}

// install moves the finished bundle into place, replacing an older bundle.
func install(tmp, out string) error {
	if err := os.Rename(tmp, out); err == nil {
		return nil
	}
	old := tmp + ".old"
	if err := os.Rename(out, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Rename(old, out)
		return err
	}
	return os.RemoveAll(old)
}

type builder struct {
	ctx    context.Context
	o      BuildOptions
	dir    string
	log    io.Writer
	man    Manifest
	byName map[string]int // canonical chromosome -> index in man.Chroms
	stems  map[string]bool

	tx        map[string][]*Transcript // per chromosome, until its sequence is read
	bands     map[string][]Band
	knownDone map[string]bool // chromosomes whose known variants are written
}

func (b *builder) run() error {
	b.man = Manifest{Format: FormatVersion, Assembly: b.o.Assembly, Built: time.Now().UTC().Truncate(time.Second)}
	if err := os.Mkdir(filepath.Join(b.dir, "chroms"), 0o755); err != nil {
		return err
	}
	start := time.Now()
	if err := b.readGenes(); err != nil {
		return err
	}
	if err := b.readBands(); err != nil {
		return err
	}
	for _, path := range b.o.FASTA {
		if err := b.readFASTA(path); err != nil {
			return err
		}
	}
	for c, txs := range b.tx {
		if _, ok := b.byName[c]; !ok {
			b.man.Counts.SkippedTranscripts += len(txs)
		}
	}
	for c, bands := range b.bands {
		if _, ok := b.byName[c]; !ok {
			b.man.Counts.SkippedBands += len(bands)
		}
	}
	for _, path := range b.o.Known {
		if err := b.readKnown(path); err != nil {
			return err
		}
	}
	genes := map[string]bool{}
	for c, txs := range b.tx {
		if _, ok := b.byName[c]; ok {
			for _, t := range txs {
				genes[t.GeneID] = true
			}
		}
	}
	cn := &b.man.Counts
	cn.Chromosomes, cn.Genes = len(b.man.Chroms), len(genes)
	for _, c := range b.man.Chroms {
		cn.Transcripts += c.Transcripts
		cn.KnownVariants += c.KnownVariants
		cn.Bands += c.Bands
		cn.StoredBases += c.StoredBases
	}
	fmt.Fprintf(b.log, "built %d chromosomes, %d genes, %d transcripts, %d known variants, %d bands in %v\n",
		cn.Chromosomes, cn.Genes, cn.Transcripts, cn.KnownVariants, cn.Bands, time.Since(start).Round(time.Millisecond))
	return writeJSON(filepath.Join(b.dir, ManifestFile), b.man)
}

func (b *builder) readGenes() error {
	b.tx = map[string][]*Transcript{}
	seen := map[string]string{} // chrom + id -> source, to catch a model given twice
	for _, path := range b.o.Genes {
		var txs []*Transcript
		err := b.withSource("genes", path, func(r io.Reader) error {
			br := bufio.NewReaderSize(r, 1<<16)
			head, _ := br.Peek(4096)
			var err error
			if GeneFormat(path, head) == "gff3" {
				txs, err = ParseGFF3(br, path)
			} else {
				txs, err = ParseGTF(br, path)
			}
			return err
		})
		if err != nil {
			return err
		}
		for _, t := range txs {
			key := t.Chrom + "\x00" + t.ID
			if prev, dup := seen[key]; dup {
				return fmt.Errorf("transcript %s on %s is in both %s and %s", t.ID, t.Chrom, prev, path)
			}
			seen[key] = path
			b.tx[t.Chrom] = append(b.tx[t.Chrom], t)
		}
		fmt.Fprintf(b.log, "%s: %d transcripts\n", path, len(txs))
	}
	return nil
}

func (b *builder) readBands() error {
	b.bands = map[string][]Band{}
	for _, path := range b.o.Cytoband {
		err := b.withSource("cytoband", path, func(r io.Reader) error {
			m, err := ReadCytoBand(r, path)
			for c, bands := range m {
				b.bands[c] = append(b.bands[c], bands...)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	for _, bands := range b.bands {
		slices.SortFunc(bands, func(x, y Band) int { return cmp.Compare(x.Start, y.Start) })
	}
	return nil
}

func (b *builder) readFASTA(path string) error {
	return b.withSource("fasta", path, func(r io.Reader) error {
		return ReadFASTA(r, path, func(name, _ string, seq []byte) error {
			if err := b.ctx.Err(); err != nil {
				return err
			}
			return b.addChrom(path, CanonicalChrom(name), seq)
		})
	})
}

// addChrom writes one chromosome's sequence, transcripts and metadata.
func (b *builder) addChrom(path, name string, seq []byte) error {
	if _, dup := b.byName[name]; dup {
		return fmt.Errorf("%s: chromosome %s given twice", path, name)
	}
	stem := b.stem(name)
	e := ChromEntry{Name: name, Length: len(seq), Files: ChromFiles{Meta: stem + ".meta.json", Seq: stem + ".seq"}}
	sw, err := newSeqWriter(filepath.Join(b.dir, e.Files.Seq))
	if err != nil {
		return err
	}
	sw.Write(seq)
	runs, err := sw.close()
	if err != nil {
		return err
	}
	e.StoredBases = sw.stored
	txs := b.tx[name]
	if len(txs) > 0 {
		genes := map[string]bool{}
		for _, t := range txs {
			if t.End > len(seq) {
				return fmt.Errorf("transcript %s ends at %s:%d, beyond the sequence length %d in %s (wrong assembly?)",
					t.ID, name, t.End, len(seq), path)
			}
			FlagIncompleteCDS(t, seq)
			genes[t.GeneID] = true
		}
		slices.SortStableFunc(txs, func(x, y *Transcript) int {
			return cmp.Or(cmp.Compare(x.Start, y.Start), cmp.Compare(x.End, y.End), cmp.Compare(x.ID, y.ID))
		})
		e.Files.Transcripts = stem + ".tx.gob.gz"
		if err := writeTranscripts(filepath.Join(b.dir, e.Files.Transcripts), txs); err != nil {
			return err
		}
		e.Transcripts, e.Genes = len(txs), len(genes)
	}
	meta := chromMeta{Name: name, Length: len(seq), Runs: runs, Bands: b.bands[name]}
	e.Bands = len(meta.Bands)
	if err := writeJSON(filepath.Join(b.dir, e.Files.Meta), meta); err != nil {
		return err
	}
	b.byName[name] = len(b.man.Chroms)
	b.man.Chroms = append(b.man.Chroms, e)
	fmt.Fprintf(b.log, "%s: chromosome %s, %d bp (%d stored), %d transcripts\n", path, name, len(seq), e.StoredBases, e.Transcripts)
	return nil
}

// stem is a chromosome's file name prefix: its name made file-safe and unique.
func (b *builder) stem(name string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
	stem := "chroms/" + safe
	for i := 2; b.stems[strings.ToLower(stem)]; i++ {
		stem = fmt.Sprintf("chroms/%s~%d", safe, i)
	}
	b.stems[strings.ToLower(stem)] = true
	return stem
}

func writeTranscripts(path string, txs []*Transcript) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	err = gob.NewEncoder(zw).Encode(txs)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readKnown streams one known-variants VCF into per-chromosome files. Input
// must be grouped by chromosome and sorted by POS; trimming can move a
// variant forward, so records wait in a small buffer until no later input
// line can sort before them.
func (b *builder) readKnown(path string) error {
	var (
		cur     string // chromosome being written, "" for none/skipped
		curIdx  = -1
		w       *knownWriter
		pending []KnownVariant
		lastPos int
	)
	if b.knownDone == nil {
		b.knownDone = map[string]bool{}
	}
	flush := func(below int) error {
		n := 0
		for n < len(pending) && pending[n].Pos < below {
			if err := w.add(pending[n]); err != nil {
				return err
			}
			n++
		}
		pending = append(pending[:0], pending[n:]...)
		return nil
	}
	closeCur := func() error {
		if w == nil {
			return nil
		}
		err := flush(int(^uint(0) >> 1))
		if cerr := w.close(); err == nil {
			err = cerr
		}
		b.man.Chroms[curIdx].KnownVariants = w.n
		w = nil
		return err
	}
	skipping := ""
	err := b.withSource("known", path, func(r io.Reader) error {
		return ReadKnownVCF(r, path, func(rec KnownRecord) error {
			if rec.Chrom != cur && rec.Chrom != skipping {
				if err := closeCur(); err != nil {
					return err
				}
				cur, skipping, lastPos = "", "", 0
				if err := b.ctx.Err(); err != nil {
					return err
				}
				i, ok := b.byName[rec.Chrom]
				if !ok {
					skipping = rec.Chrom
				} else {
					if b.knownDone[rec.Chrom] {
						return parseErr(path, rec.Line, "chromosome %s seen before (in this or an earlier --known file): input must be grouped by chromosome, one file per chromosome", rec.Chrom)
					}
					b.knownDone[rec.Chrom] = true
					e := &b.man.Chroms[i]
					e.Files.Known = strings.TrimSuffix(e.Files.Seq, ".seq") + ".known"
					var err error
					if w, err = newKnownWriter(filepath.Join(b.dir, e.Files.Known)); err != nil {
						return err
					}
					cur, curIdx = rec.Chrom, i
				}
			}
			if rec.Chrom == skipping {
				b.man.Counts.SkippedKnown++
				return nil
			}
			if rec.InputPos < lastPos {
				return parseErr(path, rec.Line, "POS %d after %d: the known-variants VCF must be sorted by position", rec.InputPos, lastPos)
			}
			lastPos = rec.InputPos
			if err := flush(rec.InputPos); err != nil {
				return err
			}
			v := rec.Variant
			i := len(pending)
			for i > 0 && pending[i-1].Pos > v.Pos {
				i--
			}
			pending = slices.Insert(pending, i, v)
			return nil
		})
	})
	if cerr := closeCur(); err == nil {
		err = cerr
	}
	if err == nil {
		fmt.Fprintf(b.log, "%s: known variants read\n", path)
	}
	return err
}

// withSource opens path (decompressing), runs read over it, and records the
// file's size and sha256 in the manifest.
func (b *builder) withSource(kind, path string, read func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := &hashingReader{r: f, h: sha256.New()}
	r, err := Decompress(h)
	if err != nil {
		return parseErr(path, 0, "%v", err)
	}
	sniff := &headSniffer{r: r}
	if err := read(sniff); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, h); err != nil { // hash what the parser did not need
		return err
	}
	b.man.Sources = append(b.man.Sources, Source{Kind: kind, Path: path, SHA256: hex.EncodeToString(h.h.Sum(nil)), Size: h.n,
		Release: releaseOf(kind, sniff.head)})
	return nil
}

type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// BuildMini builds the bundle of the mini GRCh38 reference in
// sharedDir/refdata/grch38-mini (chr21 slice and MT) into outDir, for tests,
// benchmarks and `make run`.
func BuildMini(ctx context.Context, sharedDir, outDir string) (Manifest, error) {
	d := filepath.Join(sharedDir, "refdata", "grch38-mini")
	return Build(ctx, BuildOptions{
		Out:      outDir,
		Assembly: "GRCh38",
		FASTA:    []string{filepath.Join(d, "chr21.fa.gz"), filepath.Join(d, "chrM.fa")},
		Genes:    []string{filepath.Join(d, "chr21.genes.gtf.gz"), filepath.Join(d, "chrM.genes.gtf")},
		Known:    []string{filepath.Join(d, "dbsnp149.chr21.vcf.gz")},
		Cytoband: []string{filepath.Join(d, "cytoBand.hg38.txt.gz")},
	})
}
