package webui

import (
	"context"
	"embed"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/variants"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// UseCases are the shared use cases (internal/service) the portal calls; it
// reaches jobs, profiles, files and executions only through them.
type UseCases interface {
	// SubmitJob stores the upload and starts its annotation; over the cap it
	// fails with domain.ErrTooLarge and leaves nothing behind.
	SubmitJob(ctx context.Context, req service.SubmitRequest) (domain.Job, error)
	// StartJob starts the job of an input already in the store (a direct
	// upload); it checks the key is the user's and the size within the cap.
	StartJob(ctx context.Context, req service.StartRequest) (domain.Job, error)
	// Upgrade makes the user premium and starts restoring their archive
	// (the restore named after eventID; "" for a random name).
	Upgrade(ctx context.Context, userID, eventID string) (domain.Profile, string, error)
	// RetryRestore starts another restore for the owner of an archived job
	// the last restore gave up on; "" when there was nothing to start.
	RetryRestore(ctx context.Context, viewer domain.Profile, jobID string) (string, error)
	// UpdateProfile sets the user's name and institution.
	UpdateProfile(ctx context.Context, userID, name, institution string) (domain.Profile, error)

	// Job returns a job its owner or an auditor may see, else domain.ErrNotFound.
	Job(ctx context.Context, viewer domain.Profile, jobID string) (domain.Job, error)
	// ListJobs lists the viewer's own jobs, newest first.
	ListJobs(ctx context.Context, viewer domain.Profile, cursor string, limit int) ([]domain.Job, string, error)
	// Owner is the profile of the job's owner.
	Owner(ctx context.Context, viewer domain.Profile, j domain.Job) (domain.Profile, error)
	// ArchiveAt is when a free owner's result will be archived (zero: never).
	ArchiveAt(owner domain.Profile, j domain.Job) time.Time
	// OpenJobFile opens a job's input, result or log for the viewer.
	OpenJobFile(ctx context.Context, viewer domain.Profile, jobID string, kind service.FileKind) (io.ReadCloser, domain.Job, error)
	// JobFileKey is the storage key of a job's file the viewer may read now.
	JobFileKey(ctx context.Context, viewer domain.Profile, jobID string, kind service.FileKind) (string, domain.Job, error)
	// ResultFile says where a download of the job's result in a format comes from.
	ResultFile(ctx context.Context, viewer domain.Profile, jobID, format string) (service.ResultFile, error)
	// OpenResult opens the job's result in a format (vcf, vcf.gz, tbi, tsv).
	OpenResult(ctx context.Context, viewer domain.Profile, jobID, format string) (io.ReadCloser, service.ResultFile, error)
	// DeleteJob removes the owner's finished job and all its files.
	DeleteJob(ctx context.Context, viewer domain.Profile, jobID string) (domain.Job, error)
	// Rerun starts a new job from a job's stored input with new options.
	Rerun(ctx context.Context, viewer domain.Profile, jobID string, opts domain.RunOptions) (domain.Job, error)
	// Variants answers one page of the job's per-variant table.
	Variants(ctx context.Context, viewer domain.Profile, jobID string, q variants.Query) (variants.Page, domain.Job, error)
	// ExportVariants writes every row matching q's filters as TSV.
	ExportVariants(ctx context.Context, viewer domain.Profile, jobID string, q variants.Query, w io.Writer) (domain.Job, error)
	// JobHistory returns the job, its execution and the execution's events.
	JobHistory(ctx context.Context, viewer domain.Profile, jobID string) (domain.Job, domain.Execution, []domain.HistoryEvent, error)
	// AuditTrail is the job's history, record and file hashes (archived when exported).
	AuditTrail(ctx context.Context, viewer domain.Profile, jobID string) (audit.Record, error)
	// Execution returns an execution the viewer may see, with its events.
	Execution(ctx context.Context, viewer domain.Profile, id string) (domain.Execution, []domain.HistoryEvent, error)
	// MapRuns lists the Distributed Map runs of a history already shown, with their child executions.
	MapRuns(ctx context.Context, events []domain.HistoryEvent) ([]service.MapRun, error)
	// Audit lists every user's executions, for auditors.
	Audit(ctx context.Context, viewer domain.Profile, f service.AuditFilter) ([]service.AuditRow, string, error)

	// Direct reports whether browsers upload to and download from the object
	// store itself; NewDirectUpload, FinishDirectUpload and DownloadLink do that.
	Direct() bool
	NewDirectUpload(ctx context.Context, viewer domain.Profile) (service.DirectUpload, error)
	FinishDirectUpload(ctx context.Context, viewer domain.Profile, jobID, key string, opts domain.RunOptions) (domain.Job, error)
	DownloadLink(ctx context.Context, viewer domain.Profile, jobID string, kind service.FileKind) (string, error)
	ResultLink(ctx context.Context, viewer domain.Profile, jobID, format string) (service.ResultDownload, error)

	// UploadCap is the largest input the user may submit (0: no cap).
	UploadCap(p domain.Profile) int64
	// Config holds the caps and the retention the service applies.
	Config() service.Config
}

var _ UseCases = (*service.Service)(nil)

// Checkout starts a paid subscription (Stripe Checkout on AWS and when keys
// are configured). Without one the portal runs billing in a labelled test
// mode: upgrading is immediate and free.
type Checkout interface {
	// CheckoutURL returns the payment page to send the user to; the payment
	// provider's webhook (Config.Webhook) makes the user premium.
	CheckoutURL(ctx context.Context, user domain.Profile, successURL, cancelURL string) (string, error)
}

// Config is what the portal needs: the use cases, sign-in, billing and
// presentation settings. Service and Auth are required. The upload caps and
// the retention come from the service.
type Config struct {
	Service  UseCases
	Auth     *auth.Service
	OIDC     *auth.OIDC // nil: no "sign in with" button
	OIDCName string     // label of the OIDC button, e.g. "Globus"
	// Checkout and Webhook switch billing from test mode to a payment
	// provider; Webhook is served at POST /webhooks/stripe.
	Checkout Checkout
	Webhook  http.Handler
	// NoTestMode refuses upgrades while Checkout is nil (errNoBilling),
	// instead of the test mode that upgrades without payment. On AWS it is
	// set unless the operator deployed with billingTestMode=true: billing
	// fails closed until the Stripe keys are configured.
	NoTestMode bool
	// BaseURL is the portal's public URL, for the payment provider's return links.
	BaseURL string

	// RestoreEstimate is shown while a restore runs and the job has no estimate of its own.
	RestoreEstimate time.Duration
	// SecureCookies forces the Secure flag; it is also set for requests that arrived over HTTPS.
	SecureCookies bool
	// RequestLimit, when positive, caps what the portal carries itself (the
	// request body) below the premium cap, e.g. under a Lambda's payload
	// limit while direct uploads (service.Ports.Direct) go up to the caps.
	// Required when the service has no upload limit.
	RequestLimit int64
	Log          *slog.Logger
	Now          func() time.Time
}

// Server is the portal and API.
type Server struct {
	cfg       Config
	maxUpload int64 // the premium cap: the largest upload anyone may make through the portal
	pages     *pages
	rows      *rowCache // rendered job list rows (rowcache.go)
	mux       *http.ServeMux
}

// New checks cfg and builds the handler.
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil || cfg.Auth == nil {
		return nil, errors.New("webui: Service and Auth are required")
	}
	maxUpload := cfg.Service.Config().UploadLimit
	if maxUpload <= 0 {
		maxUpload = cfg.RequestLimit // the service has no limit: the portal's own is the cap
	}
	if maxUpload <= 0 {
		return nil, errors.New("webui: the service's UploadLimit or RequestLimit must be positive")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RestoreEstimate == 0 {
		cfg.RestoreEstimate = 5 * time.Minute
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, maxUpload: maxUpload, pages: p, rows: newRowCache(), mux: http.NewServeMux()}
	s.routes()
	return s, nil
}

// ServeHTTP serves the portal, the API and the static assets.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.setSecurityHeaders(w, r)
	defer s.recoverPanic(w, r)
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.unrouted(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := s.mux
	// Pages open to everyone.
	m.Handle("GET /static/{file}", http.FileServerFS(staticFS)) // files only, no directory listing
	m.HandleFunc("GET /{$}", s.page(s.home))
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	m.HandleFunc("GET /signup", s.page(s.signUpForm))
	m.HandleFunc("POST /signup", s.form(s.signUp))
	m.HandleFunc("GET /signup/sent", s.page(s.signUpSent))
	m.HandleFunc("GET /signup/confirm", s.page(s.confirmForm))
	m.HandleFunc("POST /signup/confirm", s.form(s.confirm))
	m.HandleFunc("GET /signin/forgot", s.page(s.forgotForm))
	m.HandleFunc("POST /signin/forgot", s.form(s.forgot))
	m.HandleFunc("GET /signin/forgot/sent", s.page(s.resetSent))
	m.HandleFunc("GET /signin/reset", s.page(s.resetForm))
	m.HandleFunc("POST /signin/reset", s.form(s.reset))
	m.HandleFunc("GET /signin", s.page(s.signInForm))
	m.HandleFunc("POST /signin", s.form(s.signIn))
	m.HandleFunc("POST /signout", s.form(s.signOut))
	m.HandleFunc("GET /auth/oidc/login", s.page(s.oidcLogin))
	m.HandleFunc("GET /auth/oidc/callback", s.page(s.oidcCallback))

	// Pages for signed-in users.
	m.HandleFunc("GET /profile", s.page(s.signedIn(s.profile)))
	m.HandleFunc("POST /profile", s.form(s.signedIn(s.updateProfile)))
	m.HandleFunc("POST /profile/tokens", s.form(s.signedIn(s.createToken)))
	m.HandleFunc("POST /profile/tokens/{tid}/revoke", s.form(s.signedIn(s.revokeToken)))
	m.HandleFunc("GET /annotate", s.page(s.signedIn(s.annotateForm)))
	m.HandleFunc("POST /annotate", s.upload(s.signedIn(s.annotate)))
	if s.cfg.Service.Direct() {
		m.HandleFunc("GET "+uploadedPath, s.page(s.signedIn(s.uploaded)))
	}
	m.HandleFunc("GET /jobs", s.page(s.signedIn(s.jobList)))
	m.HandleFunc("GET /jobs/{id}", s.page(s.signedIn(s.jobDetail)))
	m.HandleFunc("GET /jobs/{id}/submitted", s.page(s.signedIn(s.submitted)))
	m.HandleFunc("GET /jobs/{id}/input", s.page(s.signedIn(s.downloadInput)))
	m.HandleFunc("GET /jobs/{id}/result", s.page(s.signedIn(s.downloadResult)))
	m.HandleFunc("GET /jobs/{id}/log", s.page(s.signedIn(s.logView)))
	m.HandleFunc("GET /jobs/{id}/variants", s.page(s.signedIn(s.variantsView))) // variants.go
	m.HandleFunc("GET /jobs/{id}/history", s.page(s.signedIn(s.historyView)))
	m.HandleFunc("GET /jobs/{id}/audit", s.page(s.signedIn(s.auditTrail)))      // trail.go
	m.HandleFunc("POST /jobs/{id}/restore", s.form(s.signedIn(s.retryRestore))) // restore.go
	m.HandleFunc("GET /jobs/{id}/delete", s.page(s.signedIn(s.deleteConfirm)))  // manage.go
	m.HandleFunc("POST /jobs/{id}/delete", s.form(s.signedIn(s.deleteJob)))
	m.HandleFunc("POST /jobs/{id}/rerun", s.form(s.signedIn(s.rerun)))
	// {eid...}: on AWS a map run child's id holds a "/" (execution:<machine>/<map>:<id>),
	// which API Gateway's HTTP API hands over decoded.
	m.HandleFunc("GET /executions/{eid...}", s.page(s.signedIn(s.executionView)))
	m.HandleFunc("GET /audit", s.page(s.signedIn(s.auditView)))
	m.HandleFunc("GET /subscribe", s.page(s.signedIn(s.subscribeForm)))
	m.HandleFunc("POST /subscribe", s.form(s.signedIn(s.subscribe)))
	m.HandleFunc("POST /subscribe/manage", s.form(s.signedIn(s.manageSubscription))) // billing.go
	if s.cfg.Webhook != nil {
		// Signed by the provider, not by our CSRF token; the handler checks the signature.
		m.Handle("POST /webhooks/stripe", http.MaxBytesHandler(s.cfg.Webhook, 1<<20))
	}

	// JSON API.
	m.HandleFunc("GET /api/v1/openapi.json", apiDocument) // openapi.go
	m.HandleFunc("GET /docs/api", s.page(s.apiDocs))
	m.HandleFunc("POST /api/v1/jobs", s.api(s.apiSubmit))
	m.HandleFunc("GET /api/v1/jobs", s.api(s.apiList))
	m.HandleFunc("GET /api/v1/jobs/{id}", s.api(s.apiJob))
	m.HandleFunc("GET /api/v1/jobs/{id}/input", s.api(s.apiInput))
	m.HandleFunc("GET /api/v1/jobs/{id}/result", s.api(s.apiResult))
	m.HandleFunc("GET /api/v1/jobs/{id}/log", s.api(s.apiLog))
	m.HandleFunc("GET /api/v1/jobs/{id}/variants", s.api(s.apiVariants))
	m.HandleFunc("GET /api/v1/jobs/{id}/history", s.api(s.apiHistory))
	m.HandleFunc("GET /api/v1/jobs/{id}/audit", s.api(s.auditTrail))
	m.HandleFunc("POST /api/v1/jobs/{id}/restore", s.api(s.apiRetryRestore))
	m.HandleFunc("DELETE /api/v1/jobs/{id}", s.api(s.apiDelete))
	m.HandleFunc("POST /api/v1/jobs/{id}/rerun", s.api(s.apiRerun))
	m.HandleFunc("GET /api/v1/account", s.api(s.apiAccount))
	m.HandleFunc("POST /api/v1/account/upgrade", s.api(s.apiUpgrade))
}
