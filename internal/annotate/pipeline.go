package annotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/vcf"
)

// The pipeline: N workers each take the next batch of raw input lines
// (reading them under a lock), parse and annotate it, and then write every
// annotated batch at the head of the queue, in input order, unless another
// worker is writing already. No goroutine waits on another to read or to
// write, so every worker stays busy while there is input (a reader and a
// writer goroutine of their own waited for a CPU behind the workers on a
// 2-core machine, leaving the workers without batches about a tenth of the
// run). At most maxBatches batches exist, so memory does not grow with the
// input.
const (
	batchLines = 1024
	batchBytes = 512 << 10
	// batchOutCap presizes a batch's output: 1024 annotated records take
	// 0.3 MB, up to 3.1 MB where many transcripts overlap (MT). Capacity
	// never written costs no memory (a fresh allocation's pages are mapped
	// when first written), while each growth copies the output and maps
	// new pages: at 1 MiB, the make-bench input's MT records grew the
	// batches 35 times, 7,000 of the run's 23,000 page faults.
	batchOutCap = 4 << 20
)

type batch struct {
	buf     []byte // the raw lines, back to back
	ends    []int  // end offset of each line in buf
	lineNos []int  // input line number of each line
	readErr error  // the reader's error after these lines (truncated gzip, long line, ctx)
	out     []byte // annotated lines, each ending in "\n"
	t       tally
	ix      indexBatch // the entries for Options.Index
	err     error      // first error of this batch, in line order
	done    bool       // annotated (guarded by pipeline.mu)
}

type pipeline struct {
	eng     *Engine
	rd      *vcf.Reader
	cols    int
	strip   [][]byte
	workers int
	maxAlts int64 // ALT alleles per record; 0: no limit
	ctx     context.Context
	opts    Options
	res     *residency // chromosomes shared by the workers

	// Set by run.
	cancel context.CancelFunc
	// stopped is set once ctx is done: the workers test it before each
	// record (a select on ctx.Done() cost 1.3% of a run's instructions).
	stopped    atomic.Bool
	out        io.Writer
	outOff     int64 // bytes written to out: the header's, then the batches'
	sum        *Summary
	prog       *progress
	ix         *indexFeed
	maxBatches int
	free       chan *batch   // batches written, for reuse (cap maxBatches)
	quit       chan struct{} // closed when the run fails

	inMu  sync.Mutex // guards the input: rd, made, inEnd, chrom
	made  int        // batches made so far
	inEnd bool       // the input ended (EOF or a read error)
	chrom []byte     // the last CHROM announced to res

	mu      sync.Mutex // guards pending, writing, err and each batch's done
	pending []*batch   // batches read and not yet written, in input order
	writing bool       // a worker is writing the head of pending
	err     error      // the run's error: nothing more is read or written
}

func (p *pipeline) run(ctx context.Context, out io.Writer, sum *Summary, prog *progress) error {
	p.ctx, p.cancel = context.WithCancel(ctx)
	defer p.cancel()
	defer context.AfterFunc(p.ctx, func() { p.stopped.Store(true) })()
	p.out, p.sum, p.prog = out, sum, prog
	// Two batches a worker keeps one annotated while the one before it is
	// written; a few more let a worker run ahead of a slow batch.
	p.maxBatches = 2*p.workers + 4
	p.free = make(chan *batch, p.maxBatches)
	p.quit = make(chan struct{})
	if p.opts.Index != nil {
		p.ix = feedIndex(p.opts.Index, p.free)
	}
	var wg sync.WaitGroup
	for range p.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(p)
			for b := p.next(); b != nil; b = p.next() {
				w.process(b)
				p.finish(b)
			}
		}()
	}
	wg.Wait()
	err := p.err
	if p.ix != nil {
		if ierr := p.ix.close(); err == nil {
			err = ierr
		}
	}
	for len(p.free) > 0 {
		spareBatches.Put(<-p.free)
	}
	return err
}

// spareBatches keeps the batches of runs that ended for the next run: a job
// of many shards runs the engine once a shard, and fresh batches (several
// MiB each run) cost page faults and zeroing, and the scavenger's work of
// giving the last run's back to the OS.
var spareBatches sync.Pool

// next reads the next batch of raw lines and queues it for writing; it
// returns nil when the input has ended or the run failed. Parsing is left
// to the workers.
func (p *pipeline) next() *batch {
	p.inMu.Lock()
	defer p.inMu.Unlock()
	if p.inEnd {
		return nil
	}
	b := p.freeBatch()
	if b == nil {
		return nil
	}
	p.fill(b)
	if len(b.ends) == 0 && b.readErr == nil { // EOF right after the last batch
		p.free <- b
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return nil
	}
	b.done = false
	p.pending = append(p.pending, b)
	return b
}

// freeBatch returns a batch to fill: a written one, a new one while fewer
// than maxBatches exist, or else the next one written. Nil: the run failed.
func (p *pipeline) freeBatch() *batch {
	select {
	case b := <-p.free:
		return b
	case <-p.quit:
		return nil
	default:
	}
	if p.made < p.maxBatches {
		p.made++
		if b, ok := spareBatches.Get().(*batch); ok {
			return b
		}
		return &batch{out: make([]byte, 0, batchOutCap)}
	}
	select {
	case b := <-p.free:
		return b
	case <-p.quit:
		return nil
	}
}

// fill reads lines into b until it is full or the input ends.
func (p *pipeline) fill(b *batch) {
	b.buf, b.ends, b.lineNos, b.readErr, b.err = b.buf[:0], b.ends[:0], b.lineNos[:0], nil, nil
	if err := p.ctx.Err(); err != nil {
		b.readErr = err
	}
	if b.readErr == nil {
		var err error
		b.buf, b.ends, b.lineNos, err = p.rd.AppendLines(b.buf, b.ends, b.lineNos, batchLines, batchBytes)
		if err == io.EOF {
			p.inEnd = true
		} else if err != nil {
			b.readErr = err
		}
	}
	if b.readErr != nil {
		p.inEnd = true
	}
	p.announce(b)
}

// announce has the residency load each chromosome as soon as a batch
// reaches it (the first and last line's CHROM), ahead of the workers.
func (p *pipeline) announce(b *batch) {
	if len(b.ends) == 0 {
		return
	}
	for _, i := range [2]int{0, len(b.ends) - 1} {
		start := 0
		if i > 0 {
			start = b.ends[i-1]
		}
		line := b.buf[start:b.ends[i]]
		if tab := bytes.IndexByte(line, '\t'); tab > 0 && !bytes.Equal(line[:tab], p.chrom) {
			p.chrom = append(p.chrom[:0], line[:tab]...)
			p.res.prefetch(string(p.chrom))
		}
	}
}

// finish marks b annotated. Unless another worker is writing already
// (it will find b), it then writes every annotated batch at the head of
// pending, in input order, without holding mu while it writes.
func (p *pipeline) finish(b *batch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b.done = true
	if p.writing {
		return
	}
	p.writing = true
	for p.err == nil && len(p.pending) > 0 && p.pending[0].done {
		h := p.pending[0]
		p.pending = append(p.pending[:0], p.pending[1:]...)
		p.mu.Unlock()
		err := p.write(h)
		p.mu.Lock()
		if err != nil && p.err == nil {
			p.err = err
			close(p.quit)
			p.cancel() // workers stop at their next record
		}
	}
	p.writing = false
}

// write writes one annotated batch (or returns its error), adds its tally
// to the summary and hands it to the index, or back for reuse. Only the
// worker writing calls it.
func (p *pipeline) write(b *batch) error {
	if b.err != nil {
		return b.err
	}
	if _, err := p.out.Write(b.out); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	b.ix.Off = p.outOff
	p.outOff += int64(len(b.out))
	p.sum.add(&b.t)
	if p.prog != nil {
		p.prog.update(p.sum.Records)
	}
	if p.ix != nil {
		return p.ix.send(b)
	}
	p.free <- b // never blocks: free holds all the batches there are
	return nil
}

// check enforces the per-record ALT limit on w.rec, and stops at once when
// the run is cancelled (a deadline, or the writer gave up).
func (w *worker) check(lineNo int) error {
	if n := w.p.maxAlts; n > 0 && int64(len(w.rec.Alts())) > n {
		return &domain.LimitError{Name: domain.LimitAltAlleles, Max: n, Line: lineNo}
	}
	if w.p.stopped.Load() {
		return w.p.ctx.Err()
	}
	return nil
}

// process parses and annotates one batch. The first bad line stops it.
func (w *worker) process(b *batch) {
	defer w.releaseHeld()
	b.out = b.out[:0]
	b.t.reset()
	w.ix = nil
	if w.p.opts.Index != nil {
		b.ix.reset()
		w.ix = &b.ix
	}
	start := 0
	for i, end := range b.ends {
		line := b.buf[start:end]
		start = end
		if err := vcf.ParseRecord(line, w.p.cols, &w.rec); err != nil {
			var pe *vcf.ParseError
			if errors.As(err, &pe) {
				pe.Line = b.lineNos[i]
			}
			b.err = err
			return
		}
		if err := w.check(b.lineNos[i]); err != nil {
			b.err = err
			return
		}
		out, err := w.annotate(b.out, &w.rec, b.lineNos[i], &b.t)
		if err != nil {
			b.err = fmt.Errorf("line %d: %w", b.lineNos[i], err)
			return
		}
		b.out = append(out, '\n')
	}
	b.err = b.readErr
}
