package vcf

import (
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sync"
)

// bgzfReader decompresses BGZF with one goroutine per CPU: a splitter cuts
// the input into blocks (each names its own size), workers inflate them, and
// Read returns them in order. For multi-sample files, whose lines are long
// and cheap to annotate, inflating is what limits the speed.
type bgzfReader struct {
	ordered chan *inBlock
	work    chan *inBlock
	free    chan *inBlock
	quit    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
	cur     *inBlock
	off     int
	err     error
}

type inBlock struct {
	raw   []byte // the whole compressed block
	out   []byte
	err   error
	ready chan struct{}
}

// IsBGZF reports whether head (at least 18 bytes) starts a BGZF block.
func IsBGZF(head []byte) bool {
	_, ok := bgzfBlockLen(head)
	return ok
}

// bgzfBlockLen returns the total size of the BGZF block starting with head,
// from the BSIZE field of its "BC" extra subfield.
func bgzfBlockLen(head []byte) (int, bool) {
	if len(head) < 18 || head[0] != 0x1f || head[1] != 0x8b || head[2] != 8 || head[3]&4 == 0 {
		return 0, false
	}
	xlen := int(binary.LittleEndian.Uint16(head[10:]))
	extra := head[12:]
	if len(extra) > xlen {
		extra = extra[:xlen]
	}
	for len(extra) >= 4 {
		slen := int(binary.LittleEndian.Uint16(extra[2:]))
		if extra[0] == 'B' && extra[1] == 'C' && slen == 2 && len(extra) >= 6 {
			return int(binary.LittleEndian.Uint16(extra[4:])) + 1, true
		}
		if 4+slen > len(extra) {
			break
		}
		extra = extra[4+slen:]
	}
	return 0, false
}

func newBGZFReader(src *bufio.Reader) *bgzfReader {
	n := runtime.GOMAXPROCS(0)
	z := &bgzfReader{
		ordered: make(chan *inBlock, 4*n),
		work:    make(chan *inBlock, 4*n),
		free:    make(chan *inBlock, 5*n+1),
		quit:    make(chan struct{}),
	}
	z.wg.Add(n + 1)
	go z.split(src)
	for range n {
		go z.inflate()
	}
	return z
}

// split reads whole blocks and hands them out in order.
func (z *bgzfReader) split(src *bufio.Reader) {
	defer z.wg.Done()
	defer close(z.work)
	defer close(z.ordered)
	for {
		var b *inBlock
		select {
		case b = <-z.free:
		default:
			b = &inBlock{}
		}
		b.ready = make(chan struct{})
		b.err = nil
		head, err := src.Peek(18)
		if err == io.EOF && len(head) == 0 {
			return
		}
		size, ok := bgzfBlockLen(head)
		switch {
		case err != nil && len(head) < 18:
			b.err = compressedErr{io.ErrUnexpectedEOF}
		case !ok:
			b.err = compressedErr{errors.New("not a BGZF block")}
		case size < 26:
			b.err = compressedErr{fmt.Errorf("BGZF block of %d bytes", size)}
		default:
			if cap(b.raw) < size {
				b.raw = make([]byte, size)
			}
			b.raw = b.raw[:size]
			if _, err := io.ReadFull(src, b.raw); err != nil {
				b.err = compressedErr{io.ErrUnexpectedEOF}
			}
		}
		select {
		case z.ordered <- b:
		case <-z.quit:
			return
		}
		if b.err != nil {
			close(b.ready)
			return
		}
		select {
		case z.work <- b:
		case <-z.quit:
			close(b.ready)
			return
		}
	}
}

func (z *bgzfReader) inflate() {
	defer z.wg.Done()
	var fr io.ReadCloser
	var br bytes.Reader
	for b := range z.work {
		b.err = inflateBlock(b, &fr, &br)
		close(b.ready)
	}
}

func inflateBlock(b *inBlock, fr *io.ReadCloser, br *bytes.Reader) error {
	xlen := int(binary.LittleEndian.Uint16(b.raw[10:]))
	foot := b.raw[len(b.raw)-8:]
	crc, isize := binary.LittleEndian.Uint32(foot), int(binary.LittleEndian.Uint32(foot[4:]))
	if 12+xlen > len(b.raw)-8 || isize > bgzfMaxBlock {
		return compressedErr{errors.New("malformed BGZF block")}
	}
	br.Reset(b.raw[12+xlen : len(b.raw)-8])
	if *fr == nil {
		*fr = flate.NewReader(br)
	} else {
		(*fr).(flate.Resetter).Reset(br, nil)
	}
	if cap(b.out) < isize {
		b.out = make([]byte, isize)
	}
	b.out = b.out[:isize]
	if _, err := io.ReadFull(*fr, b.out); err != nil {
		return compressedErr{err}
	}
	if crc32.ChecksumIEEE(b.out) != crc {
		return compressedErr{errors.New("BGZF block checksum mismatch")}
	}
	return nil
}

func (z *bgzfReader) Read(p []byte) (int, error) {
	for z.cur == nil || z.off == len(z.cur.out) {
		if z.err != nil {
			return 0, z.err
		}
		if z.cur != nil {
			select {
			case z.free <- z.cur:
			default:
			}
			z.cur = nil
		}
		b, ok := <-z.ordered
		if !ok {
			z.err = io.EOF
			return 0, io.EOF
		}
		<-b.ready
		if b.err != nil {
			z.err = b.err
			return 0, b.err
		}
		z.cur, z.off = b, 0
	}
	n := copy(p, z.cur.out[z.off:])
	z.off += n
	return n, nil
}

// Close stops the goroutines; it does not close the source.
func (z *bgzfReader) Close() error {
	z.once.Do(func() {
		close(z.quit)
		for range z.ordered { // let the splitter see quit and finish
		}
		z.wg.Wait()
	})
	return nil
}
