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

func TestSanitizeName(t *testing.T) {
	for in, want := range map[string]string{
		"a.b.c.vcf": "a.b.c.vcf", "../x.vcf": "x.vcf", "..": "upload.vcf", "": "upload.vcf", `C:\dir\y.vcf`: "y.vcf",
		"Probe ü 東京.vcf": "Probe ü 東京.vcf", "tab\there.vcf": "tab_here.vcf", "bad\xffutf8.vcf": "bad_utf8.vcf",
		`"quoted".vcf`: "_quoted_.vcf", "/abs/path/z.vcf.gz": "z.vcf.gz", "  spaced.vcf  ": "spaced.vcf",
	} {
		if got := sanitizeName(in); got != want {
			t.Errorf("sanitizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{"a.vcf": "a", "a.VCF.GZ": "a", "a.b.vcf.bgz": "a.b", "noext": "noext", ".vcf": ".vcf"} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}
