package webui

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/httpguard"
	"github.com/gasproject/gas/internal/service"
)

type annotatePage struct {
	Cap        int64
	Premium    bool
	PremiumCap int64
	Auditor    bool
	Direct     *directForm // set when the browser uploads straight to the object store (direct.go)
}

func (s *Server) annotateForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := rq.viewer
	page := annotatePage{Cap: s.capFor(v), Premium: v.Premium(), PremiumCap: s.maxUpload, Auditor: v.Auditor}
	if s.cfg.Service.Direct() && !v.Auditor {
		f, err := s.newDirectForm(r.Context(), v)
		if err != nil {
			return err
		}
		page.Direct = f
		// The script posts to the bucket, so this page may connect to it.
		s.setCSP(w, originOf(f.URL))
	} else {
		page.Cap = min(page.Cap, s.bodyLimit())
	}
	s.render(w, r, rq, http.StatusOK, "annotate", "Annotate a VCF", page)
	return nil
}

// annotate takes the upload form. The page's script posts it with
// XMLHttpRequest (for the progress bar) and gets JSON back; without
// JavaScript the browser posts it and follows a redirect.
func (s *Server) annotate(w http.ResponseWriter, r *http.Request, rq *request) error {
	xhr := r.Header.Get("X-Requested-With") == "XMLHttpRequest"
	csrfOK := s.cfg.Auth.ValidCSRF(cookieValue(r, csrfCookie), r.Header.Get("X-CSRF-Token"))
	j, err := s.receiveUpload(r, rq.viewer, func(field string) bool {
		csrfOK = csrfOK || s.cfg.Auth.ValidCSRF(cookieValue(r, csrfCookie), field)
		return csrfOK
	})
	if err != nil {
		if xhr {
			s.apiFail(w, r, err)
			return nil
		}
		return err
	}
	next := "/jobs/" + j.ID + "/submitted"
	if xhr {
		writeJSON(w, http.StatusCreated, map[string]string{"id": j.ID, "redirect": next})
		return nil
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// receiveUpload streams the multipart field "file" into a new job. csrf,
// when not nil, is given the "csrf" field if one comes before the file and
// must approve before the file is read.
// uploadReadBuffer is how much of an upload's body is read from the
// connection at a time (held once per upload in progress).
const uploadReadBuffer = 256 << 10

func (s *Server) receiveUpload(r *http.Request, v *domain.Profile, csrf func(field string) bool) (domain.Job, error) {
	if v.Auditor {
		return domain.Job{}, errAuditorWrite
	}
	if r.ContentLength > min(s.capFor(v), s.bodyLimit())+uploadOverhead {
		// Refuse before reading a byte: the size alone decides.
		return domain.Job{}, s.tooLarge(v, "the file")
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return domain.Job{}, public(&statusError{http.StatusBadRequest, "send the VCF as multipart/form-data in the field \"file\""})
	}
	if params["boundary"] == "" {
		return domain.Job{}, public(&statusError{http.StatusBadRequest, "malformed multipart body: no boundary in the Content-Type header"})
	}
	// The multipart reader reads its source 4 KiB at a time: through a
	// larger buffer, a 200 MB upload takes a few hundred socket reads
	// instead of some 50,000.
	mr := multipart.NewReader(bufio.NewReaderSize(r.Body, uploadReadBuffer), params["boundary"])
	var opts domain.RunOptions // fields before "file"
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return domain.Job{}, public(&statusError{http.StatusBadRequest, "no file: send the VCF in the multipart field \"file\""})
		}
		if err != nil {
			if rerr := uploadReadError(err); rerr != err {
				return domain.Job{}, rerr
			}
			return domain.Job{}, public(&statusError{http.StatusBadRequest, "malformed multipart body: " + err.Error()})
		}
		name := part.FormName()
		if seen[name] {
			return domain.Job{}, givenTwice(name)
		}
		seen[name] = true
		switch name {
		case "csrf":
			if csrf != nil {
				b, _ := io.ReadAll(io.LimitReader(part, 256))
				csrf(string(b))
			}
		case "transcripts", "distance":
			b, _ := io.ReadAll(io.LimitReader(part, 64))
			if err := setRunOption(&opts, name, strings.TrimSpace(string(b))); err != nil {
				return domain.Job{}, err
			}
		case "file":
			if csrf != nil && !csrf("") {
				return domain.Job{}, errCSRF
			}
			var file io.Reader = part
			if limit := s.bodyLimit(); limit < s.capFor(v) {
				// Hold the file itself to what the portal carries, not the body around it.
				file = http.MaxBytesReader(nil, part, limit)
			}
			body := &fileThenEnd{file: file, mr: mr}
			j, err := s.submit(r.Context(), v, part.FileName(), body, opts)
			if body.err != nil {
				return domain.Job{}, body.err // a field after the file: the upload failed, no job started
			}
			if err != nil {
				return domain.Job{}, uploadReadError(err)
			}
			return j, nil
		default:
			return domain.Job{}, unknownField(name, uploadFields)
		}
		part.Close()
	}
}

// uploadReadError maps a body that hit the server's hard limit to 413.
func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return public(&statusError{http.StatusRequestEntityTooLarge, "the upload is larger than this server accepts (" + formatBytes(mbe.Limit-uploadOverhead) + ")"})
	}
	if errors.Is(err, multipart.ErrMessageTooLarge) {
		return public(&statusError{http.StatusRequestEntityTooLarge, "the form is too large"})
	}
	if errors.Is(err, httpguard.ErrSlowBody) {
		return public(&statusError{http.StatusRequestTimeout, "the upload arrived too slowly; try again on a faster connection"})
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return public(&statusError{http.StatusBadRequest, "the upload ended early: the body is shorter than its multipart framing (check Content-Length)"})
	}
	return err
}

type submittedPage struct{ Job domain.Job }

func (s *Server) submitted(w http.ResponseWriter, r *http.Request, rq *request) error {
	j, err := s.cfg.Service.Job(r.Context(), *rq.viewer, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "submitted", "Job submitted", submittedPage{Job: j})
	return nil
}

type jobListPage struct {
	Jobs   []template.HTML // rendered rows (jobRowHTML)
	Next   string
	First  bool
	Cursor string
}

// jobRow is one line of the job list, flat and formatted here: the template
// only prints fields. Template calls (through reflection) and field lookups
// through an embedded domain.Job were most of the page's CPU.
type jobRow struct {
	ID, PathID, InputName, Submitted, Size string
	Status                                 domain.JobStatus
	State                                  domain.ResultState
	StatusBadge, StateBadge                string
}

func newJobRow(j domain.Job) jobRow {
	state := j.VisibleResultState()
	return jobRow{
		ID: j.ID, PathID: url.PathEscape(j.ID), InputName: j.InputName,
		Submitted: formatTime(j.SubmittedAt), Size: formatBytes(j.InputSize),
		Status: j.Status, State: state, StatusBadge: badgeClass(string(j.Status)), StateBadge: badgeClass(string(state)),
	}
}

func (s *Server) jobList(w http.ResponseWriter, r *http.Request, rq *request) error {
	cursor := r.URL.Query().Get("cursor")
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	jobs, next, err := s.cfg.Service.ListJobs(r.Context(), *rq.viewer, cursor, limit)
	if err != nil {
		return err
	}
	rows := make([]template.HTML, len(jobs))
	for i, j := range jobs {
		if rows[i], err = s.rows.html(s.pages.sets["jobs"], newJobRow(j)); err != nil {
			return fmt.Errorf("render job row %s: %w", j.ID, err)
		}
	}
	s.render(w, r, rq, http.StatusOK, "jobs", "Your jobs", jobListPage{Jobs: rows, Next: next, First: cursor == "", Cursor: cursor})
	return nil
}

type jobPage struct {
	Job        domain.Job
	State      domain.ResultState
	Owner      domain.Profile
	Mine       bool
	ArchiveAt  time.Time
	RestoreBy  time.Time
	RestoreETA string // "within about 4 hours (by 14:05 UTC)"
	Outcome    string // why nothing was annotated; "" when something was
	Runtime    time.Duration
	Summary    *summaryView
	SummaryErr string
	DeletedBy  string // who deleted the job: their email, as the audit pages show users
}

func (s *Server) jobDetail(w http.ResponseWriter, r *http.Request, rq *request) error {
	j, p, err := s.jobAndOwner(r, rq)
	if err != nil {
		return err
	}
	owner := domain.Profile{ID: j.UserID, Name: j.UserID, Role: domain.RoleFree} // the profile is gone (an auditor's view)
	if p != nil {
		owner = *p
	}
	page := jobPage{Job: j, State: j.VisibleResultState(), Owner: owner, Mine: j.UserID == rq.viewer.ID, ArchiveAt: s.cfg.Service.ArchiveAt(owner, j), Runtime: -1}
	if page.State == domain.ResultRestoring {
		page.RestoreBy = j.RestoreReadyBy
		if page.RestoreBy.IsZero() {
			page.RestoreBy = j.RestoreRequestedAt.Add(s.cfg.RestoreEstimate)
		}
		page.RestoreETA = restoreETA(page.RestoreBy, s.cfg.Now())
	}
	if j.Deleted() {
		page.DeletedBy = j.DeletedBy // the id, when the profile is gone
		if j.DeletedBy == owner.ID && owner.Email != "" {
			page.DeletedBy = owner.Email // only the owner deletes
		}
	}
	if o := domain.JobOutcome(j); o.NothingAnnotated() {
		page.Outcome = o.Explain()
	}
	if !j.StartedAt.IsZero() && !j.CompletedAt.IsZero() {
		page.Runtime = j.CompletedAt.Sub(j.StartedAt)
	}
	if len(j.Summary) > 0 {
		sv, err := parseSummary(j.Summary)
		if err != nil {
			page.SummaryErr = "the summary could not be read"
			s.cfg.Log.Warn("bad summary", "job", j.ID, "err", err)
		} else {
			page.Summary = sv
		}
	}
	s.render(w, r, rq, http.StatusOK, "job", "Job "+j.ID, page)
	return nil
}

// restoreETA says when a restore is expected to finish, in words: "within
// about 4 hours (by 14:05 UTC)", "within about 12 minutes (by 09:41 UTC)",
// "within a minute", "any moment now".
func restoreETA(by, now time.Time) string {
	left := by.Sub(now)
	switch {
	case left <= 0:
		return "any moment now"
	case left < time.Minute:
		return "within a minute"
	}
	clock := by.UTC().Format("15:04 UTC")
	if y, m, d := by.UTC().Date(); y != now.UTC().Year() || m != now.UTC().Month() || d != now.UTC().Day() {
		clock = by.UTC().Format("Jan 2, 15:04 UTC")
	}
	return fmt.Sprintf("within about %s (by %s)", domain.DurationWords(left), clock)
}

func (s *Server) downloadInput(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.download(w, r, rq, service.FileInput)
}

func (s *Server) downloadResult(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.sendResult(w, r, rq)
}

func (s *Server) download(w http.ResponseWriter, r *http.Request, rq *request, kind service.FileKind) error {
	if s.cfg.Service.Direct() {
		return s.redirectDownload(w, r, rq.viewer, kind)
	}
	rc, j, err := s.cfg.Service.OpenJobFile(r.Context(), *rq.viewer, r.PathValue("id"), kind)
	if err != nil {
		return err
	}
	defer rc.Close()
	sendFile(w, service.DownloadName(j, kind), "text/plain; charset=utf-8", rc)
	return nil
}

func sendFile(w http.ResponseWriter, name, contentType string, body io.Reader) {
	setDownload(w, name, contentType)
	io.Copy(w, body)
}

// setDownload sends the headers of a file download and the 200 status.
func setDownload(w http.ResponseWriter, name, contentType string) {
	w.Header().Set("Content-Type", contentType)
	// FormatMediaType writes filename*=utf-8''... for non-ASCII names.
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
}

type logPage struct {
	Job  domain.Job
	Text string
	Cut  bool
}

const maxLogView = 1 << 20

func (s *Server) logView(w http.ResponseWriter, r *http.Request, rq *request) error {
	rc, j, err := s.cfg.Service.OpenJobFile(r.Context(), *rq.viewer, r.PathValue("id"), service.FileLog)
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxLogView+1))
	if err != nil {
		return err
	}
	page := logPage{Job: j, Text: string(b), Cut: len(b) > maxLogView}
	if page.Cut {
		page.Text = page.Text[:maxLogView]
	}
	s.render(w, r, rq, http.StatusOK, "log", "Log of job "+j.ID, page)
	return nil
}

type historyPage struct {
	Job     *domain.Job
	Exec    domain.Execution
	Events  []eventRow
	MapRuns []service.MapRun
}

type eventRow struct {
	domain.HistoryEvent
	Offset time.Duration // since the execution started
	Class  string
}

func (s *Server) historyView(w http.ResponseWriter, r *http.Request, rq *request) error {
	j, ex, events, runs, err := s.jobHistory(r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "history", "Execution history of job "+j.ID, historyPage{Job: &j, Exec: ex, Events: eventRows(ex, events), MapRuns: runs})
	return nil
}

func (s *Server) executionView(w http.ResponseWriter, r *http.Request, rq *request) error {
	ex, events, err := s.cfg.Service.Execution(r.Context(), *rq.viewer, r.PathValue("eid"))
	if err != nil {
		return err
	}
	runs, err := s.cfg.Service.MapRuns(r.Context(), events)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "history", "Execution "+ex.Name, historyPage{Exec: ex, Events: eventRows(ex, events), MapRuns: runs})
	return nil
}

func eventRows(ex domain.Execution, events []domain.HistoryEvent) []eventRow {
	rows := make([]eventRow, len(events))
	for i, e := range events {
		rows[i] = eventRow{HistoryEvent: e, Offset: e.Timestamp.Sub(ex.StartedAt), Class: eventClass(e.Type)}
	}
	return rows
}

// eventClass colours a timeline dot by the event type's outcome.
func eventClass(t string) string {
	switch {
	case strings.HasSuffix(t, "Failed"), strings.HasSuffix(t, "TimedOut"), strings.HasSuffix(t, "Aborted"):
		return "ev bad"
	case strings.HasSuffix(t, "Succeeded"):
		return "ev ok"
	case strings.HasSuffix(t, "Entered"), strings.HasSuffix(t, "Started"):
		return "ev run"
	}
	return "ev"
}

func prettyJSON(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	return string(out)
}
