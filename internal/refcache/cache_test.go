package refcache

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/memstore"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/testshared"
)

// uploaded builds the mini bundle and puts it under "bundle/" in a blob store.
func uploaded(t *testing.T) (*memstore.Blobs, refdata.Manifest, map[string]int64) {
	t.Helper()
	dir := t.TempDir()
	if _, err := refdata.BuildMini(context.Background(), testshared.Dir(t), dir); err != nil {
		t.Fatal(err)
	}
	blobs := memstore.NewBlobs(nil)
	sizes := map[string]int64{}
	m, _ := refdata.ReadManifest(dir)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, _ := os.ReadFile(p)
		for _, c := range m.Chroms {
			if files, _ := m.ChromosomeFiles(c.Name); slices.Contains(files, filepath.ToSlash(rel)) {
				sizes[c.Name] += int64(len(data))
			}
		}
		return blobs.Put(context.Background(), "bundle/"+filepath.ToSlash(rel), bytes.NewReader(data))
	})
	if err != nil {
		t.Fatal(err)
	}
	return blobs, m, sizes
}

const header = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"

func TestCacheFetchesOnlyTheShardsChromosomes(t *testing.T) {
	blobs, _, sizes := uploaded(t)
	dir := t.TempDir()
	// Room for the larger chromosome only: a shard of the other evicts it.
	limit := max(sizes["21"], sizes["MT"])
	c := New(blobs, "bundle/", dir, limit, annotate.Options{})
	ctx := context.Background()
	if _, err := os.Stat(filepath.Join(dir, refdata.ManifestFile)); err == nil {
		t.Fatal("fetched at construction")
	}
	var out bytes.Buffer
	sum, err := c.Annotate(ctx, []string{"chrM"}, strings.NewReader(header+"chrM\t73\t.\tA\tG\t.\t.\t.\n"), &out, nil, domain.Limits{}, domain.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Records != 1 || !strings.Contains(out.String(), "CSQ=") || !slices.Equal(c.Held(), []string{"MT"}) {
		t.Fatalf("records %d, held %v, out %.200s", sum.Records, c.Held(), out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "chroms")); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if _, err := c.Annotate(ctx, []string{"21", "chr7"}, strings.NewReader(header+"21\t25000000\t.\tA\tG\t.\t.\t.\nchr7\t5\t.\tA\tG\t.\t.\t.\n"), &out, nil, domain.Limits{}, domain.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Held(), []string{"21"}) {
		t.Fatalf("held %v after a chr21 shard with room for one chromosome", c.Held())
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "chroms"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "MT.") {
			t.Errorf("evicted file %s still on disk", e.Name())
		}
	}
	if _, err := c.Annotate(ctx, []string{"MT", "21"}, strings.NewReader(header), &out, nil, domain.Limits{}, domain.RunOptions{}); err == nil || !strings.Contains(err.Error(), "over the cache limit") {
		t.Fatalf("a shard needing both chromosomes: %v", err)
	}
}
