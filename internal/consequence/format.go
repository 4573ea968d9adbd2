package consequence

import (
	"strconv"
	"sync"
)

// Text of the numeric CSQ fields.

// distanceTexts holds DISTANCE for 0..maxDistance, made once: up- and
// downstream entries would otherwise allocate it each time.
var distanceTexts = sync.OnceValue(func() []string {
	t := make([]string, maxDistance+1)
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
})

func distanceText(d int) string {
	if t := distanceTexts(); d >= 0 && d < len(t) {
		return t[d]
	}
	return strconv.Itoa(d)
}

func rangeOf(first, last, total int) string {
	if first == 0 {
		return ""
	}
	var buf [32]byte
	b := appendInt(buf[:0], first)
	if first != last {
		b = appendInt(append(b, '-'), last)
	}
	return string(appendInt(append(b, '/'), total))
}

// formatCoords writes a start-end pair as VEP does: "5", "5-7", "?-7", "5-?".
// Zero means undefined; an insertion (start == end+1) prints end-start.
func formatCoords(start, end int) string {
	var buf [32]byte
	switch {
	case start > 0 && end > 0:
		if start > end {
			start, end = end, start
		}
		if start == end {
			return strconv.Itoa(start)
		}
		return string(appendInt(append(appendInt(buf[:0], start), '-'), end))
	case start > 0:
		return string(append(appendInt(buf[:0], start), "-?"...))
	case end > 0:
		return string(appendInt(append(buf[:0], "?-"...), end))
	}
	return ""
}
