package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/gasproject/gas/internal/variants"
)

const variantsUsage = `usage: gas variants [--count] OUT IDX [FILTER=VALUE ...]

Prints the rows of the per-variant index IDX of the annotated VCF OUT (both
written by gas annotate -o OUT --variants IDX; the index reads its rows'
text from OUT) that match every FILTER, as TSV: a header row, then one row
per variant x transcript, in file order. The filters are the API's
(GET /api/v1/jobs/{id}/variants): gene, consequence, impact, max_af,
canonical, chrom, start, end; a comma means OR within one filter, e.g.

  gas variants out.vcf.gz out.idx impact=HIGH,MODERATE canonical=true max_af=0.01

flags:
`

// runVariants implements `gas variants`.
func runVariants(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("variants", flag.ContinueOnError)
	count := fs.Bool("count", false, "print only the number of matching rows")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), variantsUsage)
		fs.PrintDefaults()
	}
	rest, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(rest) < 2 || strings.Contains(rest[0], "=") || strings.Contains(rest[1], "=") {
		fs.Usage()
		return errors.New("need the annotated VCF OUT and its index file IDX")
	}
	q, err := variantsQuery(rest[2:])
	if err != nil {
		return err
	}
	res, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer res.Close()
	f, err := os.Open(rest[1])
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	ix, err := variants.Open(f, st.Size(), res)
	if err == nil {
		err = printVariants(ctx, os.Stdout, ix, q, *count)
	}
	if errors.Is(err, variants.ErrWrongResult) {
		return fmt.Errorf("%s is not the annotated VCF %s was built of (or it changed since): %w", rest[0], rest[1], err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", rest[1], err)
	}
	return nil
}

// variantsQuery reads the FILTER=VALUE arguments as the API's parameters.
// sort, limit and cursor are refused: every matching row is printed, in
// file order.
func variantsQuery(args []string) (variants.Query, error) {
	v := url.Values{}
	for _, a := range args {
		k, val, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return variants.Query{}, fmt.Errorf("filter %q: want NAME=VALUE, e.g. impact=HIGH", a)
		}
		switch {
		case k == "sort" || k == "limit" || k == "cursor":
			return variants.Query{}, fmt.Errorf("filter %q: gas variants prints every matching row, in file order (no %s)", a, k)
		case !slices.Contains(variants.FilterParams, k):
			return variants.Query{}, fmt.Errorf("filter %q: unknown filter %q (%s)", a, k, strings.Join(variants.FilterParams, ", "))
		}
		v.Add(k, val)
	}
	return variants.ParseQuery(v)
}

// printVariants writes the rows matching q as TSV, or their number. Rows
// go out whole: after an error the output ends at a row's end.
func printVariants(ctx context.Context, w io.Writer, ix *variants.Index, q variants.Query, count bool) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	if count {
		q.Limit = 1
		page, err := ix.Query(q)
		if err != nil {
			return err
		}
		fmt.Fprintln(bw, page.Total)
		return bw.Flush()
	}
	if _, err := io.WriteString(bw, variants.TSVHeader); err != nil {
		return err
	}
	var buf []byte
	err := ix.Export(q, func(r variants.Row) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf = r.AppendTSV(buf[:0])
		if bw.Available() < len(buf) { // flush at a row's end, not inside one
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		_, err := bw.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}
