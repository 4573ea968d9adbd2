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

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/vcf"
)

// Shard is one contiguous slice of a job's input: an item of the manifest
// the ShardMap's ItemReader reads, and AnnotateShard's payload.
type Shard struct {
	Index int `json:"index"`
	// Key is the slice as a VCF (the input's header, then its records), or
	// with Range the job's input itself.
	Key        string   `json:"key"`
	PartKey    string   `json:"part_key"`    // its annotated records as BGZF without the EOF block
	SummaryKey string   `json:"summary_key"` // ShardResult JSON, written last
	Chroms     []string `json:"chroms"`      // chromosomes of its records as named in the input, first-seen order
	Records    int64    `json:"records"`
	// LineDelta turns a line number of the shard file into the input's.
	LineDelta int `json:"line_delta"`
	// Range, when set, is where the shard's text lies in the input (Key):
	// Plan stored no copy.
	Range *InputRange `json:"range,omitempty"`
}

// InputRange is a shard's slice of a plain-text upload: the shard reads
// the input's header, then its records, by ranged reads of the stored
// upload (domain.RangeBlobs).
type InputRange struct {
	HeaderBytes int64 `json:"header_bytes"` // the header: bytes [0, HeaderBytes)
	Offset      int64 `json:"offset"`       // the records: bytes [Offset, Offset+Length)
	Length      int64 `json:"length"`
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
// goroutine reads the input (the reader enforces the input limits) and cuts
// it into shards by each record's CHROM; a checkStage parses the records of
// each MiB of a shard on another goroutine before that MiB goes to the
// shard's Put, so reading and parsing take a core each. The first problem
// in input order fails it: the stage's error comes first, then that of a
// record not yet sent to it, as their lines came before whatever this
// goroutine was doing.
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

	stage := newCheckStage(r.Header().Columns())
	cut := &shardCutter{t: t, ctx: ctx, j: j, header: header.Bytes(), headerLines: headerLines, stage: stage,
		end: r.Offset(), endLine: r.LineNumber()}
	// A plain-text upload is read by the shards in place; a compressed one
	// is copied out, decompressed, a shard at a time.
	if _, ok := t.blobs.(domain.RangeBlobs); ok && !r.Compressed() {
		cut.ranged, cut.rawHeader, cut.rawHeaderLines = true, r.Offset(), r.LineNumber()
	}
	defer cut.abort()
	defer stage.wait() // before abort: every chunk sent has been written or its Put failed
	shards, err := cut.run(r)
	if serr := stage.wait(); serr != nil {
		return nil, serr
	}
	if err != nil {
		if cut.cur != nil { // the records not sent to the stage came before err too
			if cerr := stage.check(cut.cur.cur, &vcf.Record{}); cerr != nil {
				return nil, cerr
			}
		}
		return nil, err
	}
	return shards, cut.waitPuts()
}

// run cuts every record r reads into shards and ends the last one.
func (c *shardCutter) run(r *vcf.Reader) ([]Shard, error) {
	var chrom string // of the record read last
	for records := 0; ; records++ {
		line, lineNo, err := r.ReadLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		// A new string only where the chromosome changes (the comparison allocates none).
		if ch, _, _ := bytes.Cut(line, []byte("\t")); records == 0 || string(ch) != chrom {
			chrom = string(ch)
		}
		if records%4096 == 0 {
			if err := c.ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := c.add(chrom, line, lineNo); err != nil {
			return nil, err
		}
		c.end, c.endLine = r.Offset(), lineNo
	}
	// An input without records gets one shard of the header alone.
	if c.cur == nil {
		c.start(c.headerLines + 1)
	}
	c.end = r.Offset() // the last shard takes what follows its records
	return c.shards, c.closeCur()
}

// checkStage parses the records of the shards' chunks (vcf.ParseRecord) on
// a goroutine of its own and then writes each chunk to its shard's Put, in
// the order they came. After the first error, numbered with its input line,
// it ends the Put of every chunk it gets with that error instead, so that
// no Put waits on it.
type checkStage struct {
	cols   int
	chunks chan chunk
	free   chan chunk // chunks written, for reuse
	done   chan struct{}
	closed bool

	mu  sync.Mutex
	err error
}

// chunk is up to about a MiB of one shard: text (its header first, in the
// shard's first chunk), the records from recStart on, one a line, and
// their input line numbers. The shard's last chunk closes its Put.
type chunk struct {
	f        *shardFile
	text     []byte
	recStart int
	lines    []int
	last     bool
}

func newCheckStage(cols int) *checkStage {
	c := &checkStage{cols: cols, chunks: make(chan chunk, 4), free: make(chan chunk, 6), done: make(chan struct{})}
	go c.loop()
	return c
}

// send queues a chunk; once the stage has failed, it returns why.
func (c *checkStage) send(ch chunk) error {
	if err := c.failed(); err != nil {
		return err
	}
	c.chunks <- ch // the loop takes every chunk, also after an error
	return nil
}

func (c *checkStage) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// wait ends the stage once every chunk sent is handled and returns its
// error. It may be called again.
func (c *checkStage) wait() error {
	if !c.closed {
		c.closed = true
		close(c.chunks)
	}
	<-c.done
	return c.failed()
}

func (c *checkStage) loop() {
	defer close(c.done)
	var rec vcf.Record
	for ch := range c.chunks {
		err := c.failed()
		if err == nil {
			if err = c.check(ch, &rec); err == nil {
				err = ch.f.write(ch.text, ch.last)
			}
			if err != nil {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
			}
		}
		if err != nil {
			ch.f.fail(err)
		}
		select {
		case c.free <- ch:
		default:
		}
	}
}

// newChunk returns an empty chunk of f, one written before if there is one.
func (c *checkStage) newChunk(f *shardFile) chunk {
	select {
	case ch := <-c.free:
		return chunk{f: f, text: ch.text[:0], lines: ch.lines[:0]}
	default:
		return chunk{f: f, text: make([]byte, 0, chunkBytes+64<<10)}
	}
}

// check parses the chunk's records.
func (c *checkStage) check(ch chunk, rec *vcf.Record) error {
	text := ch.text[ch.recStart:]
	for _, lineNo := range ch.lines {
		i := bytes.IndexByte(text, '\n')
		if err := vcf.ParseRecord(text[:i], c.cols, rec); err != nil {
			var pe *vcf.ParseError
			if errors.As(err, &pe) {
				pe.Line = lineNo
			}
			return err
		}
		text = text[i+1:]
	}
	return nil
}

// shardCutter writes the records Plan has read into shard files: a new
// shard at the record limit, or where the chromosome changes once the
// shard holds its minimum.
type shardCutter struct {
	t           *Tasks
	ctx         context.Context
	j           domain.Job
	header      []byte
	headerLines int
	stage       *checkStage
	shards      []Shard
	cur         *shardFile
	// ranged: the shards are ranges of the input (Shard.Range), whose
	// header is its first rawHeader bytes, rawHeaderLines lines; end is
	// where the text after the record read last starts, endLine that
	// record's line number.
	ranged         bool
	rawHeader      int64
	rawHeaderLines int
	end            int64
	endLine        int
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
		c.start(lineNo)
	}
	return c.cur.add(chrom, line, lineNo)
}

// start begins the next shard with the record at input line lineNo: a
// range from the end of the record before it, or a file of its own.
func (c *shardCutter) start(lineNo int) {
	s := shardOf(c.j, len(c.shards))
	s.LineDelta = lineNo - (c.headerLines + 1)
	if c.ranged {
		s.Key, s.LineDelta = c.j.InputKey, c.endLine-c.rawHeaderLines
		s.Range = &InputRange{HeaderBytes: c.rawHeader, Offset: c.end}
	}
	c.cur = c.t.newShardFile(c.ctx, s, c.header, c.stage)
}

// closeCur ends the current shard; at most maxClosingShards Puts run on.
func (c *shardCutter) closeCur() error {
	if r := c.cur.s.Range; r != nil {
		r.Length = c.end - r.Offset
	}
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

// waitPuts waits for every shard's Put.
func (c *shardCutter) waitPuts() error {
	for _, f := range c.closing {
		if err := f.wait(); err != nil {
			return err
		}
	}
	return nil
}

// abort drops a shard half written and waits for the Puts still running:
// nothing runs on after Plan returns. The stage has handled every chunk.
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

// chunkBytes is about how much of a shard goes to the stage at once.
const chunkBytes = 1 << 20

// shardFile streams one shard into the blob store, a chunk at a time
// through the check stage, while Plan reads on; a ranged shard's chunks are
// only checked.
type shardFile struct {
	s     Shard
	stage *checkStage
	pw    *io.PipeWriter // nil for a ranged shard: nothing is stored
	cur   chunk          // being filled
	done  chan error
	err   error // Put's outcome, once collected
	over  bool  // done has been read
}

func (t *Tasks) newShardFile(ctx context.Context, s Shard, header []byte, stage *checkStage) *shardFile {
	f := &shardFile{s: s, stage: stage, done: make(chan error, 1)}
	f.cur = stage.newChunk(f)
	if s.Range != nil {
		f.done <- nil
		return f
	}
	pr, pw := io.Pipe()
	f.pw = pw
	go func() {
		err := t.blobs.Put(ctx, s.Key, pr)
		pr.CloseWithError(err) // unblock the writer if Put gave up
		f.done <- err
	}()
	f.cur.text, f.cur.recStart = append(f.cur.text, header...), len(header)
	return f
}

func (f *shardFile) add(chrom string, line []byte, lineNo int) error {
	if n := len(f.s.Chroms); n == 0 || f.s.Chroms[n-1] != chrom {
		if !slices.Contains(f.s.Chroms, chrom) {
			f.s.Chroms = append(f.s.Chroms, chrom)
		}
	}
	f.s.Records++
	f.cur.text = append(append(f.cur.text, line...), '\n')
	f.cur.lines = append(f.cur.lines, lineNo)
	if len(f.cur.text) < chunkBytes {
		return nil
	}
	if err := f.stage.send(f.cur); err != nil {
		return err
	}
	f.cur = f.stage.newChunk(f)
	return nil
}

// write is the stage's: it hands the chunk's text to the Put, and closes
// it after the last chunk.
func (f *shardFile) write(text []byte, last bool) error {
	if f.pw == nil {
		return nil
	}
	if _, err := f.pw.Write(text); err != nil {
		return fmt.Errorf("store shard %s: %w", f.s.Key, err)
	}
	if last {
		f.pw.Close()
	}
	return nil
}

// close sends the shard's last chunk; wait says whether it was stored.
func (f *shardFile) close() error {
	f.cur.last = true
	if err := f.stage.send(f.cur); err != nil {
		f.abort()
		return err
	}
	return nil
}

// abort makes a pending Put fail, so nothing partial is stored.
func (f *shardFile) abort() {
	f.fail(errors.New("plan stopped"))
	f.wait()
}

// fail ends a pending Put with err.
func (f *shardFile) fail(err error) {
	if f.pw != nil {
		f.pw.CloseWithError(err)
	}
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
