package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
)

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

const hostileHeader = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"

// TestHostileUploads replays the bombs through the real service,
// workflow and engine as a free user: each small upload is FAILED by the
// limit it reaches, quickly, with a message naming it and the upgrade, and
// leaves no result; a VCF starting with a byte order mark (B10) completes.
func TestHostileUploads(t *testing.T) {
	a := openApp(t, testConfig(t, t.TempDir()))
	addUser(t, a, "mallory", domain.RoleFree)
	var contigs strings.Builder
	contigs.WriteString(hostileHeader)
	for i := range 20_000 {
		fmt.Fprintf(&contigs, "c%d\t1\t.\tA\tC\t.\t.\t.\n", i)
	}
	cases := []struct {
		name, file string
		body       []byte
		limit      string // "" for a job that completes
	}{
		// B1: 145 KB of gzip holding 2.3 million records.
		{"disk bomb", "b1.vcf.gz", gzipped(t, hostileHeader+strings.Repeat("21\t25585733\t.\tC\tT\t.\t.\t.\n", 2_300_000)), domain.LimitRecords},
		// B2: header lines of 1 MB each.
		{"memory bomb", "b2.vcf.gz", gzipped(t, "##fileformat=VCFv4.2\n"+strings.Repeat("##x="+strings.Repeat("a", 1<<20-10)+"\n", 20)+hostileHeader[21:]), domain.LimitLineBytes},
		// B3: 40,000 ALT alleles in one record.
		{"ALT bomb", "b3.vcf.gz", gzipped(t, hostileHeader+"21\t25585733\t.\tC\t"+strings.TrimSuffix(strings.Repeat("A,G,T,", 13_334), ",")+"\t.\t.\t.\n"), domain.LimitLineBytes},
		{"ALT bomb within a line", "b3b.vcf", []byte(hostileHeader + "21\t25585733\t.\tC\t" + strings.TrimSuffix(strings.Repeat("A,G,T,", 30), ",") + "\t.\t.\t.\n"), domain.LimitAltAlleles},
		// B4: 20,000 distinct CHROM names.
		{"contig bomb", "b4.vcf.gz", gzipped(t, contigs.String()), domain.LimitContigs},
		// B10: a byte order mark before ##fileformat.
		{"BOM", "bom.vcf", []byte("\ufeff" + hostileHeader + "21\t25585733\t.\tC\tT\t.\t.\t.\n"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.body) > int(domain.FreeLimits.UploadBytes) {
				t.Fatalf("the upload is %d bytes, over the free cap: not the attack", len(c.body))
			}
			start := time.Now()
			j := submit(t, a, "mallory", c.file, c.body)
			e := wait(t, a, j.ExecutionID)
			took := time.Since(start)
			j = job(t, a, j.ID)
			t.Logf("%s: %d bytes uploaded, %s after %v: %s", c.name, len(c.body), j.Status, took.Round(time.Millisecond), j.Error)
			if c.limit == "" {
				if j.Status != domain.StatusCompleted {
					t.Fatalf("job %s (%s): %s", j.Status, e.Status, j.Error)
				}
				return
			}
			if j.Status != domain.StatusFailed || !strings.Contains(j.Error, c.limit+" limit reached") || !strings.Contains(j.Error, "upgrade") {
				t.Fatalf("job %s: %q, want FAILED by the %s limit", j.Status, j.Error, c.limit)
			}
			if _, err := a.Blobs.Head(context.Background(), tasks.ResultKey(j)); err == nil {
				t.Error("a partial result was kept")
			}
		})
	}
}
