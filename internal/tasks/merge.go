package tasks

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

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

// MergeInput is the payload of Merge: {"job_id"} from the Merge state, or
// {"job_id", "drop": true} from the failure path's DropWork state, which
// deletes the files of a job that failed (DropFailed) in the function that
// already may delete work files (no other role gets s3:DeleteObject).
type MergeInput struct {
	JobID string `json:"job_id"`
	Drop  bool   `json:"drop,omitempty"`
}

// MergeOutput is the result of the Merge step, and of DropWork (JobID and
// Dropped only).
type MergeOutput struct {
	JobID     string `json:"job_id"`
	ResultKey string `json:"result_key"`
	LogKey    string `json:"log_key"`
	// Dropped counts the work files deleted.
	Dropped int `json:"dropped"`
}

// Merge joins the annotated parts in input order into the result (BGZF:
// the parts, then the EOF block), writes its tabix index from the parts'
// indexes (none when the input is not sorted; the log says why), merges the
// shard summaries into the job's, and completes the job (RUNNING ->
// COMPLETED, conditional). The work files are deleted afterwards. A COMPLETED
// job returns its recorded keys without work. With in.Drop it is DropFailed.
func (t *Tasks) Merge(ctx context.Context, in MergeInput) (MergeOutput, error) {
	if in.Drop {
		return t.DropFailed(ctx, JobInput{JobID: in.JobID})
	}
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
	shards, results, err := t.loadShardResults(ctx, j)
	if err != nil {
		return MergeOutput{}, fmt.Errorf("merge job %s: %w", j.ID, err)
	}
	if err := t.checkJobOutput(ctx, j, results); err != nil {
		return MergeOutput{}, err
	}
	out := MergeOutput{JobID: j.ID, ResultKey: ResultKey(j), LogKey: LogKey(j)}
	idxNote, err := t.writeResult(ctx, out.ResultKey, shards, results)
	if err != nil {
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
	out.Dropped = t.dropWork(ctx, j)
	return out, nil
}

// loadShardResults reads the manifest and every shard's result.
func (t *Tasks) loadShardResults(ctx context.Context, j domain.Job) ([]Shard, []ShardResult, error) {
	var shards []Shard
	if err := t.getJSON(ctx, ManifestKey(j), &shards); err != nil {
		return nil, nil, err
	}
	if len(shards) == 0 {
		return nil, nil, errors.New("the manifest lists no shards")
	}
	slices.SortFunc(shards, func(a, b Shard) int { return cmp.Compare(a.Index, b.Index) }) // listed largest first
	for i, s := range shards {
		if s.Index != i {
			return nil, nil, fmt.Errorf("the manifest lists no shard %d", i)
		}
	}
	// Several at once: on S3 each read is a round trip.
	results := make([]ShardResult, len(shards))
	errs := make([]error, len(shards))
	sem := make(chan struct{}, maxSummaryReads)
	var wg sync.WaitGroup
	for i, s := range shards {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := t.getJSON(ctx, s.SummaryKey, &results[i]); err != nil {
				errs[i] = fmt.Errorf("shard %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err // the first shard's
		}
	}
	return shards, results, nil
}

// maxSummaryReads bounds the shard summaries Merge reads at once.
const maxSummaryReads = 8

// checkJobOutput enforces the tier's output cap on the whole job (each shard
// kept within it alone): over it, the job fails naming the limit and no
// result is written (the failure path's DropWork deletes the work files).
func (t *Tasks) checkJobOutput(ctx context.Context, j domain.Job, results []ShardResult) error {
	role, lim, err := t.limitsOf(ctx, j)
	if err != nil {
		return fmt.Errorf("merge job %s: %w", j.ID, err)
	}
	var total int64
	for _, r := range results {
		total += r.OutputBytes
	}
	if lim.OutputBytes <= 0 || total <= lim.OutputBytes {
		return nil
	}
	le := (&domain.LimitError{Name: domain.LimitOutput, Max: lim.OutputBytes}).WithRole(role)
	t.cfg.Logger.WarnContext(ctx, "job limit reached", "job", j.ID, "user", j.UserID, "limit", le.Name, "bytes", total)
	reason := fmt.Sprintf("%s: the annotated result of all %d shards is %d bytes: %v", j.InputName, len(results), total, le)
	if err := t.markInvalid(ctx, j.ID, reason); err != nil {
		return err
	}
	return invalidInput(reason)
}

// writeResult writes the joined result, its tabix index and its variant
// index, the three at once (each is I/O-bound), and returns why there is no
// tabix index, if there is none.
func (t *Tasks) writeResult(ctx context.Context, resultKey string, shards []Shard, results []ShardResult) (string, error) {
	var (
		wg      sync.WaitGroup
		idxNote string
		errs    [3]error
	)
	wg.Add(3)
	go func() { defer wg.Done(); errs[0] = t.joinParts(ctx, resultKey, shards, results) }()
	go func() { defer wg.Done(); idxNote, errs[1] = t.writeTabix(ctx, resultKey, results) }()
	go func() { defer wg.Done(); errs[2] = t.joinVariantIndex(ctx, resultKey, shards, results) }()
	wg.Wait()
	return idxNote, errors.Join(errs[:]...)
}

// joinParts writes dst = the parts in order + the BGZF EOF block. Each part
// must be the size its description gives: the tabix offsets count on it, and
// a part ending in an EOF block of its own (28 bytes more) would end the
// joined file early for some readers.
func (t *Tasks) joinParts(ctx context.Context, dst string, shards []Shard, results []ShardResult) error {
	keys, sizes := make([]string, len(shards)), make([]int64, len(shards))
	for i, s := range shards {
		if results[i].Part == nil {
			return fmt.Errorf("join parts into %s: shard %d has no part description", dst, i)
		}
		keys[i], sizes[i] = s.PartKey, results[i].Part.Size
	}
	if err := t.concat(ctx, dst, keys, sizes, tabix.EOF()); err != nil {
		return fmt.Errorf("join parts into %s: %w", dst, err)
	}
	return nil
}

// concat stores dst = the blobs at keys in order, each of the size given,
// then tail: in the store when it is a Concatenator (nothing copied),
// else streamed through Put.
func (t *Tasks) concat(ctx context.Context, dst string, keys []string, sizes []int64, tail []byte) error {
	for i, k := range keys {
		info, err := t.blobs.Head(ctx, k)
		if err != nil {
			return err
		}
		if info.Size != sizes[i] {
			return fmt.Errorf("part %d is %d bytes, not the size its shard recorded (%d)", i, info.Size, sizes[i])
		}
	}
	if c, ok := t.blobs.(Concatenator); ok {
		return c.Concat(ctx, dst, keys, tail)
	}
	readers := make([]io.Reader, 0, len(keys)+1)
	for _, k := range keys {
		readers = append(readers, &lazyBlob{ctx: ctx, blobs: t.blobs, key: k})
	}
	readers = append(readers, bytes.NewReader(tail))
	err := t.blobs.Put(ctx, dst, io.MultiReader(readers...))
	for _, r := range readers[:len(keys)] {
		r.(*lazyBlob).close()
	}
	return err
}

// writeTabix stores the tabix index of the joined result beside it
// (domain.TabixKey), built from the parts' indexes without reading the
// result, or returns why there is none: the input is not sorted, or a
// position is beyond what a .tbi holds (512 Mbp).
func (t *Tasks) writeTabix(ctx context.Context, resultKey string, results []ShardResult) (string, error) {
	x := tabix.NewIndexer()
	var offset int64
	for i, r := range results {
		if r.Part == nil {
			return "", fmt.Errorf("shard %d has no part description", i)
		}
		if err := tabix.AppendPart(x, r.Part, offset); errors.Is(err, tabix.ErrCorruptPart) {
			return "", fmt.Errorf("shard %d: %w (annotated by an older version: run the job again)", i, err)
		} else if err != nil {
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

// joinVariantIndex stores the variant index of the joined result beside it
// (domain.VariantsKey): the shards' index parts as they are, joined in the
// store like the parts, then the footer variants.Join makes of their
// directories (no index part is read or copied here); a failure stores
// nothing.
func (t *Tasks) joinVariantIndex(ctx context.Context, resultKey string, shards []Shard, results []ShardResult) error {
	parts := make([]*variants.Part, len(results))
	keys, sizes := make([]string, len(shards)), make([]int64, len(shards))
	at := make([]int64, len(results)) // where each shard's part is in the result
	var off int64
	for i, r := range results {
		if r.Variants == nil || r.Part == nil {
			return fmt.Errorf("shard %d has no variant index part (annotated by an older version: run the job again)", i)
		}
		parts[i], keys[i], sizes[i], at[i] = r.Variants, indexKey(shards[i]), r.Variants.Size, off
		off += r.Part.Size
	}
	tail, err := variants.Join(parts, at)
	if err != nil {
		return err
	}
	if err := t.concat(ctx, domain.VariantsKey(resultKey), keys, sizes, tail); err != nil {
		return fmt.Errorf("store variant index: %w", err)
	}
	return nil
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
