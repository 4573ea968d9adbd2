package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tabix"
	"github.com/gasproject/gas/internal/variants"
	"github.com/gasproject/gas/internal/vcf"
)

// Concatenator is an optional capability of the blob store: join objects
// into a new one without passing their bytes through this process (S3:
// multipart upload with UploadPartCopy). Stores without it get the parts
// streamed through Put.
type Concatenator interface {
	Concat(ctx context.Context, dst string, srcs []string, tail []byte) error
}

// MergeOutput is the result of the Merge step.
type MergeOutput struct {
	JobID     string `json:"job_id"`
	ResultKey string `json:"result_key"`
	LogKey    string `json:"log_key"`
}

// Merge joins the annotated parts in input order into the result (BGZF:
// the parts, then the EOF block), writes its tabix index from the parts'
// indexes (none when the input is not sorted; the log says why), merges the
// shard summaries into the job's, and completes the job (RUNNING ->
// COMPLETED, conditional). The work files are deleted afterwards. A COMPLETED
// job returns its recorded keys without work.
func (t *Tasks) Merge(ctx context.Context, in JobInput) (MergeOutput, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return MergeOutput{}, err
	}
	switch j.Status {
	case domain.StatusCompleted:
		return MergeOutput{JobID: j.ID, ResultKey: j.ResultKey, LogKey: j.LogKey}, nil
	case domain.StatusRunning:
	default:
		return MergeOutput{}, fmt.Errorf("merge job %s: job is %s, not RUNNING: %w", j.ID, j.Status, domain.ErrConflict)
	}
	var shards []Shard
	if err := t.getJSON(ctx, ManifestKey(j), &shards); err != nil {
		return MergeOutput{}, fmt.Errorf("merge job %s: %w", j.ID, err)
	}
	if len(shards) == 0 {
		return MergeOutput{}, fmt.Errorf("merge job %s: the manifest lists no shards", j.ID)
	}
	results := make([]ShardResult, len(shards))
	for i, s := range shards {
		if s.Index != i {
			return MergeOutput{}, fmt.Errorf("merge job %s: manifest item %d has index %d", j.ID, i, s.Index)
		}
		if err := t.getJSON(ctx, s.SummaryKey, &results[i]); err != nil {
			return MergeOutput{}, fmt.Errorf("merge job %s: shard %d: %w", j.ID, i, err)
		}
	}

	out := MergeOutput{JobID: j.ID, ResultKey: ResultKey(j), LogKey: LogKey(j)}
	if err := t.joinParts(ctx, out.ResultKey, shards); err != nil {
		return MergeOutput{}, fmt.Errorf("merge job %s: %w", j.ID, err)
	}
	idxNote, err := t.writeTabix(ctx, out.ResultKey, results)
	if err != nil {
		return MergeOutput{}, fmt.Errorf("merge job %s: %w", j.ID, err)
	}
	if err := t.writeVariantIndex(ctx, out.ResultKey); err != nil {
		return MergeOutput{}, fmt.Errorf("merge job %s: %w", j.ID, err)
	}
	sums := make([]annotate.Summary, len(results))
	for i, r := range results {
		sums[i] = r.Summary
	}
	sum := annotate.MergeSummaries(sums)
	sum.ElapsedSeconds = t.now().Sub(j.StartedAt).Seconds()
	var log bytes.Buffer
	if err := sum.WriteText(&log); err != nil {
		return MergeOutput{}, fmt.Errorf("merge job %s: write log: %w", j.ID, err)
	}
	fmt.Fprintf(&log, "shards: %d\n", len(shards))
	if idxNote != "" {
		fmt.Fprintf(&log, "no tabix index: %s\n", idxNote)
	}
	if err := t.blobs.Put(ctx, out.LogKey, bytes.NewReader(log.Bytes())); err != nil {
		return MergeOutput{}, fmt.Errorf("merge job %s: store log: %w", j.ID, err)
	}
	js, err := json.Marshal(sum)
	if err != nil {
		return MergeOutput{}, fmt.Errorf("merge job %s: encode summary: %w", j.ID, err)
	}
	if _, err := t.jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		switch j.Status {
		case domain.StatusRunning:
		case domain.StatusCompleted: // a concurrent attempt won; same keys, same content
			return nil
		default:
			return fmt.Errorf("job is %s, not RUNNING: %w", j.Status, domain.ErrConflict)
		}
		j.Status, j.CompletedAt = domain.StatusCompleted, t.now()
		j.ResultKey, j.LogKey = out.ResultKey, out.LogKey
		j.Summary, j.ResultState, j.Error = js, domain.ResultAvailable, ""
		j.ShardsDone = len(shards)
		return nil
	}); err != nil {
		return MergeOutput{}, fmt.Errorf("merge job %s: mark completed: %w", j.ID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "job completed", "job", j.ID, "result", out.ResultKey, "shards", len(shards))
	t.dropWork(ctx, j, shards)
	return out, nil
}

// joinParts writes dst = the parts in order + the BGZF EOF block.
func (t *Tasks) joinParts(ctx context.Context, dst string, shards []Shard) error {
	keys := make([]string, len(shards))
	for i, s := range shards {
		keys[i] = s.PartKey
	}
	if c, ok := t.blobs.(Concatenator); ok {
		if err := c.Concat(ctx, dst, keys, tabix.EOF()); err != nil {
			return fmt.Errorf("join parts into %s: %w", dst, err)
		}
		return nil
	}
	readers := make([]io.Reader, 0, len(keys)+1)
	for _, k := range keys {
		readers = append(readers, &lazyBlob{ctx: ctx, blobs: t.blobs, key: k})
	}
	readers = append(readers, bytes.NewReader(tabix.EOF()))
	err := t.blobs.Put(ctx, dst, io.MultiReader(readers...))
	for _, r := range readers[:len(keys)] {
		r.(*lazyBlob).close()
	}
	if err != nil {
		return fmt.Errorf("join parts into %s: %w", dst, err)
	}
	return nil
}

// writeTabix stores the tabix index of the joined result beside it
// (domain.TabixKey), built from the parts' line offsets without reading the
// result, or returns why there is none: the input is not sorted, or a
// position is beyond what a .tbi holds (512 Mbp).
func (t *Tasks) writeTabix(ctx context.Context, resultKey string, results []ShardResult) (string, error) {
	x := tabix.NewIndexer()
	var offset int64
	for i, r := range results {
		if r.Part == nil {
			return "", fmt.Errorf("shard %d has no part description", i)
		}
		if err := tabix.AppendPart(x, r.Part, offset); err != nil {
			return "the input is not sorted (" + err.Error() + ")", t.blobs.Delete(ctx, domain.TabixKey(resultKey))
		}
		offset += r.Part.Size
	}
	if x.NeedsCSI() {
		return "a position is beyond 512 Mbp, which a .tbi cannot index", t.blobs.Delete(ctx, domain.TabixKey(resultKey))
	}
	var b bytes.Buffer
	zw := vcf.NewBGZFWriter(&b)
	err := x.WriteTBI(zw)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write tabix index: %w", err)
	}
	if err := t.blobs.Put(ctx, domain.TabixKey(resultKey), &b); err != nil {
		return "", fmt.Errorf("store tabix index: %w", err)
	}
	return "", nil
}

// writeVariantIndex builds the per-variant index (package variants) of the
// joined result and stores it beside it (domain.VariantsKey). It reads the
// result back (inflated in parallel by the vcf reader); a failed Put stores
// nothing.
func (t *Tasks) writeVariantIndex(ctx context.Context, resultKey string) error {
	rc, err := t.blobs.Get(ctx, resultKey)
	if err != nil {
		return fmt.Errorf("read %s: %w", resultKey, err)
	}
	defer rc.Close()
	r, err := vcf.NewReader(rc)
	if err != nil {
		return fmt.Errorf("read %s: %w", resultKey, err)
	}
	defer r.Close()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := t.blobs.Put(ctx, domain.VariantsKey(resultKey), pr)
		pr.CloseWithError(err)
		done <- err
	}()
	b := variants.NewBuilder(pw)
	err = copyLines(b, r)
	if err == nil {
		err = b.Close()
	} else {
		b.Abort()
	}
	pw.CloseWithError(err)
	if perr := <-done; err == nil && perr != nil {
		err = fmt.Errorf("store variant index: %w", perr)
	}
	return err
}

// copyLines writes the reader's header and lines to w, 1 MiB at a time.
func copyLines(w io.Writer, r *vcf.Reader) error {
	var buf bytes.Buffer
	if _, err := r.Header().WriteTo(&buf); err != nil {
		return err
	}
	for {
		line, _, err := r.ReadLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
		if buf.Len() >= 1<<20 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return err
			}
			buf.Reset()
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// dropWork deletes the job's intermediate files. Failures are logged only:
// the result is complete, and the keys are the job's own.
func (t *Tasks) dropWork(ctx context.Context, j domain.Job, shards []Shard) {
	var errs []error
	for _, s := range shards {
		for _, k := range []string{s.Key, s.PartKey, s.SummaryKey} {
			errs = append(errs, t.blobs.Delete(ctx, k))
		}
	}
	errs = append(errs, t.blobs.Delete(ctx, ManifestKey(j)))
	if err := errors.Join(errs...); err != nil {
		t.cfg.Logger.WarnContext(ctx, "job work files left behind", "job", j.ID, "err", err)
	}
}

// lazyBlob opens a blob at its first Read, so a long join holds one open
// object at a time.
type lazyBlob struct {
	ctx   context.Context
	blobs domain.Blobs
	key   string
	rc    io.ReadCloser
	eof   bool
}

func (l *lazyBlob) Read(p []byte) (int, error) {
	if l.eof {
		return 0, io.EOF
	}
	if l.rc == nil {
		rc, err := l.blobs.Get(l.ctx, l.key)
		if err != nil {
			return 0, fmt.Errorf("read %s: %w", l.key, err)
		}
		l.rc = rc
	}
	n, err := l.rc.Read(p)
	if err == io.EOF {
		l.eof = true
		l.close()
	}
	return n, err
}

func (l *lazyBlob) close() {
	if l.rc != nil {
		l.rc.Close()
		l.rc = nil
	}
}
