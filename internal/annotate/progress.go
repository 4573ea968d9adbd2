package annotate

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line bar with carriage returns, at most 5 times a
// second. Percent comes from input bytes read when the size is known.
type progress struct {
	w     io.Writer
	size  int64
	in    *countingReader
	start time.Time
	last  time.Time
	recs  int64
}

func newProgress(w io.Writer, size int64, in *countingReader) *progress {
	now := time.Now()
	return &progress{w: w, size: size, in: in, start: now, last: now}
}

func (p *progress) update(records int64) {
	p.recs = records
	if now := time.Now(); now.Sub(p.last) >= 200*time.Millisecond {
		p.last = now
		p.draw(now)
	}
}

func (p *progress) draw(now time.Time) {
	const width = 30
	rate := float64(p.recs) / max(now.Sub(p.start).Seconds(), 1e-9)
	if p.size > 0 {
		frac := min(float64(p.in.n.Load())/float64(p.size), 1)
		fill := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% %d records, %.0f/s ", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, p.recs, rate)
		return
	}
	fmt.Fprintf(p.w, "\r%d records, %.0f/s ", p.recs, rate)
}

// stop draws the final state and ends the line.
func (p *progress) stop(ok bool) {
	if ok && p.size > 0 {
		p.in.n.Store(p.size)
	}
	p.draw(time.Now())
	fmt.Fprintln(p.w)
}
