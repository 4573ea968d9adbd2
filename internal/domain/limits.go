package domain

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Limits bound every resource one user can make GAS spend. They are per
// tier (LimitsFor) and defined only here; the portal shows them on the
// pricing and profile pages, the engine enforces the per-job ones while it
// streams, and the service the per-user ones. The upload cap itself is an
// operator setting (GAS_FREE_CAP, GAS_MAX_UPLOAD) whose defaults are the
// UploadBytes below.
type Limits struct {
	UploadBytes    int64         // the file as uploaded (compressed or not)
	InputBytes     int64         // the input after decompression
	Records        int64         // data lines
	HeaderBytes    int64         // the header's "#" lines together
	HeaderLines    int64         // the header's "#" lines
	LineBytes      int64         // one line, without its terminator
	AltAlleles     int64         // ALT alleles of one record
	Contigs        int64         // distinct CHROM names
	OutputBytes    int64         // the annotated VCF
	ConcurrentJobs int64         // jobs of one user not yet finished (PENDING or RUNNING)
	JobsPerDay     int64         // jobs one user may submit in any 24 hours
	JobTime        time.Duration // wall time of one annotation attempt
}

// The tiers' limits. A free upload of 150 KB can decompress to 8 MiB, which
// is ~100,000 short records; an annotated record takes about 700 bytes on
// average, so 100,000 records fit the 100 MiB output cap with room.
var (
	FreeLimits = Limits{
		UploadBytes: 150 * 1000, InputBytes: 8 << 20, Records: 100_000,
		HeaderBytes: 1 << 20, HeaderLines: 5_000, LineBytes: 64 << 10, AltAlleles: 64, Contigs: 1_000,
		OutputBytes: 100 << 20, ConcurrentJobs: 2, JobsPerDay: 50, JobTime: 5 * time.Minute,
	}
	// PremiumLimits fit one Lambda run: 14 minutes (under Lambda's 15-minute maximum, so the job fails with this message first) cover
	// about 1.8 GB of consequence-dense input at the measured 2 MB/s.
	PremiumLimits = Limits{
		UploadBytes: 1 << 30, InputBytes: 16 << 30, Records: 50_000_000,
		HeaderBytes: 16 << 20, HeaderLines: 200_000, LineBytes: 1 << 20, AltAlleles: 1_000, Contigs: 100_000,
		OutputBytes: 64 << 30, ConcurrentJobs: 8, JobsPerDay: 1_000, JobTime: 14 * time.Minute,
	}
)

// LimitsFor returns the limits of role's tier.
func LimitsFor(r Role) Limits {
	if r == RolePremium {
		return PremiumLimits
	}
	return FreeLimits
}

// ErrLimit is matched (errors.Is) by every *LimitError.
var ErrLimit = errors.New("limit reached")

// LimitError says which limit a job or request reached. Its message names
// the limit and, for a free user, what premium allows.
type LimitError struct {
	Name string // e.g. "records", as in LimitNames
	Max  int64  // the limit in effect
	Line int    // input line where it was reached; 0 when not tied to a line
	Role Role   // the tier whose limit it was; "" when unknown
	// RetryAfter, for per-user limits over time (concurrent jobs, jobs per
	// day), is when trying again may succeed; 0 otherwise.
	RetryAfter time.Duration
}

func (e *LimitError) Error() string {
	msg := fmt.Sprintf("%s limit reached: at most %s", e.Name, formatLimit(e.Name, e.Max))
	if e.Line > 0 {
		msg = fmt.Sprintf("line %d: %s", e.Line, msg)
	}
	if e.Role == RoleFree {
		if p, ok := PremiumLimits.value(e.Name); ok && p > e.Max {
			msg += fmt.Sprintf(" on the free tier; premium allows %s (upgrade at /subscribe)", formatLimit(e.Name, p))
		}
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf("; try again in %v", e.RetryAfter.Round(time.Second))
	}
	return msg
}

func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// WithRole returns a copy naming role's tier (for the upgrade hint).
func (e *LimitError) WithRole(r Role) *LimitError {
	c := *e
	c.Role = r
	return &c
}

// Names of the limits, as LimitError.Name and on the pricing page.
const (
	LimitUpload         = "upload bytes"
	LimitInput          = "decompressed input bytes"
	LimitRecords        = "records"
	LimitHeaderBytes    = "header bytes"
	LimitHeaderLines    = "header lines"
	LimitLineBytes      = "line bytes"
	LimitAltAlleles     = "ALT alleles per record"
	LimitContigs        = "distinct contigs"
	LimitOutput         = "output bytes"
	LimitConcurrentJobs = "concurrent jobs"
	LimitJobsPerDay     = "jobs per day"
	LimitJobTime        = "job seconds"
)

// LimitRow is one limit as shown to users.
type LimitRow struct{ Name, Value string }

// Rows lists the limits in display order, values formatted for people.
func (l Limits) Rows() []LimitRow {
	var rows []LimitRow
	for _, n := range limitOrder {
		v, _ := l.value(n)
		rows = append(rows, LimitRow{n, formatLimit(n, v)})
	}
	return rows
}

var limitOrder = []string{
	LimitUpload, LimitInput, LimitRecords, LimitHeaderBytes, LimitHeaderLines, LimitLineBytes,
	LimitAltAlleles, LimitContigs, LimitOutput, LimitConcurrentJobs, LimitJobsPerDay, LimitJobTime,
}

func (l Limits) value(name string) (int64, bool) {
	switch name {
	case LimitUpload:
		return l.UploadBytes, true
	case LimitInput:
		return l.InputBytes, true
	case LimitRecords:
		return l.Records, true
	case LimitHeaderBytes:
		return l.HeaderBytes, true
	case LimitHeaderLines:
		return l.HeaderLines, true
	case LimitLineBytes:
		return l.LineBytes, true
	case LimitAltAlleles:
		return l.AltAlleles, true
	case LimitContigs:
		return l.Contigs, true
	case LimitOutput:
		return l.OutputBytes, true
	case LimitConcurrentJobs:
		return l.ConcurrentJobs, true
	case LimitJobsPerDay:
		return l.JobsPerDay, true
	case LimitJobTime:
		return int64(l.JobTime / time.Second), true
	}
	return 0, false
}

// formatLimit writes byte limits in KB/MiB/GiB and counts with thousands separators.
func formatLimit(name string, v int64) string {
	switch name {
	case LimitUpload, LimitInput, LimitHeaderBytes, LimitLineBytes, LimitOutput:
		return FormatBytes(v)
	case LimitJobTime:
		return (time.Duration(v) * time.Second).String()
	}
	return groupThousands(v)
}

// FormatBytes writes n bytes for people: "150 KB", "8 MiB", "1 GiB".
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return groupThousands(n>>30) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return groupThousands(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return groupThousands(n>>10) + " KiB"
	case n >= 1000 && n%1000 == 0:
		return groupThousands(n/1000) + " KB"
	}
	return groupThousands(n) + " bytes"
}

func groupThousands(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := v < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
