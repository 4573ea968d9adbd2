package tasks

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/statemachines"
)

// Annotator runs the annotation engine on one shard, within the job's limits:
// a VCF whose records are on chroms (as named in the input), so an
// implementation may load only their reference files. The engine hands
// every annotated record's CSQ entries to index (annotate.Options.Index). A bad input must come
// back as an error wrapping domain.ErrInvalid whose message names the line
// and the reason, a limit reached as a *domain.LimitError; any other error is
// treated as transient.
type Annotator interface {
	Annotate(ctx context.Context, chroms []string, in io.Reader, out io.Writer, index annotate.IndexSink, lim domain.Limits, run domain.RunOptions) (annotate.Summary, error)
}

// ShardConfig tunes how Plan cuts an input (see Plan) and how many shards
// run at once.
type ShardConfig struct {
	Records        int64 // most records in a shard; default 500,000
	MinRecords     int64 // a chromosome change cuts a shard only past this many; default 50,000
	MaxConcurrency int   // the map's MaxConcurrency; default 0 (the runtime's limit; the local runner uses the core count)
}

// JobInput is the payload of every per-job step: ids only, never file contents
// (Step Functions caps a state's payload at 256 KB).
type JobInput struct {
	JobID string `json:"job_id"`
}

// Config holds the settings the handlers read. Zero values get defaults in New.
type Config struct {
	// BaseURL prefixes links in emails, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// RestoreEstimate is how long a restore of each tier is expected to take; it is
	// shown to the user as "ready by". Defaults: AWS's published typical times.
	RestoreEstimate map[domain.RestoreTier]time.Duration
	// RestoreDays is how long a restored GLACIER copy stays readable (S3 RestoreRequest Days).
	RestoreDays int
	// Limits gives a tier's limits; nil means domain.LimitsFor (tests
	// shorten the job time).
	Limits func(domain.Role) domain.Limits
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Logger receives one line per state change; nil means slog.Default().
	Logger *slog.Logger
	// Shards: see ShardConfig.
	Shards ShardConfig
}

// Tasks holds the ports the step handlers use. Build it once per process
// (Lambda cold start, or `gas serve`), then call its methods per step.
type Tasks struct {
	jobs      domain.Jobs
	profiles  domain.Profiles
	blobs     domain.Blobs
	mail      domain.Mailer
	annotator Annotator
	callbacks Callbacks // resumes restore steps (restoreevents.go)
	cfg       Config
}

// New wires the handlers. annotator may be nil in processes that never run the
// AnnotateShard step (every other handler works without it).
func New(jobs domain.Jobs, profiles domain.Profiles, blobs domain.Blobs, mail domain.Mailer, annotator Annotator, cfg Config) *Tasks {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Limits == nil {
		cfg.Limits = domain.LimitsFor
	}
	if cfg.Shards.Records <= 0 {
		cfg.Shards.Records = 500_000
	}
	if cfg.Shards.MinRecords <= 0 {
		cfg.Shards.MinRecords = 50_000
	}
	if cfg.RestoreDays <= 0 {
		cfg.RestoreDays = 7
	}
	est := map[domain.RestoreTier]time.Duration{
		domain.TierExpedited: 5 * time.Minute,
		domain.TierStandard:  5 * time.Hour,
		domain.TierBulk:      12 * time.Hour,
	}
	for k, v := range cfg.RestoreEstimate {
		est[k] = v
	}
	cfg.RestoreEstimate = est
	return &Tasks{jobs: jobs, profiles: profiles, blobs: blobs, mail: mail, annotator: annotator, callbacks: noCallbacks{}, cfg: cfg}
}

func (t *Tasks) now() time.Time { return t.cfg.Now().UTC() }

// Blob keys derived from a job. Everything a job produces lives under one
// prefix so an operator can find it; the archive lives under its own prefix so
// a lifecycle rule or an audit can tell hot from cold at a glance.

// ResultKey is where the annotated VCF (BGZF) lives while hot.
func ResultKey(j domain.Job) string {
	return "results/" + j.UserID + "/" + j.ID + "/annotated.vcf.gz"
}

// LogKey is where the human-readable annotation log lives.
func LogKey(j domain.Job) string { return "results/" + j.UserID + "/" + j.ID + "/annotate.log" }

// ArchiveKey is where the annotated VCF lives in the GLACIER storage class.
func ArchiveKey(j domain.Job) string {
	return "archive/" + j.UserID + "/" + j.ID + "/annotated.vcf.gz"
}

// invalidInput is the permanent failure of a step whose input cannot work
// (a VCF the parser rejects, a missing upload): the annotation machine catches
// it without retrying and MarkFailed shows reason to the user. It must be
// returned unwrapped: its Go type name is its Step Functions error name.
func invalidInput(reason string) error { return &statemachines.InvalidInputError{Reason: reason} }

func (t *Tasks) loadJob(ctx context.Context, id string) (domain.Job, error) {
	if id == "" {
		return domain.Job{}, fmt.Errorf("%w: job_id is empty", domain.ErrInvalid)
	}
	j, err := t.jobs.Get(ctx, id)
	if err != nil {
		return domain.Job{}, fmt.Errorf("load job %s: %w", id, err)
	}
	return j, nil
}

// blobWriter streams its writes into a blob that a concurrent Put stores.
type blobWriter struct {
	pw   *io.PipeWriter
	done chan error
}

// ColdPutter is an optional capability of the blob store: store an object
// that nothing reads back soon without keeping its bytes in memory
// (fsblob: its pages leave the page cache once synced).
type ColdPutter interface {
	PutCold(ctx context.Context, key string, r io.Reader) error
}

// createBlob starts storing key from what is written to the returned
// writer; finish ends it. A cold blob goes through PutCold where the store
// has it: a shard's part, which Merge joins without reading it and only a
// download reads again (its index part stays cached: the job page's
// variant table reads it, and a query that scans it took 0.6 s cold against
// 0.26 s cached on the full-scale job).
func (t *Tasks) createBlob(ctx context.Context, key string, cold bool) *blobWriter {
	pr, pw := io.Pipe()
	b := &blobWriter{pw: pw, done: make(chan error, 1)}
	put := t.blobs.Put
	if c, ok := t.blobs.(ColdPutter); ok && cold {
		put = c.PutCold
	}
	go func() {
		err := put(ctx, key, pr)
		pr.CloseWithError(err) // unblock the writer if Put gave up
		b.done <- err
	}()
	return b
}

func (b *blobWriter) Write(p []byte) (int, error) { return b.pw.Write(p) }

// finish ends the blob: with cause nil it is stored, otherwise Put fails and
// nothing partial is kept. It returns Put's error.
func (b *blobWriter) finish(cause error) error {
	b.end(cause)
	return <-b.done
}

// end ends the blob's data as finish does, without waiting for Put (whose
// fsync then overlaps other work); <-b.done gives its error.
func (b *blobWriter) end(cause error) {
	if cause != nil {
		b.pw.CloseWithError(cause)
	} else {
		b.pw.Close()
	}
}
