package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tabix"
	"github.com/gasproject/gas/internal/variants"
	"github.com/gasproject/gas/internal/vcf"
)

// ShardInput is AnnotateShard's payload: the ItemSelector passes the job id
// and one manifest item.
type ShardInput struct {
	JobID string `json:"job_id"`
	Shard Shard  `json:"shard"`
}

// ShardOutput is AnnotateShard's result (small: the map keeps none of it).
type ShardOutput struct {
	Index   int   `json:"index"`
	Records int64 `json:"records"`
}

// ShardResult is what AnnotateShard stores at Shard.SummaryKey for Merge.
type ShardResult struct {
	Summary annotate.Summary `json:"summary"`
	Part    *tabix.Part      `json:"part"` // size and tabix index of the part
	// Variants is the directory of the shard's variant index part (indexKey).
	Variants *variants.Part `json:"variants"`
	// OutputBytes is the part's uncompressed size, toward the job's output cap.
	OutputBytes int64 `json:"output_bytes"`
}

// AnnotateShard annotates one shard into its BGZF part (records only, no
// header except in shard 0, no EOF block) and then stores its ShardResult.
// The result is written last, so its presence means the shard is done: a
// retried or resumed call returns at once. A shard of another job's keys is
// refused. Bad input marks the job FAILED with the input's line number and
// returns *statemachines.InvalidInputError (the map run then fails, and
// MarkFailed keeps this reason).
func (t *Tasks) AnnotateShard(ctx context.Context, in ShardInput) (ShardOutput, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return ShardOutput{}, err
	}
	s := in.Shard
	out := ShardOutput{Index: s.Index, Records: s.Records}
	switch j.Status {
	case domain.StatusCompleted:
		return out, nil
	case domain.StatusFailed:
		return ShardOutput{}, invalidInput(j.Error)
	}
	want := shardOf(j, s.Index)
	if s.Range != nil {
		want.Key = j.InputKey
	}
	if s.Index < 0 || s.Key != want.Key || s.PartKey != want.PartKey || s.SummaryKey != want.SummaryKey {
		return ShardOutput{}, fmt.Errorf("shard %d of job %s names keys outside the job: %w", s.Index, j.ID, domain.ErrInvalid)
	}
	if _, err := t.blobs.Head(ctx, s.SummaryKey); err == nil {
		return out, nil // done by an earlier attempt
	} else if !errors.Is(err, domain.ErrNotFound) {
		return ShardOutput{}, fmt.Errorf("shard %d of job %s: %w", s.Index, j.ID, err)
	}
	if t.annotator == nil {
		return ShardOutput{}, errors.New("annotate shard: no annotation engine configured in this process")
	}

	role, lim, err := t.limitsOf(ctx, j)
	if err != nil {
		return ShardOutput{}, err
	}
	lctx, cancel := withJobTime(ctx, lim)
	defer cancel()
	res, err := t.runShard(lctx, s, lim, j.Options, func() error { return t.stillRunning(ctx, j.ID) })
	if le := limitReached(lctx, err, role, s.LineDelta); err != nil && le != nil {
		t.cfg.Logger.WarnContext(ctx, "job limit reached", "job", j.ID, "user", j.UserID, "limit", le.Name)
		reason := fmt.Sprintf("%s: %v", j.InputName, le)
		if ferr := t.markInvalid(ctx, j.ID, reason); ferr != nil {
			return ShardOutput{}, ferr
		}
		return ShardOutput{}, invalidInput(reason)
	}
	if err != nil {
		var pe *vcf.ParseError
		if errors.As(err, &pe) && pe.Line > 0 {
			pe.Line += s.LineDelta
		}
		if errors.Is(err, domain.ErrInvalid) {
			reason := fmt.Sprintf("%s: %v", j.InputName, err)
			if ferr := t.markInvalid(ctx, j.ID, reason); ferr != nil {
				return ShardOutput{}, ferr
			}
			return ShardOutput{}, invalidInput(reason)
		}
		return ShardOutput{}, fmt.Errorf("shard %d of job %s: %w", s.Index, j.ID, err)
	}
	res.Summary.ShiftLines(s.LineDelta)
	if err := t.putJSON(ctx, s.SummaryKey, res); err != nil {
		return ShardOutput{}, fmt.Errorf("shard %d of job %s: %w", s.Index, j.ID, err)
	}
	if _, err := t.jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		if j.Status == domain.StatusRunning && j.ShardsDone < j.ShardsTotal {
			j.ShardsDone++ // progress only: a crash just before this undercounts, Merge sets the total
		}
		return nil
	}); err != nil {
		return ShardOutput{}, fmt.Errorf("shard %d of job %s: record progress: %w", s.Index, j.ID, err)
	}
	return out, nil
}

// markInvalid ends a job FAILED with reason, unless it ended already.
func (t *Tasks) markInvalid(ctx context.Context, id, reason string) error {
	_, err := t.jobs.Update(ctx, id, func(j *domain.Job) error {
		if j.Terminal() {
			return nil
		}
		j.Status, j.Error, j.CompletedAt = domain.StatusFailed, reason, t.now()
		return nil
	})
	if err != nil {
		return fmt.Errorf("job %s: record failure: %w", id, err)
	}
	return nil
}

// stillRunning fails once the job has ended: its map run failed (another
// shard, or a timeout) and the failure path may have dropped the work
// files already, so a shard that ran on must not store its part after them.
func (t *Tasks) stillRunning(ctx context.Context, id string) error {
	j, err := t.loadJob(ctx, id)
	if err != nil {
		return err
	}
	if j.Terminal() {
		return fmt.Errorf("job %s ended %s while this shard ran: %w", id, j.Status, domain.ErrConflict)
	}
	return nil
}

// runShard streams shard blob -> engine -> part blob; the engine hands its
// CSQ entries to the shard's variant index part (variants.EntryBuilder),
// which Merge joins. keep is asked before the part is stored; its error
// aborts the uploads, so nothing is stored.
func (t *Tasks) runShard(ctx context.Context, s Shard, lim domain.Limits, run domain.RunOptions, keep func() error) (ShardResult, error) {
	src, err := t.openShard(ctx, s)
	if err != nil {
		return ShardResult{}, fmt.Errorf("read shard %d: %w", s.Index, err)
	}
	defer src.Close()

	partBlob := t.createBlob(ctx, s.PartKey, true)
	idxBlob := t.createBlob(ctx, indexKey(s), false)
	part := tabix.NewPartWriter(partBlob)
	body := &countingWriter{w: part}
	var w io.Writer = body
	var skipper *headerSkipper
	if s.Index > 0 {
		skipper = &headerSkipper{w: body}
		w = skipper
	}
	vb := variants.NewEntryBuilder(idxBlob)
	var res ShardResult
	err = func() (err error) {
		defer func() {
			// A panic here would kill the whole process: make it an ordinary, retryable error.
			if r := recover(); r != nil {
				err = fmt.Errorf("annotation engine panicked: %v\n%s", r, debug.Stack())
			}
		}()
		res.Summary, err = t.annotator.Annotate(ctx, s.Chroms, src, w, vb, lim, run)
		return err
	}()
	p, cerr := part.Close() // always: it stops the compressing goroutines
	if err == nil {
		res.Part, err = p, cerr
	}
	if err == nil {
		err = keep()
	}
	if err == nil {
		// The index's anchors: where each of its records' lines is in
		// the part (an offset in the engine's output, less the header a
		// later shard's part drops).
		err = vb.Close(func(off int64) uint64 {
			if skipper != nil {
				off -= skipper.skipped
			}
			return part.Virtual(off)
		})
	}
	res.Variants, res.OutputBytes = vb.Part(), body.n
	partBlob.end(err) // both Puts' fsyncs at once
	idxBlob.end(err)
	if perr := <-partBlob.done; err == nil && perr != nil {
		err = fmt.Errorf("store part %s: %w", s.PartKey, perr)
	}
	if ierr := <-idxBlob.done; err == nil && ierr != nil {
		err = fmt.Errorf("store variant index part %s: %w", indexKey(s), ierr)
	}
	if err != nil {
		return ShardResult{}, err
	}
	return res, nil
}

// openShard reads a shard's text: its file, or its Range of the input (the
// header, then the records), each read to its exact length, so that an
// input shorter than Plan found is an error, not a shard cut short.
func (t *Tasks) openShard(ctx context.Context, s Shard) (io.ReadCloser, error) {
	if s.Range == nil {
		return t.blobs.Get(ctx, s.Key)
	}
	rb, ok := t.blobs.(domain.RangeBlobs)
	if !ok {
		return nil, fmt.Errorf("%s: the blob store cannot read ranges", s.Key)
	}
	r := s.Range
	if r.HeaderBytes < 0 || r.Offset < r.HeaderBytes || r.Length < 0 {
		return nil, fmt.Errorf("%s: bad range %+v: %w", s.Key, *r, domain.ErrInvalid)
	}
	var parts multiReadCloser
	for _, rg := range [][2]int64{{0, r.HeaderBytes}, {r.Offset, r.Length}} {
		if rg[1] == 0 {
			continue
		}
		rc, err := rb.GetRange(ctx, s.Key, rg[0], rg[1])
		if err != nil {
			parts.Close()
			return nil, err
		}
		parts = append(parts, &exactReader{rc: rc, key: s.Key, off: rg[0], left: rg[1], n: rg[1]})
	}
	return &parts, nil
}

// multiReadCloser reads its readers in turn and closes them all.
type multiReadCloser []*exactReader

func (m *multiReadCloser) Read(p []byte) (int, error) {
	for len(*m) > 0 {
		n, err := (*m)[0].Read(p)
		if err == io.EOF {
			(*m)[0].rc.Close()
			*m = (*m)[1:]
			err = nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	return 0, io.EOF
}

func (m *multiReadCloser) Close() error {
	var errs []error
	for _, r := range *m {
		errs = append(errs, r.rc.Close())
	}
	*m = nil
	return errors.Join(errs...)
}

// exactReader reads a range that must hold n bytes.
type exactReader struct {
	rc      io.ReadCloser
	key     string
	off     int64
	left, n int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.rc.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		err = fmt.Errorf("%s: %d bytes at %d end after %d: the input changed since Plan: %w", e.key, e.n, e.off, e.n-e.left, io.ErrUnexpectedEOF)
	} else if err == io.EOF {
		err = nil
	}
	return n, err
}

// indexKey is where a shard's variant index part is stored (beside its part).
func indexKey(s Shard) string { return strings.TrimSuffix(s.PartKey, ".vcf.gz") + ".idx" }

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// headerSkipper drops the '#' lines at the start of a stream: every shard's
// output has the header, the joined result keeps shard 0's.
type headerSkipper struct {
	w        io.Writer
	body     bool  // past the header
	dropping bool  // inside a header line
	skipped  int64 // the header's bytes, dropped
}

func (h *headerSkipper) Write(p []byte) (int, error) {
	n := len(p)
	if !h.body {
		rest := h.drop(p)
		h.skipped += int64(len(p) - len(rest))
		p = rest
	}
	if len(p) == 0 {
		return n, nil
	}
	if _, err := h.w.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}

// drop returns p without the header's bytes at its start.
func (h *headerSkipper) drop(p []byte) []byte {
	for len(p) > 0 {
		if !h.dropping {
			if p[0] != '#' {
				h.body = true
				return p
			}
			h.dropping = true
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return nil
		}
		p, h.dropping = p[i+1:], false
	}
	return p
}
