package webui

import (
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-1: "—", 44 * time.Millisecond: "44 ms", 1500 * time.Millisecond: "1.5 s", 3 * time.Minute: "3 min",
		181 * time.Second: "3 min 1 s", 2 * time.Hour: "2 h", 150 * time.Minute: "2 h 30 min",
	} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int64]string{999: "999 bytes", 150_000: "150 KB", 100_000_000: "100.0 MB", 2_500_000_000: "2.5 GB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRestoreETA(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for left, want := range map[time.Duration]string{
		-time.Second:                "any moment now",
		2 * time.Second:             "within a minute",
		12 * time.Minute:            "within about 12 minutes (by 10:12 UTC)",
		4*time.Hour + 5*time.Minute: "within about 4 hours (by 14:05 UTC)",
		20 * time.Hour:              "within about 20 hours (by Mar 2, 06:00 UTC)",
	} {
		if got := restoreETA(now.Add(left), now); got != want {
			t.Errorf("%v: %q, want %q", left, got, want)
		}
	}
}
