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

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/vcf"
)

// Shard is one contiguous slice of a job's input: an item of the manifest
// the ShardMap's ItemReader reads, and AnnotateShard's payload.
type Shard struct {
	Index      int      `json:"index"`
	Key        string   `json:"key"`         // the slice as a VCF (the input's header, then its records)
	PartKey    string   `json:"part_key"`    // its annotated records as BGZF without the EOF block
	SummaryKey string   `json:"summary_key"` // ShardResult JSON, written last
	Chroms     []string `json:"chroms"`      // chromosomes of its records as named in the input, first-seen order
	Records    int64    `json:"records"`
	// LineDelta turns a line number of the shard file into the input's.
	LineDelta int `json:"line_delta"`
}

// PlanOutput is the result of the Plan step.
type PlanOutput struct {
	JobID       string `json:"job_id"`
	ManifestKey string `json:"manifest_key"` // JSON array of Shard
	Shards      int    `json:"shards"`
	// MaxConcurrency is how many shards the map runs at once (the ASL's MaxConcurrencyPath).
	MaxConcurrency int `json:"max_concurrency"`
}

// WorkPrefix starts the key of every intermediate file of a job: Plan's
// shards and manifest, AnnotateShard's parts, index parts and summaries.
// Merge deletes everything under it when the job completes, and the failure
// path's DropWork when it fails (drop.go). It is a top-level prefix, apart
// from the results, so that an S3 lifecycle rule can expire what a crash
// left behind (infra: ExpireWork).
func WorkPrefix(j domain.Job) string { return "work/" + j.UserID + "/" + j.ID + "/" }

func workKey(j domain.Job, name string) string { return WorkPrefix(j) + name }

// ManifestKey is the blob key of a job's shard manifest.
func ManifestKey(j domain.Job) string { return workKey(j, "manifest.json") }

func shardOf(j domain.Job, i int) Shard {
	n := fmt.Sprintf("%05d", i)
	return Shard{Index: i, Key: workKey(j, "shard-"+n+".vcf"), PartKey: workKey(j, "part-"+n+".vcf.gz"),
		SummaryKey: workKey(j, "part-"+n+".json")}
}

// Plan streams the job's input once and cuts it into shards of contiguous
// records, so that Merge can join the annotated parts in input order: a
// shard ends when it holds Config.ShardRecords records, or when the
// chromosome changes and it holds at least Config.ShardMinRecords. Sorted
// input thus gives one shard per chromosome (large ones in ranges, small
// neighbours together), an input below ShardMinRecords one shard, and
// unsorted input shards that list several chromosomes. Every record is
// parsed here, so bad input fails the job before any shard runs, with the
// input's line number. The job moves PENDING -> RUNNING; on a COMPLETED job
// Plan writes an empty manifest, so a repeated run does nothing.
func (t *Tasks) Plan(ctx context.Context, in JobInput) (PlanOutput, error) {
	j, err := t.loadJob(ctx, in.JobID)
	if err != nil {
		return PlanOutput{}, err
	}
	out := PlanOutput{JobID: j.ID, ManifestKey: ManifestKey(j), MaxConcurrency: t.cfg.Shards.MaxConcurrency}
	switch j.Status {
	case domain.StatusCompleted:
		return out, t.putJSON(ctx, out.ManifestKey, []Shard{})
	case domain.StatusFailed:
		return PlanOutput{}, invalidInput(j.Error)
	}
	if j, err = t.markRunning(ctx, j.ID); err != nil {
		return PlanOutput{}, err
	}
	role, lim, err := t.limitsOf(ctx, j)
	if err != nil {
		return PlanOutput{}, err
	}
	lctx, cancel := withJobTime(ctx, lim)
	defer cancel()
	shards, err := t.cutShards(lctx, j, lim)
	if err != nil {
		if le := limitReached(lctx, err, role, 0); le != nil {
			t.cfg.Logger.WarnContext(ctx, "job limit reached", "job", j.ID, "user", j.UserID, "limit", le.Name)
			return PlanOutput{}, invalidInput(fmt.Sprintf("%s: %v", j.InputName, le))
		}
		var pe *vcf.ParseError
		if errors.Is(err, domain.ErrInvalid) || errors.As(err, &pe) {
			return PlanOutput{}, invalidInput(fmt.Sprintf("%s: %v", j.InputName, err))
		}
		return PlanOutput{}, fmt.Errorf("plan job %s: %w", j.ID, err)
	}
	if err := t.putJSON(ctx, out.ManifestKey, largestFirst(shards)); err != nil {
		return PlanOutput{}, fmt.Errorf("plan job %s: %w", j.ID, err)
	}
	if _, err := t.jobs.Update(ctx, j.ID, func(j *domain.Job) error {
		j.ShardsTotal, j.ShardsDone = len(shards), 0
		return nil
	}); err != nil {
		return PlanOutput{}, fmt.Errorf("plan job %s: record shards: %w", j.ID, err)
	}
	t.cfg.Logger.InfoContext(ctx, "job planned", "job", j.ID, "shards", len(shards))
	out.Shards = len(shards)
	return out, nil
}

// largestFirst orders the manifest by records, most first (ties in input
// order): the map starts its items in manifest order as slots free up, so
// with fewer slots than shards the small ones fill the end, where a large
// one started last would run on alone while the other slots idle. Merge
// joins the parts by Shard.Index.
func largestFirst(shards []Shard) []Shard {
	out := slices.Clone(shards)
	slices.SortStableFunc(out, func(a, b Shard) int { return cmp.Compare(b.Records, a.Records) })
	return out
}

// markRunning moves a PENDING job to RUNNING (a RUNNING one stays: a retry).
func (t *Tasks) markRunning(ctx context.Context, id string) (domain.Job, error) {
	j, err := t.jobs.Update(ctx, id, func(j *domain.Job) error {
		switch j.Status {
		case domain.StatusPending:
			j.Status = domain.StatusRunning
			j.StartedAt = t.now()
		case domain.StatusRunning: // a retry: keep the first start time
		default:
			return fmt.Errorf("job is %s, not PENDING or RUNNING: %w", j.Status, domain.ErrConflict)
		}
		return nil
	})
	if err != nil {
		return domain.Job{}, fmt.Errorf("job %s: mark running: %w", id, err)
	}
	t.cfg.Logger.InfoContext(ctx, "job running", "job", j.ID, "user", j.UserID)
	return j, nil
}

// cutShards writes the shard files and returns their descriptions. This
// goroutine reads the input (the reader enforces the input limits); a
// cutStage parses every record and adds it to its shard on another, so the
// two take a core each. The first problem in input order fails it.
func (t *Tasks) cutShards(ctx context.Context, j domain.Job, lim domain.Limits) ([]Shard, error) {
	src, err := t.blobs.Get(ctx, j.InputKey)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, fmt.Errorf("%w: the uploaded file is missing (%s)", domain.ErrInvalid, j.InputKey)
	}
	if err != nil {
		return nil, fmt.Errorf("read input %s: %w", j.InputKey, err)
	}
	defer src.Close()
	r, err := vcf.NewReaderLimits(src, lim)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var header bytes.Buffer
	if _, err := r.Header().WriteTo(&header); err != nil {
		return nil, fmt.Errorf("copy header: %w", err)
	}
	headerLines := bytes.Count(header.Bytes(), []byte("\n"))

	cut := &shardCutter{t: t, ctx: ctx, j: j, header: header.Bytes(), headerLines: headerLines}
	defer cut.abort()
	stage := newCutStage(ctx, cut, r.Header().Columns())
	defer stage.wait()
	for {
		line, lineNo, err := r.ReadLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			if serr := stage.wait(); serr != nil {
				return nil, serr // an earlier line's
			}
			return nil, err
		}
		if err := stage.add(line, lineNo); err != nil {
			return nil, err
		}
	}
	if err := stage.wait(); err != nil {
		return nil, err
	}
	return cut.finish()
}

// cutStage parses records (vcf.ParseRecord) and adds them to their shards
// on a goroutine of its own, a batch of lines at a time, and stops at the
// first error (a bad record's numbered with its input line).
type cutStage struct {
	ctx     context.Context
	cut     *shardCutter
	cols    int
	batch   lineBatch // being filled
	batches chan lineBatch
	free    chan lineBatch
	done    chan struct{}
	err     error // set before done closes
	closed  bool

	rec     vcf.Record
	chrom   string // of the record parsed last
	records int64
}

// lineBatch is lines, each followed by '\n', and their input line numbers.
type lineBatch struct {
	text  []byte
	lines []int
}

// lineBatchBytes is about how much text a batch holds.
const lineBatchBytes = 256 << 10

func newCutStage(ctx context.Context, cut *shardCutter, cols int) *cutStage {
	c := &cutStage{ctx: ctx, cut: cut, cols: cols, batches: make(chan lineBatch, 4), free: make(chan lineBatch, 6), done: make(chan struct{})}
	go c.loop()
	return c
}

// add copies a record's line into the batch; once the stage has stopped, it
// returns why.
func (c *cutStage) add(line []byte, lineNo int) error {
	c.batch.text = append(append(c.batch.text, line...), '\n')
	c.batch.lines = append(c.batch.lines, lineNo)
	if len(c.batch.text) < lineBatchBytes {
		return nil
	}
	select {
	case c.batches <- c.batch:
	case <-c.done:
		return c.err
	}
	select {
	case c.batch = <-c.free:
	default:
		c.batch = lineBatch{text: make([]byte, 0, lineBatchBytes+4096)}
	}
	c.batch.text, c.batch.lines = c.batch.text[:0], c.batch.lines[:0]
	return nil
}

// wait hands over what is left, waits for the stage to end and returns its
// error (nil: every record parsed and added). It may be called again.
func (c *cutStage) wait() error {
	if !c.closed {
		c.closed = true
		select {
		case c.batches <- c.batch:
		case <-c.done:
		}
		close(c.batches)
	}
	<-c.done
	return c.err
}

func (c *cutStage) loop() {
	defer close(c.done)
	for b := range c.batches {
		if c.err = c.ctx.Err(); c.err != nil {
			return
		}
		text := b.text
		for _, lineNo := range b.lines {
			i := bytes.IndexByte(text, '\n')
			if c.err = c.record(text[:i], lineNo); c.err != nil {
				return
			}
			text = text[i+1:]
		}
		select {
		case c.free <- b:
		default:
		}
	}
}

// record parses one record and adds it to its shard.
func (c *cutStage) record(line []byte, lineNo int) error {
	if err := vcf.ParseRecord(line, c.cols, &c.rec); err != nil {
		var pe *vcf.ParseError
		if errors.As(err, &pe) {
			pe.Line = lineNo
		}
		return err
	}
	// A new string only where the chromosome changes (the comparison allocates none).
	if c.records == 0 || string(c.rec.Chrom()) != c.chrom {
		c.chrom = string(c.rec.Chrom())
	}
	c.records++
	return c.cut.add(c.chrom, line, lineNo)
}

// shardCutter writes the records Plan has read and checked into shard files:
// a new shard at the record limit, or where the chromosome changes once the
// shard holds its minimum.
type shardCutter struct {
	t           *Tasks
	ctx         context.Context
	j           domain.Job
	header      []byte
	headerLines int
	shards      []Shard
	cur         *shardFile
	// closing are shards written whose Puts still run (the fsync): Plan
	// reads on meanwhile and waits for them all before it returns.
	closing []*shardFile
}

// add appends one record line (input line lineNo) to the current shard,
// starting the next shard first where one ends.
func (c *shardCutter) add(chrom string, line []byte, lineNo int) error {
	cfg := c.t.cfg.Shards
	if c.cur != nil && (c.cur.s.Records >= cfg.Records ||
		chrom != c.cur.s.Chroms[len(c.cur.s.Chroms)-1] && c.cur.s.Records >= cfg.MinRecords) {
		if err := c.closeCur(); err != nil {
			return err
		}
	}
	if c.cur == nil {
		s := shardOf(c.j, len(c.shards))
		s.LineDelta = lineNo - (c.headerLines + 1)
		var err error
		if c.cur, err = c.t.newShardFile(c.ctx, s, c.header); err != nil {
			return err
		}
	}
	return c.cur.add(chrom, line)
}

// closeCur ends the current shard; at most maxClosingShards Puts run on.
func (c *shardCutter) closeCur() error {
	if err := c.cur.close(); err != nil {
		return err
	}
	c.shards, c.closing, c.cur = append(c.shards, c.cur.s), append(c.closing, c.cur), nil
	if len(c.closing) > maxClosingShards {
		if err := c.closing[0].wait(); err != nil {
			return err
		}
		c.closing = c.closing[1:]
	}
	return nil
}

// finish ends the last shard (an input without records gets one shard of
// the header alone), waits for every Put and returns the shards.
func (c *shardCutter) finish() ([]Shard, error) {
	if c.cur == nil {
		var err error
		if c.cur, err = c.t.newShardFile(c.ctx, shardOf(c.j, 0), c.header); err != nil {
			return nil, err
		}
	}
	if err := c.closeCur(); err != nil {
		return nil, err
	}
	for _, f := range c.closing {
		if err := f.wait(); err != nil {
			return nil, err
		}
	}
	return c.shards, nil
}

// abort drops a shard half written and waits for the Puts still running:
// nothing runs on after Plan returns.
func (c *shardCutter) abort() {
	if c.cur != nil {
		c.cur.abort()
	}
	for _, f := range c.closing {
		f.wait()
	}
}

// maxClosingShards bounds the shards whose Puts Plan lets finish while it
// reads on.
const maxClosingShards = 4

// shardFile streams one shard into the blob store while Plan reads on.
type shardFile struct {
	s    Shard
	pw   *io.PipeWriter
	buf  *bytes.Buffer // batches lines: one pipe write per 1 MiB
	done chan error
	err  error // Put's outcome, once collected
	over bool  // done has been read
}

func (t *Tasks) newShardFile(ctx context.Context, s Shard, header []byte) (*shardFile, error) {
	pr, pw := io.Pipe()
	f := &shardFile{s: s, pw: pw, buf: bytes.NewBuffer(make([]byte, 0, 1<<20+4096)), done: make(chan error, 1)}
	go func() {
		err := t.blobs.Put(ctx, s.Key, pr)
		pr.CloseWithError(err) // unblock the writer if Put gave up
		f.done <- err
	}()
	f.buf.Write(header)
	return f, nil
}

func (f *shardFile) add(chrom string, line []byte) error {
	if n := len(f.s.Chroms); n == 0 || f.s.Chroms[n-1] != chrom {
		seen := false
		for _, c := range f.s.Chroms {
			seen = seen || c == chrom
		}
		if !seen {
			f.s.Chroms = append(f.s.Chroms, chrom)
		}
	}
	f.s.Records++
	f.buf.Write(line)
	f.buf.WriteByte('\n')
	if f.buf.Len() >= 1<<20 {
		return f.flush()
	}
	return nil
}

func (f *shardFile) flush() error {
	if _, err := f.pw.Write(f.buf.Bytes()); err != nil {
		return fmt.Errorf("store shard %s: %w", f.s.Key, err)
	}
	f.buf.Reset()
	return nil
}

// close ends the shard's data; wait says whether it was stored.
func (f *shardFile) close() error {
	if err := f.flush(); err != nil {
		f.abort()
		return err
	}
	f.pw.Close()
	return nil
}

// abort makes a pending Put fail, so nothing partial is stored.
func (f *shardFile) abort() {
	f.pw.CloseWithError(errors.New("plan stopped"))
	f.wait()
}

func (f *shardFile) wait() error {
	if !f.over {
		f.err, f.over = <-f.done, true
		if f.err != nil {
			f.err = fmt.Errorf("store shard %s: %w", f.s.Key, f.err)
		}
	}
	return f.err
}

func (t *Tasks) putJSON(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if err := t.blobs.Put(ctx, key, bytes.NewReader(b)); err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	return nil
}

func (t *Tasks) getJSON(ctx context.Context, key string, v any) error {
	rc, err := t.blobs.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	if err := json.NewDecoder(rc).Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}
