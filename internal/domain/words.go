package domain

import (
	"fmt"
	"time"
)

// DurationWords writes d for people, rounded to its largest unit: "40
// seconds", "1 minute", "3 minutes", "4 hours", "2 days". Emails and pages
// use it for waits ("archived 3 minutes after the job ends", "expected
// within about 4 hours").
func DurationWords(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d < time.Minute:
		return unit(max(int64(d.Round(time.Second)/time.Second), 1), "second")
	case d < time.Hour:
		return unit(int64(d.Round(time.Minute)/time.Minute), "minute")
	case d < 48*time.Hour:
		return unit(int64(d.Round(time.Hour)/time.Hour), "hour")
	}
	return unit(int64(d.Round(24*time.Hour)/(24*time.Hour)), "day")
}

// Count writes n with the noun's form for it: Count(1, "result", "results")
// is "1 result", Count(3, …) "3 results".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
