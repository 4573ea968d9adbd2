package app

import (
	"bufio"
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/internal/variants"
)

// TestShardedJobOverSeveralChromosomes: a job over chr21, MT and an
// uncovered chromosome, cut into several shards, goes through the real
// Distributed Map and comes back with every record once, in input order,
// with a map run and one child execution per shard in the history.
func TestShardedJobOverSeveralChromosomes(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Shards = tasks.ShardConfig{Records: 60, MinRecords: 20}
	a := openApp(t, cfg)
	addUser(t, a, "sam", domain.RolePremium)

	in := bytes.NewBuffer(severalChromosomes(t))
	in.WriteString("chrY\t2781480\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\n")
	j := submit(t, a, "sam", "multi.vcf", in.Bytes())
	e := wait(t, a, j.ExecutionID)
	if e.Status != domain.ExecSucceeded {
		t.Fatalf("execution %s %s %s", e.Status, e.Error, e.Cause)
	}
	j = job(t, a, j.ID)
	if j.Status != domain.StatusCompleted || j.ShardsTotal < 4 || j.ShardsDone != j.ShardsTotal {
		t.Fatalf("job %s, shards %d/%d", j.Status, j.ShardsDone, j.ShardsTotal)
	}
	want, got := positions(in.Bytes()), positions(gunzip(t, readBlob(t, a, j.ResultKey)))
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("result has %d records, input %d; not the same order", len(got), len(want))
	}
	checkJoinedVariantIndex(t, a, j)
	ev := history(t, a, j.ExecutionID)
	if count(ev, "MapRunStarted", "ShardMap") != 1 || count(ev, "MapRunSucceeded", "ShardMap") != 1 {
		t.Errorf("history:\n%s", strings.Join(steps(ev), "\n"))
	}
	kids, _, err := a.Workflow.List(context.Background(), domain.ExecutionFilter{StateMachine: domain.MachineAnnotation + "/Shards", NamePrefix: j.ID + ":"}, domain.Page{})
	if err != nil || len(kids) != j.ShardsTotal {
		t.Fatalf("%d child executions for %d shards (%v)", len(kids), j.ShardsTotal, err)
	}
	child := history(t, a, asl.ExecutionID(domain.MachineAnnotation+"/Shards", j.ID+":0"))
	if count(child, "TaskSucceeded", "AnnotateShard") != 1 {
		t.Errorf("child history:\n%s", strings.Join(steps(child), "\n"))
	}
}

// severalChromosomes is ../shared's chr21 records, then its MT records
// (given a sample, as chr21_vep_test.vcf has): 482 records.
func severalChromosomes(t *testing.T) []byte {
	t.Helper()
	var in bytes.Buffer
	in.Write(sharedVCF(t, "chr21_vep_test.vcf"))
	for _, l := range strings.SplitAfter(string(sharedVCF(t, "test.vcf")), "\n") {
		if l != "" && l[0] != '#' {
			in.WriteString(strings.TrimSpace(l) + "\tGT\t0/1\n")
		}
	}
	return in.Bytes()
}

// checkJoinedVariantIndex: the variant index Merge joined from the shards'
// parts has the rows, in order, of one built from the whole result.
func checkJoinedVariantIndex(t *testing.T, a *App, j domain.Job) {
	t.Helper()
	var whole bytes.Buffer
	b := variants.NewBuilder(&whole)
	result := readBlob(t, a, j.ResultKey)
	text := gunzip(t, result)
	b.Write(text)
	if err := b.Close(variants.PlainResult); err != nil {
		t.Fatal(err)
	}
	joined := readBlob(t, a, domain.VariantsKey(j.ResultKey))
	var rows [2][]variants.Row
	for i, data := range [][]byte{whole.Bytes(), joined} {
		res := [][]byte{text, result}[i] // the joined index reads the BGZF result
		ix, err := variants.Open(bytes.NewReader(data), int64(len(data)), bytes.NewReader(res))
		if err != nil {
			t.Fatalf("index %d: %v", i, err)
		}
		if err := ix.Export(variants.Query{}, func(r variants.Row) error { rows[i] = append(rows[i], r); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if len(rows[0]) == 0 || !reflect.DeepEqual(rows[0], rows[1]) {
		t.Fatalf("joined variant index: %d rows; built from the result: %d (or they differ)", len(rows[1]), len(rows[0]))
	}
}

// positions lists CHROM:POS of a VCF's data lines.
func positions(vcf []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(vcf))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		f := strings.SplitN(l, "\t", 3)
		out = append(out, f[0]+":"+f[1])
	}
	return out
}
