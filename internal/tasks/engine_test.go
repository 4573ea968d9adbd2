package tasks

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/variants"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/testshared"
	"github.com/gasproject/gas/statemachines"
)

var mini struct {
	once   sync.Once
	dir    string
	bundle *refdata.Bundle
	err    error
}

// miniEngine builds the mini reference bundle once per test binary.
func miniEngine(t *testing.T) EngineAnnotator {
	t.Helper()
	shared := testshared.Dir(t)
	mini.once.Do(func() {
		mini.dir, mini.err = os.MkdirTemp("", "gas-tasks-ref-")
		if mini.err != nil {
			return
		}
		if _, mini.err = refdata.BuildMini(context.Background(), shared, mini.dir); mini.err != nil {
			return
		}
		mini.bundle, mini.err = refdata.Open(mini.dir)
	})
	if mini.err != nil {
		t.Fatalf("mini bundle: %v", mini.err)
	}
	return EngineAnnotator{Engine: annotate.New(mini.bundle)}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if mini.bundle != nil {
		mini.bundle.Close()
	}
	if mini.dir != "" {
		os.RemoveAll(mini.dir)
	}
	os.Exit(code)
}

func TestShardedJobWithTheRealEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the reference bundle")
	}
	vcf := testshared.Read(t, "vcf", "test.vcf")
	badPOS := "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n" +
		"MT\t5\t.\tA\tG\t.\t.\t.\nMT\tabc\t.\tA\tG\t.\t.\t.\n"
	tests := []struct {
		name, input string
		wantErr     string // "" for success
	}{
		{"test.vcf", string(vcf), ""},
		{"bad POS", badPOS, "line 4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.t.annotator = miniEngine(t)
			f.t.cfg.Shards = ShardConfig{Records: 100, MinRecords: 50}
			ctx := context.Background()
			f.blobs.Put(ctx, "inputs/u1/j1/sample.vcf", strings.NewReader(tc.input))
			err := f.runJob("j1")
			if tc.wantErr != "" {
				if _, ok := err.(*statemachines.InvalidInputError); !ok || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %T %v, want InvalidInputError naming %q", err, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			j := f.job(t, "j1")
			if j.Status != domain.StatusCompleted || !strings.Contains(string(j.Summary), `"records":350`) || j.ShardsTotal != 4 {
				t.Errorf("job %s, %d shards, summary %.200s", j.Status, j.ShardsTotal, j.Summary)
			}
			out := f.result(t, j.ResultKey)
			if !strings.HasPrefix(out, "##fileformat=VCF") || !strings.Contains(out, "##INFO=<ID=CSQ") ||
				strings.Count(out, "\n#CHROM") != 1 || strings.Count(out, "CSQ=") != 350 {
				t.Errorf("result does not look annotated once: %.300s", out)
			}
			if tbi := f.blob(t, domain.TabixKey(j.ResultKey)); !strings.HasPrefix(tbi, "\x1f\x8b") {
				t.Errorf("tabix index is not BGZF: %q", tbi[:min(len(tbi), 20)])
			}
			// The joined index reads its rows' text from the joined
			// result: every row as an index of the whole text gives it.
			idx := f.blob(t, domain.VariantsKey(j.ResultKey))
			ix, err := variants.Open(strings.NewReader(idx), int64(len(idx)), strings.NewReader(f.blob(t, j.ResultKey)))
			if err != nil || ix.Rows() == 0 {
				t.Fatalf("variant index: %v rows, %v", ix, err)
			}
			var whole bytes.Buffer
			b := variants.NewBuilder(&whole)
			b.Write([]byte(out))
			if err := b.Close(variants.PlainResult); err != nil {
				t.Fatal(err)
			}
			one, err := variants.Open(bytes.NewReader(whole.Bytes()), int64(whole.Len()), strings.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := allRows(t, ix), allRows(t, one); !reflect.DeepEqual(got, want) || len(got) == 0 {
				t.Errorf("the joined index gives %d rows, an index of the whole result %d (first %+v, want %+v)", len(got), len(want), got[:min(1, len(got))], want[:min(1, len(want))])
			}
			if log := f.blob(t, j.LogKey); !strings.Contains(log, "records:") || !strings.Contains(log, "shards: 4") {
				t.Errorf("log %q", log)
			}
		})
	}
}

// allRows is every row of ix, in file order.
func allRows(t *testing.T, ix *variants.Index) []variants.Row {
	t.Helper()
	var rows []variants.Row
	if err := ix.Export(variants.Query{}, func(r variants.Row) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return rows
}
