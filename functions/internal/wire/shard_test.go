package wire

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gasproject/gas/functions/awsenv"
	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/refcache"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/s3blob"
	"github.com/gasproject/gas/internal/s3blob/s3fake"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/internal/testshared"
	"github.com/gasproject/gas/internal/variants"
	"github.com/gasproject/gas/statemachines"
)

// shardRig is a premium user's PENDING job over 22 chromosomes
// (premium_3.vcf, gzipped when asked; chr21 in the bundle, the rest not) on the emulators, with
// the mini bundle in the refdata bucket, and step, which runs one task of
// the annotate binary as its Lambda does, under its role's S3 grants.
type shardRig struct {
	st    *Stores
	s3    *s3.Client // unchecked: the test's own view of the buckets
	job   domain.Job
	input []byte
	step  func(task string, payload any, out any)
}

func newShardRig(t *testing.T, gz bool) shardRig {
	t.Helper()
	ctx := context.Background()
	cfg, s3f, _ := emulators(t)
	setEnv(t, "")
	t.Setenv(awsenv.ShardRecords, "700") // several shards, some cut inside a chromosome
	t.Setenv(awsenv.ShardMinRecords, "1")
	pathStyle := func(o *s3.Options) { o.UsePathStyle = true }
	st := openStores(t, cfg)
	roles, err := s3fake.LoadRoles("../../../infra/testdata/s3-policies.json")
	if err != nil {
		t.Fatal(err)
	}
	buckets := map[string]string{"inputs": "in", "results": "out", "audit": "audit", "refdata": "ref"}

	// GIVEN the mini bundle in the refdata bucket, as `gas refdata upload` puts it
	bundle := filepath.Join(t.TempDir(), "bundle")
	if _, err := refdata.BuildMini(ctx, testshared.Dir(t), bundle); err != nil {
		t.Fatal(err)
	}
	if _, err := s3blob.New(s3.NewFromConfig(cfg, pathStyle), "ref").UploadDir(ctx, bundle, "bundle/"); err != nil {
		t.Fatal(err)
	}
	// AND a premium user's job over 22 chromosomes (chr21 in the bundle, the rest not)
	input := testshared.Read(t, "vcf", "premium_3.vcf")
	now := time.Now().UTC()
	if err := st.Profiles.Create(ctx, domain.Profile{ID: "u1", Email: "u1@example.org", Role: domain.RolePremium, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	stored, key := input, "inputs/u1/job-1/premium_3.vcf"
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(input)
		zw.Close()
		stored, key = b.Bytes(), key+".gz"
	}
	j := domain.Job{ID: "job-1", UserID: "u1", InputKey: key, InputSize: int64(len(stored)),
		SubmittedAt: now, Status: domain.StatusPending}
	if err := st.Jobs.Create(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := st.Blobs.Put(ctx, j.InputKey, bytes.NewReader(stored)); err != nil {
		t.Fatal(err)
	}

	annotator := refcache.New(s3blob.New(s3.NewFromConfig(cfg, pathStyle), "ref"), "bundle/", t.TempDir(), 1<<30, annotate.Options{})
	step := func(task string, payload any, out any) {
		t.Helper()
		t.Setenv(awsenv.Task, task)
		st.Env = &awsenv.Lookup{}
		h, err := st.TaskHandler(awsenv.TaskBinaries["annotate"], nil, annotator)
		if err != nil {
			t.Fatal(err)
		}
		in, _ := json.Marshal(payload)
		done := s3f.As(t, roles, task, buckets)
		res, err := h(ctx, in)
		done()
		if err != nil {
			t.Fatalf("%s: %v", task, err)
		}
		if err := json.Unmarshal(res, out); err != nil {
			t.Fatalf("%s result %s: %v", task, res, err)
		}
	}
	return shardRig{st: st, s3: s3.NewFromConfig(cfg, pathStyle), job: j, input: input, step: step}
}

// manifest runs Plan and reads its manifest as the ItemReader does.
func (r shardRig) manifest(t *testing.T) []json.RawMessage {
	t.Helper()
	var plan tasks.PlanOutput
	r.step(statemachines.TaskPlan, tasks.JobInput{JobID: r.job.ID}, &plan)
	rc, err := r.st.Blobs.Get(context.Background(), plan.ManifestKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var items []json.RawMessage
	if err := json.NewDecoder(rc).Decode(&items); err != nil || len(items) < 3 || len(items) != plan.Shards {
		t.Fatalf("manifest: %d items, plan %+v (%v); want at least 3", len(items), plan, err)
	}
	// A plain upload's shards are ranges of it, a compressed one's copies.
	for _, item := range items {
		var s tasks.Shard
		if err := json.Unmarshal(item, &s); err != nil || (s.Range != nil) != r.plain() {
			t.Fatalf("manifest item %s (%v): want a range of the upload: %v", item, err, r.plain())
		}
	}
	return items
}

func (r shardRig) plain() bool { return !strings.HasSuffix(r.job.InputKey, ".gz") }

// keys lists a prefix of the results bucket.
func (r shardRig) keys(t *testing.T, prefix string) []string {
	t.Helper()
	out, err := r.s3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("out"), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// The sharded annotation as its Lambdas run it on AWS: Plan, one
// AnnotateShard per manifest item (the reference fetched from the refdata
// bucket by refcache, as the annotate binary does) and Merge (UploadPartCopy
// and the tabix and index joins), each step under its own role's S3 grants.
func TestShardedAnnotationStepsOnAWSAdapters(t *testing.T) {
	t.Run("plain upload: shards are ranges of it", func(t *testing.T) { shardedStepsOnAWS(t, false) })
	t.Run("gzip upload: shards are copies", func(t *testing.T) { shardedStepsOnAWS(t, true) })
}

func shardedStepsOnAWS(t *testing.T, gz bool) {
	ctx := context.Background()
	rig := newShardRig(t, gz)
	st, step, j, input := rig.st, rig.step, rig.job, rig.input

	// WHEN Plan, every shard and Merge run as the workflow runs them
	for _, item := range rig.manifest(t) {
		var out tasks.ShardOutput
		step(statemachines.TaskAnnotateShard, map[string]any{"job_id": j.ID, "shard": item}, &out)
	}
	var merged tasks.MergeOutput
	step(statemachines.TaskMerge, tasks.JobInput{JobID: j.ID}, &merged)

	// THEN the job is complete and its BGZF result holds every input record, in input order
	got, err := st.Jobs.Get(ctx, j.ID)
	if err != nil || got.Status != domain.StatusCompleted || got.ResultKey == "" {
		t.Fatalf("job after merge: %+v (%v)", got, err)
	}
	want := records(t, strings.NewReader(string(input)))
	rc, err := st.Blobs.Get(ctx, got.ResultKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatal(err)
	}
	var text, whole bytes.Buffer
	vb := variants.NewBuilder(&whole)
	if res := records(t, io.TeeReader(zr, io.MultiWriter(vb, &text))); strings.Join(res, "\n") != strings.Join(want, "\n") {
		t.Errorf("result has %d records, input %d, or not in input order", len(res), len(want))
	}
	// AND the variant index joined in S3 has the rows of an index of the
	// result, read from the result in S3
	if err := vb.Close(variants.PlainResult); err != nil {
		t.Fatal(err)
	}
	one, err := variants.Open(bytes.NewReader(whole.Bytes()), int64(whole.Len()), bytes.NewReader(text.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	ix := openIndex(t, st.Blobs, domain.VariantsKey(got.ResultKey), blobBytes(t, st.Blobs, got.ResultKey))
	if got, want := exportAll(t, ix), exportAll(t, one); !reflect.DeepEqual(got, want) || len(got) == 0 {
		t.Errorf("joined variant index has %d rows, an index of the result %d (or they differ)", len(got), len(want))
	}
	// AND no intermediate file is left (the merge role may list and delete them)
	if left := rig.keys(t, tasks.WorkPrefix(j)); len(left) != 0 {
		t.Errorf("work files after merge: %q", left)
	}
	for _, k := range domain.ResultFiles(got.ResultKey) {
		if _, err := st.Blobs.Head(ctx, k); err != nil {
			t.Errorf("result file %s: %v", k, err)
		}
	}
}

// TestFailedShardedJobIsDroppedOnAWSAdapters: the failure path's DropWork
// (the merge function with "drop") deletes, under the merge role's grants,
// Plan's shards (copies of a compressed upload), the parts of the shards
// that ran and the result files a failed Merge wrote, and keeps the upload.
func TestFailedShardedJobIsDroppedOnAWSAdapters(t *testing.T) {
	t.Run("plain upload", func(t *testing.T) { droppedOnAWS(t, false) })
	t.Run("gzip upload", func(t *testing.T) { droppedOnAWS(t, true) })
}

func droppedOnAWS(t *testing.T, gz bool) {
	ctx := context.Background()
	rig := newShardRig(t, gz)
	j := rig.job
	// GIVEN a job whose second shard failed after the first ran, and a
	// .tbi a Merge wrote before failing
	items := rig.manifest(t)
	var out tasks.ShardOutput
	rig.step(statemachines.TaskAnnotateShard, map[string]any{"job_id": j.ID, "shard": items[0]}, &out)
	if _, err := rig.st.Jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		j.Status, j.Error = domain.StatusFailed, "premium_3.vcf: line 9: bad REF"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tbi := domain.TabixKey(tasks.ResultKey(j))
	if err := rig.st.Blobs.Put(ctx, tbi, strings.NewReader("partial")); err != nil {
		t.Fatal(err)
	}
	before := rig.keys(t, tasks.WorkPrefix(j))
	want := 4 // the manifest, the first shard's part, index part and summary
	if gz {
		want += len(items) // and the shards
	}
	if len(before) != want {
		t.Fatalf("work files before the drop: %q; want %d: the manifest, the first shard's part, index part and summary, and copied shards", before, want)
	}
	// WHEN DropWork runs
	var dropped tasks.MergeOutput
	rig.step(statemachines.TaskMerge, tasks.MergeInput{JobID: j.ID, Drop: true}, &dropped)

	// THEN nothing of the job is left in the results bucket but its upload elsewhere
	if left := rig.keys(t, tasks.WorkPrefix(j)); len(left) != 0 || dropped.Dropped != len(before) {
		t.Errorf("left %q, dropped %d of %d", left, dropped.Dropped, len(before))
	}
	if _, err := rig.st.Blobs.Head(ctx, tbi); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the failed Merge's .tbi: %v, want it deleted", err)
	}
	if _, err := rig.st.Blobs.Head(ctx, j.InputKey); err != nil {
		t.Errorf("the upload: %v", err)
	}
}

func openIndex(t *testing.T, blobs domain.Blobs, key string, result []byte) *variants.Index {
	t.Helper()
	b := blobBytes(t, blobs, key)
	ix, err := variants.Open(bytes.NewReader(b), int64(len(b)), bytes.NewReader(result))
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

// blobBytes reads the blob at key.
func blobBytes(t *testing.T, blobs domain.Blobs, key string) []byte {
	t.Helper()
	rc, err := blobs.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exportAll is every row of ix, in file order.
func exportAll(t *testing.T, ix *variants.Index) []variants.Row {
	t.Helper()
	var rows []variants.Row
	if err := ix.Export(variants.Query{}, func(r variants.Row) error { rows = append(rows, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return rows
}

// records lists the CHROM:POS:REF:ALT of a VCF's data lines.
func records(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" && line[0] != '#' {
			f := strings.SplitN(line, "\t", 6)
			out = append(out, f[0]+":"+f[1]+":"+f[3]+":"+f[4])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
