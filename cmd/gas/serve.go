package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/app"
	"github.com/gasproject/gas/internal/auth"
	"github.com/gasproject/gas/internal/billing"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/httpguard"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/shareddir"
	"github.com/gasproject/gas/internal/tasks"
	"github.com/gasproject/gas/webui"
)

// Defaults of `gas serve`.
const (
	defaultAddr      = "127.0.0.1:8080"
	defaultMaxUpload = 100_000_000 // 100 MB
)

// serveFlags are the settings of `gas serve`; each flag's default comes from its env var.
type serveFlags struct {
	addr, data, ref, shared, baseURL string
	retention, restoreRetry          time.Duration
	freeCap, maxUpload               int64
	maxConnsPerClient                int
	secureCookies                    bool
	oidcIssuer, oidcClientID         string
	oidcName                         string
	shards                           tasks.ShardConfig
	cpuProfile                       string
}

func parseServeFlags(args []string) (serveFlags, error) {
	var f serveFlags
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&f.addr, "addr", envOr("GAS_ADDR", defaultAddr), "listen address (env GAS_ADDR)")
	fs.StringVar(&f.data, "data", app.DataDirFromEnv(), "data directory: database, blobs, outbox, bundle (env GAS_DATA)")
	fs.StringVar(&f.ref, "ref", os.Getenv("GAS_REF"), "reference bundle directory; default DATA/refdata, built on first start (env GAS_REF)")
	fs.StringVar(&f.shared, "shared", os.Getenv("GAS_SHARED"), "shared directory holding refdata/grch38-mini, to build the bundle from; default ../shared (env GAS_SHARED)")
	fs.StringVar(&f.baseURL, "base-url", os.Getenv("GAS_BASE_URL"), "public URL of the portal, for links in emails; default http://ADDR (env GAS_BASE_URL)")
	retention, err := envDuration("GAS_RETENTION", service.DefaultRetention)
	if err != nil {
		return f, err
	}
	fs.DurationVar(&f.retention, "retention", retention, "how long a free user's result stays downloadable before archiving (env GAS_RETENTION)")
	restoreRetry, err := envDuration("GAS_RESTORE_RETRY", app.DefaultRestoreRetry)
	if err != nil {
		return f, err
	}
	fs.DurationVar(&f.restoreRetry, "restore-retry", restoreRetry, "wait between rounds of a restore that had failures (env GAS_RESTORE_RETRY)")
	freeCap, err := envSize("GAS_FREE_CAP", service.DefaultFreeCap)
	if err != nil {
		return f, err
	}
	maxUpload, err := envSize("GAS_MAX_UPLOAD", defaultMaxUpload)
	if err != nil {
		return f, err
	}
	f.freeCap, f.maxUpload = freeCap, maxUpload
	fs.Func("free-cap", "largest upload of a free user, e.g. 150KB, 1MiB or bytes (env GAS_FREE_CAP; default 150KB)", sizeSetter(&f.freeCap))
	fs.Func("max-upload", "operator limit on any upload, premium included (env GAS_MAX_UPLOAD; default 100MB)", sizeSetter(&f.maxUpload))
	maxConns, err := envInt("GAS_MAX_CONNS_PER_CLIENT", httpguard.DefaultMaxConnsPerClient)
	if err != nil {
		return f, err
	}
	shardRecords, err := envInt("GAS_SHARD_RECORDS", 500_000)
	if err != nil {
		return f, err
	}
	shardMin, err := envInt("GAS_SHARD_MIN_RECORDS", 50_000)
	if err != nil {
		return f, err
	}
	shardConc, err := envInt("GAS_SHARD_CONCURRENCY", 0)
	if err != nil {
		return f, err
	}
	var sr, sm int
	fs.IntVar(&sr, "shard-records", shardRecords, "most records in one shard of a job (env GAS_SHARD_RECORDS)")
	fs.IntVar(&sm, "shard-min-records", shardMin, "a chromosome change starts a new shard only past this many records; smaller inputs are one shard (env GAS_SHARD_MIN_RECORDS)")
	fs.IntVar(&f.shards.MaxConcurrency, "shard-concurrency", shardConc, "shards annotated at once; 0 is one per CPU (env GAS_SHARD_CONCURRENCY)")
	fs.IntVar(&f.maxConnsPerClient, "max-conns-per-client", maxConns, "open connections one client address may hold; more get 429 (env GAS_MAX_CONNS_PER_CLIENT)")
	fs.BoolVar(&f.secureCookies, "secure-cookies", os.Getenv("GAS_SECURE_COOKIES") == "true", "always mark cookies Secure (they are anyway for HTTPS requests) (env GAS_SECURE_COOKIES=true)")
	fs.StringVar(&f.oidcIssuer, "oidc-issuer", os.Getenv("GAS_OIDC_ISSUER"), "OIDC issuer URL; enables \"sign in with\" (env GAS_OIDC_ISSUER; secret in GAS_OIDC_CLIENT_SECRET)")
	fs.StringVar(&f.oidcClientID, "oidc-client-id", os.Getenv("GAS_OIDC_CLIENT_ID"), "OIDC client id (env GAS_OIDC_CLIENT_ID)")
	fs.StringVar(&f.oidcName, "oidc-name", envOr("GAS_OIDC_NAME", "single sign-on"), "label of the OIDC sign-in button (env GAS_OIDC_NAME)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the whole run to this file, until shutdown (for performance work)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: gas serve [flags]\n\nRuns the portal, the JSON API, the workflow runner and the embedded storage on one machine.\nThe signing key is GAS_SECRET_KEY (hex or base64, 32+ bytes) or DATA/secret.key, made on first start.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	f.shards.Records, f.shards.MinRecords = int64(sr), int64(sm)
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if f.retention <= 0 {
		return f, fmt.Errorf("--retention must be positive, got %v", f.retention)
	}
	if f.restoreRetry <= 0 {
		return f, fmt.Errorf("--restore-retry must be positive, got %v", f.restoreRetry)
	}
	if f.freeCap <= 0 || f.maxUpload <= 0 {
		return f, errors.New("--free-cap and --max-upload must be positive")
	}
	if f.baseURL == "" {
		f.baseURL = "http://" + f.addr
	}
	if f.shared == "" && f.ref == "" {
		if d, err := shareddir.Find(); err == nil {
			f.shared = d
		}
	}
	return f, nil
}

// runServe runs everything on one machine until ctx ends (SIGINT/SIGTERM),
// then drains requests and closes the stores.
func runServe(ctx context.Context, args []string) error {
	f, err := parseServeFlags(args)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	start := time.Now()
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	stripeCfg, err := billing.ConfigFromEnv(os.Getenv) // GAS_STRIPE_*: none set means test-mode billing
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, app.Config{
		DataDir: f.data, RefDir: f.ref, SharedDir: f.shared, Retention: f.retention, RestoreRetry: f.restoreRetry,
		FreeCap: f.freeCap, UploadLimit: f.maxUpload, BaseURL: f.baseURL, Logger: log, Stripe: stripeCfg,
		Shards: f.shards,
	})
	if err != nil {
		return err
	}
	defer a.Close()
	key, err := loadKey(f.data)
	if err != nil {
		return err
	}
	authSvc, err := auth.New(a.Profiles, a.DB.Auth(), auth.Config{Key: key, Mailer: a.Mailer, BaseURL: f.baseURL})
	if err != nil {
		return err
	}
	cfg := webui.Config{
		Service: a.Service, Auth: authSvc,
		RestoreEstimate: a.Config.RestoreDelays[domain.TierExpedited], SecureCookies: f.secureCookies, Log: log,
		BaseURL: f.baseURL,
	}
	if a.Billing != nil {
		cfg.Checkout, cfg.Webhook = a.Billing, a.Billing.Webhook()
	}
	if f.oidcIssuer != "" {
		cfg.OIDC, err = authSvc.NewOIDC(ctx, auth.OIDCConfig{
			Issuer: f.oidcIssuer, ClientID: f.oidcClientID, ClientSecret: os.Getenv("GAS_OIDC_CLIENT_SECRET"),
			RedirectURL: strings.TrimSuffix(f.baseURL, "/") + "/auth/oidc/callback",
		})
		if err != nil {
			return err
		}
		cfg.OIDCName = f.oidcName
	}
	portal, err := webui.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.addr, err)
	}
	guard := httpguard.Config{MaxConnsPerClient: f.maxConnsPerClient, DrainLimit: f.maxUpload + webui.UploadOverhead}
	ln = httpguard.Listen(ln, guard)
	srv := httpguard.Server(accessLog(log, portal), guard, log)
	log.Info("GAS is up", "url", "http://"+ln.Addr().String(), "data", f.data, "retention", f.retention,
		"free_cap", f.freeCap, "max_upload", f.maxUpload, "stripe", a.Billing != nil, "startup", time.Since(start).Round(time.Millisecond))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	return nil // deferred Close stops the runner; running executions resume on the next start
}

// accessLog logs one line per request (never the query: it may hold cursors, not secrets, but keep logs lean).
func accessLog(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if strings.HasPrefix(r.URL.Path, "/static/") {
			return
		}
		log.Info("http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", time.Since(start).Round(time.Microsecond))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int)        { s.status = code; s.ResponseWriter.WriteHeader(code) }
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// loadKey returns the key that signs CSRF tokens and OIDC state:
// GAS_SECRET_KEY, or DATA/secret.key (made on first use, mode 0600).
// Every instance serving the same users must use the same key.
func loadKey(dataDir string) ([]byte, error) {
	if s := os.Getenv("GAS_SECRET_KEY"); s != "" {
		for _, dec := range []func(string) ([]byte, error){hex.DecodeString, base64.StdEncoding.DecodeString, base64.RawURLEncoding.DecodeString} {
			if k, err := dec(s); err == nil && len(k) >= 32 {
				return k, nil
			}
		}
		return nil, errors.New("GAS_SECRET_KEY must be 32 or more bytes, hex or base64 encoded")
	}
	path := filepath.Join(dataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) < 32 {
			return nil, fmt.Errorf("%s: want 64+ hex digits", path)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("make key: %w", err)
	}
	k := make([]byte, 32)
	rand.Read(k)
	// O_EXCL: if two processes race, one writes and the other reads it back.
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadKey(dataDir)
	}
	if err != nil {
		return nil, fmt.Errorf("make key: %w", err)
	}
	defer fh.Close()
	if _, err := fmt.Fprintln(fh, hex.EncodeToString(k)); err != nil {
		return nil, fmt.Errorf("write key %s: %w", path, err)
	}
	return k, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %w", name, v, err)
	}
	return d, nil
}

func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive integer", name, v)
	}
	return n, nil
}

func envSize(name string, def int64) (int64, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := parseSize(v)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return n, nil
}

func sizeSetter(dst *int64) func(string) error {
	return func(s string) error {
		n, err := parseSize(s)
		if err == nil {
			*dst = n
		}
		return err
	}
}

// parseSize reads "150KB" (1000s), "150KiB" (1024s), "2MB", "1GiB" or plain bytes.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if len(t) > len(u.suffix) && strings.EqualFold(t[len(t)-len(u.suffix):], u.suffix) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: want a positive number with an optional unit (KB, MB, KiB, MiB, ...)", s)
	}
	return int64(n * float64(mult)), nil
}
