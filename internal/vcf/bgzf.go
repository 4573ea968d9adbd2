package vcf

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// BGZF is gzip cut into independent members of at most 64 KiB, each carrying
// its compressed size in a "BC" extra field, so that tabix can index the file
// and seek into it. See the SAM/BAM format specification, section 4.1.

const (
	bgzfMaxInput   = 0xff00 // uncompressed bytes per block, as htslib uses
	bgzfMaxBlock   = 1 << 16
	bgzfHeaderSize = 18
	bgzfFooterSize = 8
	bgzfLevel      = 5 // a balance of speed and size; bgzip's default is 6
)

// bgzfEOF is the empty block that marks a complete BGZF file.
var bgzfEOF = []byte{
	0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 'B', 'C', 0x02, 0,
	0x1b, 0, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0,
}

// BGZFWriter compresses to BGZF. Close writes the last block and the EOF
// marker; it does not close the underlying writer.
type BGZFWriter struct {
	w    io.Writer
	buf  []byte // pending uncompressed data, < bgzfMaxInput
	out  bytes.Buffer
	fw   *flate.Writer
	err  error
	done bool
}

// NewBGZFWriter returns a writer producing BGZF on w.
func NewBGZFWriter(w io.Writer) *BGZFWriter {
	fw, _ := flate.NewWriter(nil, bgzfLevel) // error only for a bad level
	return &BGZFWriter{w: w, buf: make([]byte, 0, bgzfMaxInput), fw: fw}
}

func (z *BGZFWriter) Write(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), bgzfMaxInput-len(z.buf))
		z.buf = append(z.buf, p[:k]...)
		p = p[k:]
		if len(z.buf) == bgzfMaxInput {
			if err := z.flushBlock(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// Close flushes the pending block and writes the EOF marker.
func (z *BGZFWriter) Close() error {
	if z.done {
		return z.err
	}
	z.done = true
	if z.err == nil && len(z.buf) > 0 {
		z.flushBlock()
	}
	if z.err == nil {
		_, z.err = z.w.Write(bgzfEOF)
	}
	return z.err
}

func (z *BGZFWriter) flushBlock() error {
	block, err := z.compress(z.buf, bgzfLevel)
	if err == nil && len(block) > bgzfMaxBlock {
		// Incompressible data: store it; 0xff00 bytes stored always fit.
		block, err = z.compress(z.buf, flate.NoCompression)
	}
	if err == nil {
		_, err = z.w.Write(block)
	}
	z.buf = z.buf[:0]
	z.err = err
	return err
}

func (z *BGZFWriter) compress(data []byte, level int) ([]byte, error) {
	z.out.Reset()
	z.out.Write([]byte{0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0, 'B', 'C', 0x02, 0, 0, 0})
	if level != bgzfLevel {
		fw, err := flate.NewWriter(&z.out, level)
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(data); err != nil {
			return nil, err
		}
		if err := fw.Close(); err != nil {
			return nil, err
		}
	} else {
		z.fw.Reset(&z.out)
		if _, err := z.fw.Write(data); err != nil {
			return nil, err
		}
		if err := z.fw.Close(); err != nil {
			return nil, err
		}
	}
	var foot [bgzfFooterSize]byte
	binary.LittleEndian.PutUint32(foot[0:], crc32.ChecksumIEEE(data))
	binary.LittleEndian.PutUint32(foot[4:], uint32(len(data)))
	z.out.Write(foot[:])
	b := z.out.Bytes()
	if len(b) <= bgzfMaxBlock {
		binary.LittleEndian.PutUint16(b[16:], uint16(len(b)-1)) // BSIZE: block size minus 1
	}
	return b, nil
}
