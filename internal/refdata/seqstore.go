package refdata

import (
	"bufio"
	"os"
)

// minNRun is the shortest run of N the sequence file leaves out; shorter runs
// are stored as they are, so segments stay few.
const minNRun = 1000

// segment is a stored stretch of a chromosome's sequence: bases Start..End
// (1-based inclusive) are at Offset in the chromosome's sequence file.
type segment struct {
	Start  int   `json:"start"`
	End    int   `json:"end"`
	Offset int64 `json:"offset"`
}

// chromMeta is a chromosome's small metadata file.
type chromMeta struct {
	Name     string    `json:"name"`
	Length   int       `json:"length"`
	Segments []segment `json:"segments"`
	Bands    []Band    `json:"bands,omitempty"`
}

// writeSeq stores seq without its N runs of minNRun or more and returns the
// segments it wrote.
func writeSeq(path string, seq []byte) ([]segment, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var segs []segment
	var off int64
	emit := func(from, to int) { // 0-based half-open
		if from >= to {
			return
		}
		segs = append(segs, segment{Start: from + 1, End: to, Offset: off})
		bw.Write(seq[from:to])
		off += int64(to - from)
	}
	segStart := 0
	for i := 0; i < len(seq); {
		if seq[i] != 'N' {
			i++
			continue
		}
		j := i
		for j < len(seq) && seq[j] == 'N' {
			j++
		}
		if j-i >= minNRun {
			emit(segStart, i)
			segStart = j
		}
		i = j
	}
	emit(segStart, len(seq))
	err = bw.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return segs, err
}
