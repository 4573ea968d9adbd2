// Package s3fake is an in-process S3 for tests: gofakes3 stores the bytes
// and serves the ordinary object API, and this package adds what gofakes3
// lacks and GAS relies on:
//
//   - the GLACIER storage class: CopyObject with x-amz-storage-class, GetObject
//     and CopyObject refusing an unrestored archive (403 InvalidObjectState),
//     RestoreObject with its tiers (202, 409 RestoreAlreadyInProgress, 200 to
//     extend, 503 GlacierExpeditedRetrievalNotAvailable on demand), and
//     HeadObject's x-amz-storage-class and x-amz-restore headers;
//   - browser POST uploads checked against their signed policy (signature,
//     expiry, every condition, content-length-range), as S3 does;
//   - UploadPartCopy (gofakes3 v1.2.0 has none: its UploadPart ignores
//     x-amz-copy-source and refuses the body-less request with
//     MissingContentLength), with x-amz-copy-source-range, and S3's
//     EntityTooSmall for a part under 5 MiB that is not the last.
//
// The server's clock is under the test's control (Advance, CompleteRestores),
// so restore expiry can be tested without waiting. Requests must be
// path-style (http://host/bucket/key).
package s3fake

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Credentials the fake accepts for signed POST uploads.
const (
	AccessKeyID     = "AKIAGASFAKE000000000"
	SecretAccessKey = "gas-fake-secret-access-key-0000000000000"
	Region          = "us-east-1"
)

// Server is the fake. It implements http.Handler.
type Server struct {
	backend *s3mem.Backend
	s3      http.Handler

	mu                   sync.Mutex
	now                  time.Time
	objects              map[string]*archive // bucket + "/" + key -> state of GLACIER objects
	expeditedUnavailable bool
	partSizes            map[string]int64 // uploadId + "/" + partNumber -> bytes
	stats                MultipartStats
	policy               *policy // Enforce's role; nil: every call is allowed
}

// archive is the Glacier state of one object; objects absent from the map are STANDARD.
type archive struct {
	restoring     bool
	days          int
	restoredUntil time.Time // zero: never restored
}

// New returns a fake holding the given (empty) buckets.
func New(buckets ...string) (*Server, error) {
	s := &Server{
		backend: s3mem.New(),
		now:     time.Now().UTC().Truncate(time.Second),
		objects: map[string]*archive{},

		partSizes: map[string]int64{},
	}
	s.backend = s3mem.New(s3mem.WithTimeSource(clock{s}))
	s.s3 = gofakes3.New(s.backend, gofakes3.WithTimeSource(clock{s}), gofakes3.WithTimeSkewLimit(0)).Server()
	for _, b := range buckets {
		if err := s.backend.CreateBucket(b); err != nil {
			return nil, fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	return s, nil
}

// clock lets gofakes3 share the fake's controllable time.
type clock struct{ s *Server }

func (c clock) Now() time.Time                  { return c.s.Now() }
func (c clock) Since(t time.Time) time.Duration { return c.s.Now().Sub(t) }

// Now is the fake's current time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// Advance moves the clock forward; restored copies expire when their time comes.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
}

// SetExpeditedUnavailable makes Expedited restores fail as when AWS has no capacity.
func (s *Server) SetExpeditedUnavailable(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expeditedUnavailable = v
}

// CompleteRestores finishes every restore in flight. Like S3, the copy stays
// readable until the midnight UTC after completion plus its days.
func (s *Server) CompleteRestores() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.objects {
		if a.restoring {
			a.restoring = false
			a.restoredUntil = expiry(s.now, a.days)
		}
	}
}

func expiry(now time.Time, days int) time.Time {
	return now.AddDate(0, 0, days).Truncate(24 * time.Hour).Add(24 * time.Hour)
}

// ServeHTTP routes a request to the Glacier layer, the POST checker or gofakes3.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	if !s.authorize(w, r, bucket, key) {
		return
	}
	switch {
	case r.Method == http.MethodPost && key == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data"):
		s.postUpload(w, r, bucket)
	case r.Method == http.MethodPost && q.Has("restore"):
		s.restore(w, r, bucket, key)
	case r.Method == http.MethodGet && key != "" && !q.Has("uploadId"):
		if s.archived(bucket, key) {
			writeError(w, http.StatusForbidden, "InvalidObjectState", "The operation is not valid for the object's storage class")
			return
		}
		s.s3.ServeHTTP(w, r)
	case r.Method == http.MethodHead && key != "":
		s.head(w, r, bucket, key)
	case r.Method == http.MethodPut && key != "" && q.Has("uploadId") && q.Has("partNumber"):
		s.uploadPart(w, r, bucket, key)
	case r.Method == http.MethodPost && key != "" && q.Has("uploadId") && s.completeTooSmall(r):
		writeError(w, http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
	case r.Method == http.MethodPut && key != "" && r.Header.Get("X-Amz-Copy-Source") != "" && !q.Has("uploadId"):
		s.copyObject(w, r, bucket, key)
	case r.Method == http.MethodPut && key != "" && !q.Has("uploadId"),
		r.Method == http.MethodPost && key != "" && q.Has("uploadId"), // CompleteMultipartUpload
		r.Method == http.MethodDelete && key != "" && !q.Has("uploadId"):
		// A new object, or none: STANDARD again (once gofakes3 agreed).
		rec := &statusRecorder{ResponseWriter: w}
		s.s3.ServeHTTP(rec, r)
		if rec.status < 300 {
			s.setClass(bucket, key, r.Header.Get("X-Amz-Storage-Class"))
		}
	default:
		s.s3.ServeHTTP(w, r)
	}
}

// archived reports whether an object is GLACIER and not readable now.
func (s *Server) archived(bucket, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.objects[bucket+"/"+key]
	return ok && (a.restoring || !s.now.Before(a.restoredUntil))
}

func (s *Server) setClass(bucket, key, class string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if class == "GLACIER" {
		s.objects[bucket+"/"+key] = &archive{}
	} else {
		delete(s.objects, bucket+"/"+key)
	}
}

// head answers HeadObject with the class and restore status this layer
// keeps. gofakes3 echoes every x-amz-* request header it stored with the
// object, so its own x-amz-storage-class is replaced, not trusted.
func (s *Server) head(w http.ResponseWriter, r *http.Request, bucket, key string) {
	class, restore := "", ""
	s.mu.Lock()
	if a, ok := s.objects[bucket+"/"+key]; ok {
		class = "GLACIER"
		switch {
		case a.restoring:
			restore = `ongoing-request="true"`
		case s.now.Before(a.restoredUntil):
			restore = fmt.Sprintf(`ongoing-request="false", expiry-date="%s"`, a.restoredUntil.Format(http.TimeFormat))
		}
	}
	s.mu.Unlock()
	fix := &headerFixer{ResponseWriter: w, set: map[string]string{
		"X-Amz-Storage-Class": class, "X-Amz-Restore": restore,
	}}
	s.s3.ServeHTTP(fix, r)
	if !fix.written { // gofakes3 answers HEAD without writing anything
		fix.WriteHeader(http.StatusOK)
	}
}

// headerFixer sets (or, for "", removes) headers just before the status is written.
type headerFixer struct {
	http.ResponseWriter
	set     map[string]string
	written bool
}

func (h *headerFixer) WriteHeader(code int) {
	if !h.written {
		h.written = true
		for k, v := range h.set {
			if v == "" {
				h.Header().Del(k)
			} else {
				h.Header().Set(k, v)
			}
		}
	}
	h.ResponseWriter.WriteHeader(code)
}

func (h *headerFixer) Write(b []byte) (int, error) {
	if !h.written {
		h.WriteHeader(http.StatusOK)
	}
	return h.ResponseWriter.Write(b)
}

func (s *Server) copyObject(w http.ResponseWriter, r *http.Request, bucket, key string) {
	src, err := url.PathUnescape(strings.TrimPrefix(r.Header.Get("X-Amz-Copy-Source"), "/"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidArgument", "bad x-amz-copy-source")
		return
	}
	srcBucket, srcKey, _ := strings.Cut(src, "/")
	if s.archived(srcBucket, srcKey) {
		writeError(w, http.StatusForbidden, "InvalidObjectState", "The source object of the COPY action is not in the active tier")
		return
	}
	rec := &statusRecorder{ResponseWriter: w}
	s.s3.ServeHTTP(rec, r)
	if rec.status < 300 {
		s.setClass(bucket, key, r.Header.Get("X-Amz-Storage-Class"))
	}
}

// restoreRequest is the body of RestoreObject.
type restoreRequest struct {
	Days int    `xml:"Days"`
	Tier string `xml:"GlacierJobParameters>Tier"`
}

func (s *Server) restore(w http.ResponseWriter, r *http.Request, bucket, key string) {
	var req restoreRequest
	if err := xml.NewDecoder(r.Body).Decode(&req); err != nil || req.Days < 1 {
		writeError(w, http.StatusBadRequest, "MalformedXML", "bad RestoreRequest")
		return
	}
	if _, err := s.backend.HeadObject(bucket, key); err != nil {
		writeError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.objects[bucket+"/"+key]
	switch {
	case !ok:
		writeError(w, http.StatusForbidden, "InvalidObjectState", "Restore is not allowed for the object's current storage class")
	case a.restoring:
		writeError(w, http.StatusConflict, "RestoreAlreadyInProgress", "Object restore is already in progress")
	case s.now.Before(a.restoredUntil):
		a.restoredUntil = expiry(s.now, req.Days) // extends the restored copy's life
		w.WriteHeader(http.StatusOK)
	case req.Tier == "Expedited" && s.expeditedUnavailable:
		writeError(w, http.StatusServiceUnavailable, "GlacierExpeditedRetrievalNotAvailable", "Glacier expedited retrievals are currently not available, please try again later")
	default:
		a.restoring, a.days = true, req.Days
		w.WriteHeader(http.StatusAccepted)
	}
}

// statusRecorder remembers the status gofakes3 answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, xmlEscape(msg))
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Config returns an AWS configuration for an endpoint at url that serves the
// fake (alone or behind a router with other emulators), signing with the
// fake's credentials.
func Config(url string) aws.Config {
	return aws.Config{Region: Region, BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, "")}
}

// Client returns a path-style S3 client for the fake served at url.
func Client(url string) *s3.Client {
	return s3.New(s3.Options{
		Region: Region, BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
	})
}
