package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/tabix"
	"github.com/gasproject/gas/internal/variants"
	"github.com/gasproject/gas/internal/vcf"
)

const annotateUsage = `usage: gas annotate --ref DIR [-o OUT [--index] [--sync]] [--variants IDX] [--transcripts SET] [--distance BP] [--summary S.json] [--log L.txt] IN

Annotates the VCF IN (plain, gzip or BGZF; "-" for standard input) with the
reference bundle DIR and writes the annotated VCF to OUT ("-", the default, is
standard output; a name ending in .gz is written as BGZF, ready for tabix).
OUT appears only when the run succeeds (it is written to a temporary file
beside it and renamed into place). Like cp or bcftools, gas leaves writing it
to disk to the kernel; --sync waits until it is on disk. Bad input exits
non-zero with the line number and the reason. --variants also writes the
per-variant index of OUT that the portal's variant table reads (query it with
gas variants OUT IDX); it appears only with OUT, and reads its rows' text
from OUT as written: keep them together.

flags:
`

// runAnnotate implements `gas annotate`.
func runAnnotate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annotate", flag.ContinueOnError)
	refDir := fs.String("ref", "", "reference bundle `DIR`, built by gas refdata build")
	outPath := fs.String("o", "-", "output VCF `OUT`; .gz gives BGZF; - is standard output")
	sumPath := fs.String("summary", "", "also write the run summary as JSON to this `file`")
	logPath := fs.String("log", "", "write the human-readable summary to this `file` instead of standard error")
	transcripts := fs.String("transcripts", annotate.TranscriptsAll, "transcript `SET`: all, canonical (only canonical transcripts), pick (one entry per allele, VEP's --pick order), per_gene (one per allele and gene)")
	distance := fs.Int("distance", annotate.DefaultDistance, "up/downstream window in `BP` (VEP's --distance), 0-1000000; 0: no upstream/downstream entries")
	workers := fs.Int("workers", 0, "annotating goroutines (0: one per CPU)")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile to this file (for performance work)")
	index := fs.Bool("index", false, "also write a tabix index beside OUT (OUT.tbi, or OUT.csi for a contig over 512 Mbp); OUT must end in .gz")
	variantsPath := fs.String("variants", "", "also write the per-variant index of OUT to `IDX`, built from the entries as they are written (the format of the index a job stores beside its result; it reads its rows' text from OUT; query it with gas variants OUT IDX)")
	sync := fs.Bool("sync", false, "fsync OUT (and its index) before renaming it into place, and its directory after: OUT then survives a crash of the machine once gas exits, at the cost of waiting for the disk")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), annotateUsage)
		fs.PrintDefaults()
	}
	inputs, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *refDir == "" || len(inputs) != 1 {
		fs.Usage()
		return errors.New("need --ref DIR and exactly one input (IN or -)")
	}
	inPath := inputs[0]
	if err := annotate.CheckRunOptions(*transcripts, *distance); err != nil {
		return err
	}
	if *index && !strings.HasSuffix(*outPath, ".gz") {
		return errors.New("--index needs a BGZF output: -o NAME.vcf.gz")
	}

	bundle, err := refdata.Open(*refDir)
	if err != nil {
		return err
	}
	defer bundle.Close()

	in, size, err := openInput(inPath)
	if err != nil {
		return err
	}
	defer in.Close()
	durability := vcf.Renamed
	if *sync {
		durability = vcf.Synced
	}
	// Through a tabix.PartWriter, which knows where each line is in the
	// BGZF: for the tabix index, and for the variant index's anchors.
	parted := *index || *variantsPath != "" && strings.HasSuffix(*outPath, ".gz")
	out, err := createOutput(*outPath, parted, durability)
	if err != nil {
		return err
	}
	defer out.Abort() // no-op after Commit: a failed run leaves nothing at OUT

	var vix *variantsOutput
	if *variantsPath != "" {
		if vix, err = createVariants(*variantsPath, durability); err != nil {
			return err
		}
		defer vix.abort()
	}

	tuneGC()
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	opts := annotate.Options{InputSize: size, Workers: *workers, Transcripts: *transcripts, Distance: distance} // 0 is a window of no bases
	if isTerminal(os.Stderr) {
		opts.Progress = os.Stderr
	}
	if vix != nil {
		opts.Index = vix.b
	}
	sum, written, err := annotateTo(ctx, bundle, in, out, *outPath, durability, opts, parted, *index, vix)
	if written && vix != nil { // the variant index needs no sorted input: kept with OUT
		if verr := vix.commit(); verr != nil && err == nil {
			err = fmt.Errorf("%s written, but not its variant index %s: %w", *outPath, *variantsPath, verr)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", displayName(inPath), err)
	}
	return writeReports(sum, *sumPath, *logPath)
}

// annotateTo annotates in into out, parted (through a tabix.PartWriter,
// with the tabix index when index) or not, and tells vix where OUT has the
// text written. written reports that out was committed (the tabix index
// may still have failed).
func annotateTo(ctx context.Context, bundle *refdata.Bundle, in io.Reader, out *vcf.Output, path string, d vcf.Durability,
	opts annotate.Options, parted, index bool, vix *variantsOutput) (sum *annotate.Summary, written bool, err error) {
	if !parted {
		if sum, err = annotate.New(bundle).Run(ctx, in, out, opts); err == nil {
			err = out.Commit()
		}
		return sum, err == nil, err
	}
	sum, locate, written, err := annotateParted(ctx, bundle, in, out, path, d, opts, index)
	if vix != nil {
		vix.locate = locate
	}
	return sum, written, err
}

// variantsOutput is --variants IDX: the per-variant index the engine's
// entries are handed to (variants.EntryBuilder), written like OUT to a
// temporary file renamed into place on commit.
type variantsOutput struct {
	out    *vcf.Output
	b      *variants.EntryBuilder
	locate variants.Locate // where OUT has the text written: PlainResult unless BGZF
}

func createVariants(path string, d vcf.Durability) (*variantsOutput, error) {
	if path == "-" {
		return nil, errors.New("--variants needs a file name, not standard output")
	}
	out, err := vcf.CreateRaw(path, d)
	if err != nil {
		return nil, err
	}
	return &variantsOutput{out: out, b: variants.NewEntryBuilder(out), locate: variants.PlainResult}, nil
}

// commit writes the index's footer and puts the file in place.
func (v *variantsOutput) commit() error {
	if err := v.b.Close(v.locate); err != nil {
		return err
	}
	return v.out.Commit()
}

// abort removes the temporary file unless committed.
func (v *variantsOutput) abort() { v.out.Abort() }

// createOutput opens OUT: BGZF for a .gz name, or, parted, as written (a
// tabix.PartWriter compresses it).
func createOutput(path string, parted bool, d vcf.Durability) (*vcf.Output, error) {
	if parted {
		return vcf.CreateRaw(path, d)
	}
	return vcf.Create(path, d)
}

// annotateParted annotates into out through a tabix.PartWriter, which
// compresses the lines and indexes each as it passes (as AnnotateShard
// does), commits out and, with index, writes the tabix index beside it:
// the output is not read a second time. Input that is not sorted by
// position cannot be indexed: the VCF is kept and the error says why.
// locate maps an offset in the text written to its place in out (for the
// variant index); written reports that out was committed.
func annotateParted(ctx context.Context, bundle *refdata.Bundle, in io.Reader, out *vcf.Output, path string, d vcf.Durability, opts annotate.Options, index bool) (sum *annotate.Summary, locate variants.Locate, written bool, err error) {
	pw := tabix.NewBlockLogWriter(out) // where each line went, for the variant index
	if index {
		pw = tabix.NewPartWriter(out) // and the lines' tabix entries
	}
	sum, err = annotate.New(bundle).Run(ctx, in, pw, opts)
	part, cerr := pw.Close() // stops its compressors, also after an error
	if err != nil {
		return sum, nil, false, err
	}
	if cerr != nil {
		return sum, nil, false, cerr
	}
	if _, err := out.Write(tabix.EOF()); err != nil {
		return sum, nil, false, err
	}
	if err := out.Commit(); err != nil {
		return sum, nil, false, err
	}
	if !index {
		return sum, pw.Virtual, true, nil
	}
	x := tabix.NewIndexer()
	if err := tabix.AppendPart(x, part, 0); err != nil {
		return sum, pw.Virtual, true, fmt.Errorf("%s written, but not indexed: %w", path, err)
	}
	if _, err := tabix.WriteIndex(x, path, d); err != nil {
		return sum, pw.Virtual, true, fmt.Errorf("%s written, but not indexed: %w", path, err)
	}
	return sum, pw.Virtual, true, nil
}

// openInput opens IN ("-": standard input) and says its size when it is a
// regular file (for the progress bar), 0 otherwise.
func openInput(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	var size int64
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, nil
}

// startCPUProfile writes a Go CPU profile to path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	pf, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(pf); err != nil {
		pf.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); pf.Close() }, nil
}

// writeReports writes the summary as JSON to sumPath (if set), its warnings
// on standard error, and its text to logPath, or standard error without one.
func writeReports(sum *annotate.Summary, sumPath, logPath string) error {
	if sumPath != "" {
		js, err := json.MarshalIndent(sum, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFileAtomic(sumPath, append(js, '\n')); err != nil {
			return err
		}
	}
	writeWarnings(os.Stderr, sum)
	var log strings.Builder
	sum.WriteText(&log)
	if logPath != "" {
		return writeFileAtomic(logPath, []byte(log.String()))
	}
	_, err := io.WriteString(os.Stderr, log.String())
	return err
}

// writeWarnings prints the summary's warnings (assembly doubts, REF
// mismatches) on w, whether or not the summary text goes to a --log file.
func writeWarnings(w io.Writer, sum *annotate.Summary) {
	for _, x := range sum.Warnings {
		fmt.Fprintf(w, "gas annotate: warning (%s): %s\n", x.Code, x.Message)
	}
}

// tuneGC trades a little memory for CPU: the consequence engine allocates
// many short-lived values, and collecting half as often saves about a fifth
// of the CPU for about 20 MB more heap on the mini reference. An explicit
// GOGC in the environment wins.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
}

// parseInterleaved parses flags given before or after the positional
// arguments (the flag package alone stops at the first positional one).
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func displayName(p string) string {
	if p == "-" {
		return "standard input"
	}
	return p
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// writeFileAtomic writes data to a temporary file beside path, then renames
// it. An existing non-regular path (/dev/null, /dev/stderr, a FIFO) is
// written in place instead: renaming over it would replace the device.
func writeFileAtomic(path string, data []byte) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
