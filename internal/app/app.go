// Package app is the composition root of the local service: from a Config it
// opens the embedded adapters (SQLite, the directory blob store, the outbox
// mailer), loads the reference bundle, builds the workflow step handlers, runs
// the real state machine definitions on the local ASL runner, resumes the
// executions a previous run left unfinished, and hands the portal what it
// needs (ports, the shared use cases in internal/service, settings).
//
//	a, err := app.Open(ctx, app.Config{DataDir: ".gas", SharedDir: "../shared"})
//	defer a.Close()
//	job, err := a.Service.SubmitJob(ctx, service.SubmitRequest{...})
//
// One process per data directory runs the workflow: Open takes a lock on the
// directory and fails if another `gas serve` holds it. Commands that only
// read or edit records (`gas user`, `gas history`) open the database alone.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/billing"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/fsblob"
	"github.com/gasproject/gas/internal/outbox"
	"github.com/gasproject/gas/internal/refdata"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/sqlite"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/statemachines"
)

// Config is what `gas serve` (flags and env) decides. Zero values get defaults.
type Config struct {
	// DataDir holds everything the service stores (see layout.go). Default DefaultDataDir.
	DataDir string
	// RefDir is a built reference bundle. Empty: DataDir/refdata, built on
	// first start from SharedDir when it is not there yet.
	RefDir string
	// SharedDir is the project's ../shared (the mini GRCh38 reference), used
	// only to build the bundle on first start.
	SharedDir string
	// Retention is how long a free user's result stays hot (default 180 s).
	Retention time.Duration
	// FreeCap is the largest upload of a free user, in bytes (default 150 KB).
	FreeCap int64
	// UploadLimit is the operator's cap on every upload, in bytes (0: none).
	UploadLimit int64
	// BaseURL prefixes links in emails (default http://127.0.0.1:8080).
	BaseURL string
	// MailFrom is the sender of emails (default outbox.DefaultFrom).
	MailFrom string
	// SMTP, when set, sends email through a mail server instead of writing
	// .eml files to DataDir/outbox.
	SMTP *outbox.SMTPOptions
	// RestoreDelays is how long a local Glacier restore takes per tier
	// (default fsblob.DefaultRestoreDelays: Expedited 5 s, Standard 30 s, Bulk 60 s);
	// the same values are the estimates shown to users.
	RestoreDelays map[domain.RestoreTier]time.Duration
	// RestoreRetry is how long a restore waits before its next round retries
	// the jobs the previous round could not bring back (default
	// DefaultRestoreRetry, 30 s; on AWS the service default is 15 min).
	RestoreRetry time.Duration
	// ExpeditedUnavailable starts with Expedited retrievals refused, as S3
	// does without capacity (App.Blobs.SetExpeditedUnavailable changes it later).
	ExpeditedUnavailable bool
	// Shards tunes how the annotation workflow cuts an input and how many
	// shards run at once (tasks.ShardConfig; MaxConcurrency 0: one per CPU).
	Shards tasks.ShardConfig
	// Logger receives the service's logs (default slog.Default()).
	Logger *slog.Logger
	// Stripe, when its keys are set (billing.ConfigFromEnv), bills premium
	// through Stripe Checkout and its webhook (App.Billing); without them the
	// portal's upgrade runs in test mode.
	Stripe billing.Config

	// Test hooks.
	editDefinition func(machine string, def []byte) []byte // before asl.Load
	wrapHandlers   func(map[string]asl.Handler)            // after the task table is built
	jitter         func() float64                          // retry jitter; nil: random
	mailer         domain.Mailer                           // replaces the outbox (tests: SES on an emulator)
}

// DefaultRestoreRetry is the local wait between restore rounds: short, since
// a local "Glacier" fails only when something is really wrong.
const DefaultRestoreRetry = 30 * time.Second

// DefaultBaseURL is where `gas serve` listens by default.
const DefaultBaseURL = "http://127.0.0.1:8080"

// App is the running local service.
type App struct {
	Config Config // with defaults filled in

	DB       *sqlite.DB // also holds the portal's tables (accounts, sessions, tokens)
	Jobs     domain.Jobs
	Profiles domain.Profiles
	Blobs    *fsblob.Store
	Mailer   domain.Mailer
	Workflow domain.Workflow
	Runner   *asl.Runner // the Workflow, with Wait for tests and tools
	Tasks    *tasks.Tasks
	Service  *service.Service // the use cases the portal calls
	Billing  *billing.Service // Stripe Checkout and webhook; nil in test mode
	Bundle   *refdata.Bundle
	// Audit is the write-once archive of ended executions' histories
	// (AuditDir), written when each execution ends.
	Audit *fsblob.Store

	unlock     func()
	stopEvents context.CancelFunc // ends the blob store's restore notices
	sweeping   sync.WaitGroup     // the audit sweep started by Open
	closeOnce  sync.Once
	closeErr   error
}

// Open builds the local service and resumes unfinished executions.
func Open(ctx context.Context, cfg Config) (_ *App, err error) {
	cfg = withDefaults(cfg)
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("open app: %w", err)
	}
	a := &App{Config: cfg}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.unlock, err = lockDir(cfg.DataDir); err != nil {
		return nil, err
	}
	if a.DB, err = sqlite.Open(DBPath(cfg.DataDir)); err != nil {
		return nil, err
	}
	a.Jobs, a.Profiles = a.DB.Jobs(), a.DB.Profiles()
	if a.Blobs, err = fsblob.Open(BlobDir(cfg.DataDir), fsblob.Options{RestoreDelays: cfg.RestoreDelays}); err != nil {
		return nil, err
	}
	a.Blobs.SetExpeditedUnavailable(cfg.ExpeditedUnavailable)
	if cfg.SMTP != nil {
		smtp := *cfg.SMTP
		if smtp.From == "" {
			smtp.From = cfg.MailFrom
		}
		a.Mailer, err = outbox.NewSMTP(smtp)
	} else {
		a.Mailer, err = outbox.NewDir(OutboxDir(cfg.DataDir), outbox.DirOptions{From: cfg.MailFrom})
	}
	if err != nil {
		return nil, err
	}
	if cfg.mailer != nil {
		a.Mailer = cfg.mailer
	}
	if a.Bundle, err = openBundle(ctx, cfg); err != nil {
		return nil, err
	}

	a.Tasks = tasks.New(a.Jobs, a.Profiles, a.Blobs, a.Mailer, tasks.EngineAnnotator{Engine: annotate.New(a.Bundle)}, tasks.Config{
		BaseURL:         cfg.BaseURL,
		RestoreEstimate: cfg.RestoreDelays,
		Logger:          cfg.Logger,
		Shards:          cfg.Shards,
	})
	handlers := map[string]asl.Handler{}
	for name, h := range a.Tasks.Handlers() {
		handlers[name] = asl.Handler(h)
	}
	if cfg.wrapHandlers != nil {
		cfg.wrapHandlers(handlers)
	}
	machines, err := loadMachines(cfg)
	if err != nil {
		return nil, err
	}
	if a.Audit, err = fsblob.Open(AuditDir(cfg.DataDir), fsblob.Options{}); err != nil {
		return nil, err
	}
	exporter := &audit.Exporter{Jobs: a.Jobs, Objects: a.Blobs, Archive: a.Audit}
	a.Runner, err = asl.NewRunner(asl.Config{Store: a.DB.Executions(), Machines: machines, Handlers: handlers,
		Objects: a.Blobs, MapConcurrency: cfg.Shards.MaxConcurrency, Jitter: cfg.jitter, Logger: cfg.Logger,
		OnFinish: func(ex domain.Execution) { exportHistory(exporter, ex, cfg.Logger) }})
	if err != nil {
		return nil, err
	}
	exporter.Executions = a.Runner
	a.Workflow = a.Runner
	a.Tasks.SetCallbacks(a.Runner)
	a.Service = service.New(service.Ports{Jobs: a.Jobs, Profiles: a.Profiles, Blobs: a.Blobs, Workflow: a.Workflow, Archive: a.Audit},
		service.Config{Retention: cfg.Retention, FreeCap: cfg.FreeCap, UploadLimit: cfg.UploadLimit,
			RestoreRetry: cfg.RestoreRetry, Logger: cfg.Logger})
	if cfg.Stripe.Enabled() {
		stripeCfg := cfg.Stripe
		if stripeCfg.Logger == nil {
			stripeCfg.Logger = cfg.Logger
		}
		a.Billing, err = billing.New(stripeCfg, billing.Ports{Profiles: a.Profiles, Users: a.Service, Events: a.DB.Webhooks(), Mailer: a.Mailer})
		if err != nil {
			return nil, err
		}
	}
	if err := a.Runner.Resume(ctx); err != nil {
		// One broken execution must not keep the service down; the rest run.
		cfg.Logger.Error("resume executions", "err", err)
	}
	if err := a.notifyRestores(handlers[statemachines.TaskRestoreEvent]); err != nil {
		return nil, err
	}
	a.sweepAudit(ctx, exporter)
	// Jobs a crash left without their execution link (or execution).
	if n, err := a.Service.RecoverExecutions(ctx); err != nil {
		cfg.Logger.Error("recover executions", "err", err)
	} else if n > 0 {
		cfg.Logger.Info("jobs linked to their executions after a crash", "jobs", n)
	}
	return a, nil
}

// sweepAudit archives, in the background, the ended executions a crash
// left without their audit record (Close waits for it).
func (a *App) sweepAudit(ctx context.Context, e *audit.Exporter) {
	log := a.Config.Logger
	a.sweeping.Go(func() {
		if n, err := e.Sweep(context.WithoutCancel(ctx), a.Runner, auditSweepLimit); err != nil {
			log.Error("audit sweep", "err", err)
		} else if n > 0 {
			log.Info("ended executions archived at start", "executions", n)
		}
	})
}

// auditSweepLimit is how many of the newest executions Open checks for a
// missing audit record.
const auditSweepLimit = 1000

// loadMachines loads the real state machine definitions for the runner.
func loadMachines(cfg Config) (map[string]*asl.Machine, error) {
	machines := map[string]*asl.Machine{}
	for _, name := range statemachines.Names() {
		def, err := statemachines.LocalDefinition(name)
		if err != nil {
			return nil, err
		}
		if cfg.editDefinition != nil {
			def = cfg.editDefinition(name, def)
		}
		if machines[name], err = asl.Load(def); err != nil {
			return nil, fmt.Errorf("load state machine %s: %w", name, err)
		}
	}
	return machines, nil
}

// exportHistory archives an ended execution's history for auditors (the
// local half of the EventBridge rule and functions/audit on AWS). A failed
// export is logged; the execution's outcome stands.
func exportHistory(e *audit.Exporter, ex domain.Execution, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, _, err := e.Export(ctx, ex.ID); err != nil {
		log.Error("audit export", "execution", ex.ID, "err", err)
	}
}

func withDefaults(cfg Config) Config {
	if cfg.DataDir == "" {
		cfg.DataDir = DefaultDataDir
	}
	if cfg.RefDir == "" {
		cfg.RefDir = RefDir(cfg.DataDir)
	}
	if cfg.Retention <= 0 {
		cfg.Retention = service.DefaultRetention
	}
	if cfg.FreeCap <= 0 {
		cfg.FreeCap = service.DefaultFreeCap
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.RestoreRetry <= 0 {
		cfg.RestoreRetry = DefaultRestoreRetry
	}
	delays := map[domain.RestoreTier]time.Duration{}
	for tier, d := range fsblob.DefaultRestoreDelays {
		delays[tier] = d
	}
	for tier, d := range cfg.RestoreDelays {
		delays[tier] = d
	}
	cfg.RestoreDelays = delays
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// openBundle opens cfg.RefDir, building the mini reference there first when
// it is the data directory's own and does not exist yet.
func openBundle(ctx context.Context, cfg Config) (*refdata.Bundle, error) {
	if _, err := os.Stat(cfg.RefDir); errors.Is(err, os.ErrNotExist) && cfg.RefDir == RefDir(cfg.DataDir) {
		if err := BuildBundle(ctx, cfg.SharedDir, cfg.RefDir, cfg.Logger); err != nil {
			return nil, err
		}
	}
	b, err := refdata.Open(cfg.RefDir)
	if errors.Is(err, refdata.ErrNotBundle) && cfg.RefDir == RefDir(cfg.DataDir) && cfg.SharedDir != "" {
		// The data directory's own mini bundle from an older gas (another
		// bundle format): it is ours to rebuild.
		if rerr := os.RemoveAll(cfg.RefDir); rerr != nil {
			return nil, fmt.Errorf("replace old reference bundle %s: %w", cfg.RefDir, rerr)
		}
		if berr := BuildBundle(ctx, cfg.SharedDir, cfg.RefDir, cfg.Logger); berr != nil {
			return nil, berr
		}
		b, err = refdata.Open(cfg.RefDir)
	}
	if err != nil {
		return nil, fmt.Errorf("open reference bundle %s: %w", cfg.RefDir, err)
	}
	return b, nil
}

// BuildBundle builds the mini GRCh38 bundle from sharedDir into dir, through
// a temporary directory so an interrupted build never looks finished.
func BuildBundle(ctx context.Context, sharedDir, dir string, log *slog.Logger) error {
	if sharedDir == "" {
		return fmt.Errorf("no reference bundle in %s and no shared directory to build it from (pass --ref DIR, or put ../shared beside the checkout)", dir)
	}
	tmp := dir + ".building"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("build reference bundle: %w", err)
	}
	start := time.Now()
	if _, err := refdata.BuildMini(ctx, sharedDir, tmp); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("build reference bundle from %s: %w", filepath.Join(sharedDir, "refdata", "grch38-mini"), err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("build reference bundle: %w", err)
	}
	if log != nil {
		log.Info("reference bundle built", "dir", dir, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// Close stops the runner (executions stay RUNNING in the database and resume
// on the next Open) and closes the stores.
func (a *App) Close() error {
	a.closeOnce.Do(func() { a.closeErr = a.close() })
	return a.closeErr
}

func (a *App) close() error {
	var errs []error
	if a.stopEvents != nil {
		a.stopEvents()
	}
	a.sweeping.Wait()
	if a.Runner != nil {
		errs = append(errs, a.Runner.Close())
	}
	if a.Bundle != nil {
		errs = append(errs, a.Bundle.Close())
	}
	if a.DB != nil {
		errs = append(errs, a.DB.Close())
	}
	if a.unlock != nil {
		a.unlock()
	}
	return errors.Join(errs...)
}

// notifyRestores delivers the blob store's restore-completed notices to the
// restore-event handler as S3 events, as EventBridge delivers them to its
// Lambda on AWS: the handler resumes the restore step waiting for the job.
func (a *App) notifyRestores(h asl.Handler) error {
	ctx, stop := context.WithCancel(context.Background())
	a.stopEvents = stop
	log := a.Config.Logger
	err := a.Blobs.NotifyRestores(ctx, func(ctx context.Context, n fsblob.RestoreNotice) {
		ev, _ := json.Marshal(tasks.NewRestoreEvent(tasks.EventRestoreCompleted, statemachines.LocalBucket, n.Key, n.Until))
		if out, err := h(ctx, ev); err != nil {
			log.Error("restore event", "key", n.Key, "err", err)
		} else {
			log.Debug("restore event", "key", n.Key, "result", string(out))
		}
	})
	if err != nil {
		return fmt.Errorf("open app: restore notices: %w", err)
	}
	return nil
}

// OutboxDir is where this app's emails are written.
func (a *App) OutboxDir() string { return OutboxDir(a.Config.DataDir) }
