package webui

import (
	"testing"
	"time"

	"github.com/gasproject/gas/internal/domain"
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

func TestRestoreOwner(t *testing.T) {
	for in, want := range map[string]string{
		"restore-u1234-1": "u1234", "restore-u12-34-7": "u12-34", "restore-": "", "annotation-x": "", "restore-u1": "",
	} {
		if got := restoreOwner(in); got != want {
			t.Errorf("restoreOwner(%q) = %q, want %q", in, got, want)
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

func TestArchiveAt(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := &Server{cfg: Config{Retention: 3 * time.Minute, Now: func() time.Time { return now }}}
	free := domain.Profile{Role: domain.RoleFree}
	done := domain.Job{Status: domain.StatusCompleted, ResultState: domain.ResultAvailable, CompletedAt: now.Add(-time.Minute)}
	for _, tc := range []struct {
		name  string
		owner domain.Profile
		edit  func(*domain.Job)
		want  time.Time
	}{
		{"free, hot", free, func(*domain.Job) {}, now.Add(2 * time.Minute)},
		{"premium", domain.Profile{Role: domain.RolePremium}, func(*domain.Job) {}, time.Time{}},
		{"running", free, func(j *domain.Job) { j.Status, j.ResultState = domain.StatusRunning, "" }, time.Time{}},
		{"archived", free, func(j *domain.Job) { j.ResultState = domain.ResultArchived }, time.Time{}},
		{"restored", free, func(j *domain.Job) { j.RestoredAt = now }, time.Time{}},
		{"long past the wait", free, func(j *domain.Job) { j.CompletedAt = now.Add(-time.Hour) }, time.Time{}},
		{"just past the wait", free, func(j *domain.Job) { j.CompletedAt = now.Add(-3*time.Minute - 10*time.Second) }, now.Add(-10 * time.Second)},
	} {
		j := done
		tc.edit(&j)
		if got := s.archiveAt(tc.owner, j); !got.Equal(tc.want) {
			t.Errorf("%s: archiveAt = %v, want %v", tc.name, got, tc.want)
		}
	}
}
