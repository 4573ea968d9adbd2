package vcf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"runtime"
	"sync"

	"github.com/klauspost/compress/flate"
)

// BGZF is gzip cut into independent members of at most 64 KiB, each carrying
// its compressed size in a "BC" extra field, so that tabix can index the file
// and seek into it. See the SAM/BAM format specification, section 4.1.
// Blocks are independent, so they are compressed in parallel and written in
// order.

const (
	bgzfMaxInput   = 0xff00 // uncompressed bytes per block, as htslib uses
	bgzfMaxBlock   = 1 << 16
	bgzfFooterSize = 8
	// bgzfLevel is klauspost/compress's fastest level: on annotated VCF
	// (CSQ text) it takes a quarter of the CPU of the standard library's
	// level 5 for files about 15% larger, and compression was the largest
	// single cost of an annotation run (BenchmarkBGZFWrite).
	bgzfLevel = 1
)

// bgzfEOF is the empty block that marks a complete BGZF file.
var bgzfEOF = []byte{
	0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 'B', 'C', 0x02, 0,
	0x1b, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0,
}

var bgzfHeader = []byte{0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 'B', 'C', 0x02, 0, 0, 0}

// BGZFWriter compresses to BGZF. Close writes the last block and the EOF
// marker; it does not close the underlying writer. Not safe for concurrent
// Writes.
type BGZFWriter struct {
	cur     *bgzfBlock      // the block being filled: cur.in < bgzfMaxInput bytes
	ordered chan *bgzfBlock // blocks in output order, to the writing goroutine
	work    chan *bgzfBlock // blocks to compress, to the workers
	free    chan *bgzfBlock
	wg      sync.WaitGroup // workers and the writing goroutine
	mu      sync.Mutex
	err     error // first write error
	closed  bool
}

type bgzfBlock struct {
	in    []byte
	out   bytes.Buffer
	ready chan struct{}
	err   error
}

// NewBGZFWriter returns a writer producing BGZF on w, compressing with one
// goroutine per CPU.
func NewBGZFWriter(w io.Writer) *BGZFWriter {
	n := runtime.GOMAXPROCS(0)
	z := &BGZFWriter{
		ordered: make(chan *bgzfBlock, 2*n),
		work:    make(chan *bgzfBlock, 2*n),
		free:    make(chan *bgzfBlock, 3*n+1),
	}
	z.cur = z.newBlock()
	z.wg.Add(n + 1)
	for range n {
		go z.compressLoop()
	}
	go z.writeLoop(w)
	return z
}

func (z *BGZFWriter) Write(p []byte) (int, error) {
	if err := z.error(); err != nil {
		return 0, err
	}
	if z.closed {
		return 0, errors.New("bgzf: write after close")
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), bgzfMaxInput-len(z.cur.in))
		z.cur.in = append(z.cur.in, p[:k]...)
		p = p[k:]
		if len(z.cur.in) == bgzfMaxInput {
			z.dispatch()
		}
	}
	return n, nil
}

// Close flushes the pending block, waits for all blocks to be written and
// writes the EOF marker.
func (z *BGZFWriter) Close() error {
	if z.closed {
		return z.error()
	}
	z.closed = true
	if len(z.cur.in) > 0 {
		z.dispatch()
	}
	eof := &bgzfBlock{ready: make(chan struct{})}
	eof.out.Write(bgzfEOF)
	close(eof.ready)
	z.ordered <- eof
	close(z.ordered)
	close(z.work)
	z.wg.Wait()
	return z.error()
}

func (z *BGZFWriter) error() error {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.err
}

// dispatch hands the block being filled to the workers and starts the next.
func (z *BGZFWriter) dispatch() {
	b := z.cur
	b.ready = make(chan struct{})
	z.ordered <- b
	z.work <- b
	z.cur = z.newBlock()
}

// newBlock returns an empty block to fill, a recycled one when possible
// (Write copies into it directly: the data is copied once on its way to
// the compressor).
func (z *BGZFWriter) newBlock() *bgzfBlock {
	select {
	case b := <-z.free:
		b.in = b.in[:0]
		return b
	default:
		return &bgzfBlock{in: make([]byte, 0, bgzfMaxInput)}
	}
}

func (z *BGZFWriter) compressLoop() {
	defer z.wg.Done()
	fw, _ := flate.NewWriter(nil, bgzfLevel) // error only for a bad level
	for b := range z.work {
		b.err = compressBlock(&b.out, fw, b.in)
		close(b.ready)
	}
}

// writeLoop writes blocks in order; after a write error it keeps draining
// so that Write and Close never block, and reports the error.
func (z *BGZFWriter) writeLoop(w io.Writer) {
	defer z.wg.Done()
	for b := range z.ordered {
		<-b.ready
		err := b.err
		if err == nil && z.error() == nil {
			_, err = w.Write(b.out.Bytes())
		}
		if err != nil {
			z.mu.Lock()
			if z.err == nil {
				z.err = err
			}
			z.mu.Unlock()
		}
		select {
		case z.free <- b:
		default:
		}
	}
}

// compressBlock writes one complete BGZF block holding data to out.
func compressBlock(out *bytes.Buffer, fw *flate.Writer, data []byte) error {
	if err := deflateBlock(out, fw, data); err != nil {
		return err
	}
	if out.Len() > bgzfMaxBlock {
		// Incompressible data: store it; 0xff00 bytes stored always fit.
		stored, err := flate.NewWriter(nil, flate.NoCompression)
		if err != nil {
			return err
		}
		if err := deflateBlock(out, stored, data); err != nil {
			return err
		}
	}
	b := out.Bytes()
	binary.LittleEndian.PutUint16(b[16:], uint16(len(b)-1)) // BSIZE: block size minus 1
	return nil
}

func deflateBlock(out *bytes.Buffer, fw *flate.Writer, data []byte) error {
	out.Reset()
	out.Write(bgzfHeader)
	fw.Reset(out)
	if _, err := fw.Write(data); err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	var foot [bgzfFooterSize]byte
	binary.LittleEndian.PutUint32(foot[0:], crc32.ChecksumIEEE(data))
	binary.LittleEndian.PutUint32(foot[4:], uint32(len(data)))
	out.Write(foot[:])
	return nil
}
