package annotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/vcf"
)

// The pipeline: one goroutine reads raw lines into batches, N workers parse
// and annotate batches in parallel, and the caller's goroutine writes the
// batches' output in input order. At most a few batches are in flight, so
// memory does not grow with the input.
const (
	batchLines = 1024
	batchBytes = 512 << 10
	// batchOutCap presizes a batch's output: 1024 annotated records take
	// 0.3-1 MB, and growing to that from empty cost more allocation than
	// all the rest of the annotation.
	batchOutCap = 1 << 20
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
	done    chan struct{}
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
}

func (p *pipeline) run(ctx context.Context, out io.Writer, sum *Summary, prog *progress) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.ctx = ctx
	work := make(chan *batch, p.workers)
	ordered := make(chan *batch, 2*p.workers+2)
	// Every batch passes through ordered, so at most cap(ordered) + 2 exist
	// at once (one being filled, one being written): the reader makes that
	// many and then recycles them, so their buffers stop growing and
	// allocating after the first few batches.
	maxBatches := cap(ordered) + 2
	free := make(chan *batch, maxBatches)
	quit := make(chan struct{})
	var wg sync.WaitGroup

	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(work)
		defer close(ordered)
		p.read(ctx, work, ordered, free, quit, maxBatches)
	}()
	for range p.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(p)
			for b := range work {
				w.process(b)
				close(b.done)
			}
		}()
	}

	var ix *indexFeed
	if p.opts.Index != nil {
		ix = feedIndex(p.opts.Index, free)
	}
	var err error
	for b := range ordered {
		<-b.done
		if b.err != nil {
			err = b.err
			break
		}
		if _, werr := out.Write(b.out); werr != nil {
			err = fmt.Errorf("write output: %w", werr)
			break
		}
		sum.add(&b.t)
		if prog != nil {
			prog.update(sum.Records)
		}
		if ix != nil {
			if err = ix.send(b); err != nil {
				break
			}
			continue
		}
		select {
		case free <- b:
		default:
		}
	}
	if ix != nil {
		if ierr := ix.close(); err == nil {
			err = ierr
		}
	}
	close(quit)
	cancel() // workers stop at their next record
	// Let the reader see quit, then let the workers finish what they hold.
	for range ordered {
	}
	wg.Wait()
	return err
}

// read fills batches with raw lines; parsing is left to the workers.
func (p *pipeline) read(ctx context.Context, work, ordered, free chan *batch, quit chan struct{}, maxBatches int) {
	made := 0
	// announce has the residency load each chromosome as soon as a batch
	// reaches it (the first and last line's CHROM), ahead of the workers.
	var last []byte
	announce := func(b *batch) {
		if len(b.ends) == 0 {
			return
		}
		for _, i := range [2]int{0, len(b.ends) - 1} {
			start := 0
			if i > 0 {
				start = b.ends[i-1]
			}
			line := b.buf[start:b.ends[i]]
			if tab := bytes.IndexByte(line, '\t'); tab > 0 && !bytes.Equal(line[:tab], last) {
				last = append(last[:0], line[:tab]...)
				p.res.prefetch(string(last))
			}
		}
	}
	for {
		var b *batch
		select {
		case b = <-free:
		default:
			if made < maxBatches {
				b = &batch{out: make([]byte, 0, batchOutCap)}
				made++
				break
			}
			select {
			case b = <-free:
			case <-quit:
				return
			}
		}
		b.buf, b.ends, b.lineNos, b.readErr, b.err = b.buf[:0], b.ends[:0], b.lineNos[:0], nil, nil
		b.done = make(chan struct{})
		eof := false
		if err := ctx.Err(); err != nil {
			b.readErr = err
		}
		for b.readErr == nil && len(b.ends) < batchLines && len(b.buf) < batchBytes {
			line, n, err := p.rd.ReadLine()
			if err == io.EOF {
				eof = true
				break
			}
			if err != nil {
				b.readErr = err
				break
			}
			b.buf = append(b.buf, line...)
			b.ends = append(b.ends, len(b.buf))
			b.lineNos = append(b.lineNos, n)
		}
		announce(b)
		// ordered first: the writer then waits on b.done in input order.
		select {
		case ordered <- b:
		case <-quit:
			return
		}
		select {
		case work <- b:
		case <-quit:
			close(b.done)
			return
		}
		if eof || b.readErr != nil {
			return
		}
	}
}

// check enforces the per-record ALT limit on w.rec, and stops at once when
// the run is cancelled (a deadline, or the writer gave up).
func (w *worker) check(lineNo int) error {
	if n := w.p.maxAlts; n > 0 && int64(len(w.rec.Alts())) > n {
		return &domain.LimitError{Name: domain.LimitAltAlleles, Max: n, Line: lineNo}
	}
	select {
	case <-w.p.ctx.Done():
		return w.p.ctx.Err()
	default:
		return nil
	}
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
