// Package httpguard holds the HTTP server's defences against slow and greedy
// clients, so that one client cannot hold the server's connections,
// goroutines or memory: header and idle timeouts, a header size cap, a body
// deadline that follows a minimum transfer rate, a cap on concurrent
// connections per client address, and the drain that lets a client still
// sending its body read a 413.
//
// `gas serve` uses Server and Listen; on AWS, API Gateway and Lambda do the
// same job (they buffer bodies and limit request time).
package httpguard

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"
)

// Config tunes the guards; zero fields get the defaults below.
type Config struct {
	ReadHeaderTimeout time.Duration // to read a request's headers (default 10 s)
	IdleTimeout       time.Duration // a keep-alive connection waiting for its next request (default 2 min)
	MaxHeaderBytes    int           // request line and headers (default 64 KiB)
	// A request body must arrive at MinBodyRate bytes per second on average
	// after the first BodyGrace; a slower client's connection is dropped.
	BodyGrace   time.Duration // default 10 s
	MinBodyRate int64         // default 16 KiB/s
	// MaxConnsPerClient caps the open connections of one client address
	// (default 64); more are answered 429 and closed.
	MaxConnsPerClient int
	// DrainLimit is the operator's largest upload: a 413 answer first reads
	// and discards the rest of a body of up to this size, so a client still
	// sending sees the answer instead of a reset connection.
	DrainLimit int64
}

// Defaults of Config.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultBodyGrace         = 10 * time.Second
	DefaultMinBodyRate       = 16 << 10
	DefaultMaxConnsPerClient = 64
)

func (c Config) withDefaults() Config {
	orDefault(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	orDefault(&c.IdleTimeout, DefaultIdleTimeout)
	orDefault(&c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	orDefault(&c.BodyGrace, DefaultBodyGrace)
	orDefault(&c.MinBodyRate, DefaultMinBodyRate)
	orDefault(&c.MaxConnsPerClient, DefaultMaxConnsPerClient)
	return c
}

// orDefault sets a setting that is zero or negative (unset) to d.
func orDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// Server returns an http.Server serving h behind the body guard, with the
// timeouts and header cap of cfg. There is no overall write timeout: large
// downloads may take long, and the per-client connection cap bounds what a
// client that stops reading can hold.
func Server(h http.Handler, cfg Config, log *slog.Logger) *http.Server {
	cfg = cfg.withDefaults()
	return &http.Server{
		Handler:           Body(h, cfg),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// ErrSlowBody is returned by a guarded body whose client sends slower than
// the minimum rate. It matches os.ErrDeadlineExceeded.
var ErrSlowBody = errors.New("request body arrives slower than the minimum transfer rate")

// Body guards every request body of h: a read deadline that moves with the
// bytes received (BodyGrace + bytes/MinBodyRate from the start of the
// request), and the 413 drain.
func Body(h http.Handler, cfg Config) http.Handler {
	cfg = cfg.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		b := &body{rc: r.Body, ctl: http.NewResponseController(w), start: time.Now(), grace: cfg.BodyGrace, rate: cfg.MinBodyRate}
		b.extend()
		r.Body = b
		dw := &drainWriter{ResponseWriter: w, body: b, limit: cfg.DrainLimit, length: r.ContentLength, expect: r.Header.Get("Expect") != ""}
		h.ServeHTTP(dw, r)
	})
}

// body is a request body with a rate-following read deadline.
type body struct {
	rc    io.ReadCloser
	ctl   *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int64
	n     int64
	eof   bool
	err   error
}

// extend sets the deadline by which the bytes read so far plus the next
// ones must have arrived.
func (b *body) extend() {
	d := b.start.Add(b.grace + time.Duration(float64(b.n)/float64(b.rate)*float64(time.Second)))
	b.ctl.SetReadDeadline(d) // an unsupported writer (tests' recorders) just has no deadline
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	b.extend()
	switch {
	case err == io.EOF:
		b.eof = true
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = slowBodyError{}
		b.err = err
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }

type slowBodyError struct{}

func (slowBodyError) Error() string { return ErrSlowBody.Error() }
func (slowBodyError) Is(target error) bool {
	return target == ErrSlowBody || target == os.ErrDeadlineExceeded
}

// drainWriter reads the rest of the body before a 413 goes out.
type drainWriter struct {
	http.ResponseWriter
	body    *body
	limit   int64
	length  int64 // Content-Length; -1 when unknown
	expect  bool  // Expect: 100-continue: the client waits for us before sending
	drained bool
}

func (d *drainWriter) WriteHeader(code int) {
	if code == http.StatusRequestEntityTooLarge && !d.drained {
		d.drained = true
		d.drain()
	}
	d.ResponseWriter.WriteHeader(code)
}

func (d *drainWriter) Write(p []byte) (int, error) {
	if !d.drained {
		d.drained = true // the status is 200 from here on
	}
	return d.ResponseWriter.Write(p)
}

// drain discards the body up to the limit, at the guarded rate. A body that
// is longer, a client that waits for "100 Continue", or a declared length
// over the limit are not read: the server closes that connection instead.
func (d *drainWriter) drain() {
	b := d.body
	if b.eof || d.limit <= 0 || (d.expect && b.n == 0) {
		return
	}
	if d.length > d.limit {
		return
	}
	io.CopyN(io.Discard, b, d.limit-b.n+1)
}

func (d *drainWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }
