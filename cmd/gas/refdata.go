package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/gasproject/gas/internal/refdata"
)

// runRefdata implements `gas refdata build`, `info` and `upload` (refdata_upload.go).
func runRefdata(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gas refdata build|info|upload ... (gas refdata build -h for flags)")
	}
	switch args[0] {
	case "build":
		return refdataBuild(ctx, args[1:], os.Stdout, os.Stderr)
	case "info":
		return refdataInfo(args[1:], os.Stdout)
	case "upload":
		return refdataUpload(ctx, args[1:], os.Stdout, os.Stderr)
	}
	return fmt.Errorf("unknown subcommand %q: want build, info or upload", args[0])
}

// fileList is a repeatable flag (--fasta A --fasta B).
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

func refdataBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gas refdata build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o refdata.BuildOptions
	var fasta, genes, known, cyto fileList
	fs.StringVar(&o.Out, "o", "", "bundle `directory` to write (replaced if it already holds a bundle)")
	fs.StringVar(&o.Assembly, "assembly", "GRCh38", "assembly `name` recorded in the manifest")
	fs.Var(&fasta, "fasta", "reference `FASTA`, plain/gz/bgzf (repeatable); defines the chromosomes")
	fs.Var(&genes, "genes", "Ensembl/GENCODE GTF or Ensembl GFF3 `file`, plain/gz (repeatable)")
	fs.Var(&known, "known", "known-variants `VCF` such as dbSNP, sorted by position (repeatable)")
	fs.Var(&cyto, "cytoband", "UCSC cytoBand `file` (repeatable)")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gas refdata build -o DIR --assembly GRCh38 --fasta F [--fasta F2 ...] --genes GTF_OR_GFF3 [...] --known VCF [...] --cytoband FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err // -h: main exits quietly on flag.ErrHelp
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.Out == "" || len(fasta) == 0 {
		fs.Usage()
		return errors.New("-o and at least one --fasta are required")
	}
	o.FASTA, o.Genes, o.Known, o.Cytoband = fasta, genes, known, cyto
	if !*quiet {
		o.Log = stderr
	}
	m, err := refdata.Build(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", o.Out)
	printManifest(stdout, m)
	return nil
}

func refdataInfo(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gas refdata info", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the manifest as JSON")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: gas refdata info [--json] DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err // -h: main exits quietly on flag.ErrHelp
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("need exactly one bundle directory")
	}
	b, err := refdata.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	m := b.Manifest()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}
	printManifest(stdout, m)
	return nil
}

func printManifest(w io.Writer, m refdata.Manifest) {
	c := m.Counts
	fmt.Fprintf(w, "format %d, assembly %s, built %s\n", m.Format, m.Assembly, m.Built.Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(w, "%d chromosomes, %d genes, %d transcripts, %d known variants, %d bands, %d bases stored\n",
		c.Chromosomes, c.Genes, c.Transcripts, c.KnownVariants, c.Bands, c.StoredBases)
	if c.SkippedTranscripts+c.SkippedKnown+c.SkippedBands > 0 {
		fmt.Fprintf(w, "skipped (chromosome not in any FASTA): %d transcripts, %d known variants, %d bands\n",
			c.SkippedTranscripts, c.SkippedKnown, c.SkippedBands)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nSOURCE\tKIND\tBYTES\tSHA256")
	for _, s := range m.Sources {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", s.Path, s.Kind, s.Size, s.SHA256)
	}
	fmt.Fprintln(tw, "\nCHROM\tLENGTH\tSTORED\tGENES\tTRANSCRIPTS\tKNOWN\tBANDS")
	for _, e := range m.Chroms {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", e.Name, e.Length, e.StoredBases, e.Genes, e.Transcripts, e.KnownVariants, e.Bands)
	}
	tw.Flush()
}
