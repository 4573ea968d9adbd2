package webui

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/service"
)

// jobJSON is a job as the API shows it: no storage keys, links instead.
// Times are RFC 3339 strings (see apiTime), omitted when unset.
type jobJSON struct {
	ID             string             `json:"id"`
	Options        domain.RunOptions  `json:"options"`
	Status         domain.JobStatus   `json:"status"`
	InputName      string             `json:"input_name"`
	InputSize      int64              `json:"input_size"`
	SubmittedAt    string             `json:"submitted_at"`
	StartedAt      string             `json:"started_at,omitempty"`
	CompletedAt    string             `json:"completed_at,omitempty"`
	ResultState    domain.ResultState `json:"result_state,omitempty"`
	ArchiveAt      string             `json:"archive_at,omitempty"` // when a free user's result will be archived
	ArchivedAt     string             `json:"archived_at,omitempty"`
	RestoreReadyBy string             `json:"restore_ready_by,omitempty"`
	RestoreError   string             `json:"restore_error,omitempty"`
	// The restore round restore_error happened in, of the rounds that restore
	// runs; restore_retrying: a later round of it will try again.
	RestoreRound    int  `json:"restore_round,omitempty"`
	RestoreRounds   int  `json:"restore_rounds,omitempty"`
	RestoreRetrying bool `json:"restore_retrying,omitempty"`
	// RestoreExecution is the restore run started for the archived result
	// (its execution id; the page /executions/{id} shows its history).
	RestoreExecution string          `json:"restore_execution,omitempty"`
	Summary          json.RawMessage `json:"summary,omitempty"`
	Error            string          `json:"error,omitempty"`
	MailError        string          `json:"mail_error,omitempty"` // an email about the job that could not be delivered
	// Progress of the sharded workflow: shards annotated of those Plan cut.
	ShardsDone  int `json:"shards_done,omitempty"`
	ShardsTotal int `json:"shards_total,omitempty"`
	// DeletedAt and DeletedBy (a user id): the owner deleted the job, whose
	// files are gone (only auditors still read it; result_state DELETED).
	DeletedAt string   `json:"deleted_at,omitempty"`
	DeletedBy string   `json:"deleted_by,omitempty"`
	Links     jobLinks `json:"links"`
}

// jobLinks are where the job's parts are; empty ones do not exist (yet, or
// any more: a deleted job has no input, log or result).
type jobLinks struct {
	Self    string `json:"self"`
	Page    string `json:"page"`
	Input   string `json:"input,omitempty"`
	History string `json:"history"`
	Log     string `json:"log,omitempty"`
	Result  string `json:"result,omitempty"`
}

// newJobLinks builds a job's links as substrings of one string: a job list
// carries six links for each of its jobs, and one concatenation per link was
// a fifth of the list's allocations.
func newJobLinks(id string, log, result bool) jobLinks {
	const api = "/api/v1/jobs/"
	base := len(api) + len(id)
	all := api + id + "/input" + api + id + "/history" + api + id + "/log" + api + id + "/result" + "/jobs/" + id
	next := func(n int) string {
		v := all[:n]
		all = all[n:]
		return v
	}
	l := jobLinks{Self: all[:base], Input: next(base + len("/input")), History: next(base + len("/history"))}
	if lg := next(base + len("/log")); log {
		l.Log = lg
	}
	if res := next(base + len("/result")); result {
		l.Result = res
	}
	l.Page = all
	return l
}

func (s *Server) jobJSON(owner *domain.Profile, j domain.Job) jobJSON {
	out := jobJSON{
		ID: j.ID, Options: j.Options.Effective(), Status: j.Status, InputName: j.InputName, InputSize: j.InputSize,
		SubmittedAt: j.SubmittedAt.Format(time.RFC3339Nano), StartedAt: apiTime(j.StartedAt), CompletedAt: apiTime(j.CompletedAt),
		ResultState: j.VisibleResultState(), ArchivedAt: apiTime(j.ArchivedAt), RestoreError: j.RestoreError,
		RestoreRound: j.RestoreRound, RestoreRounds: j.RestoreRounds, RestoreRetrying: j.RestoreRetrying(), RestoreExecution: j.RestoreExecution,
		Summary: j.Summary, Error: j.Error, MailError: j.MailError,
		ShardsDone: j.ShardsDone, ShardsTotal: j.ShardsTotal,
		DeletedAt: apiTime(j.DeletedAt), DeletedBy: j.DeletedBy,
	}
	out.Links = newJobLinks(j.ID, j.LogKey != "", out.ResultState != "")
	if j.Deleted() {
		out.Links.Input, out.Links.Log, out.Links.Result = "", "", ""
	}
	if owner != nil {
		out.ArchiveAt = apiTime(s.cfg.Service.ArchiveAt(*owner, j))
	}
	if out.ResultState == domain.ResultRestoring {
		out.RestoreReadyBy = apiTime(j.RestoreReadyBy)
	}
	return out
}

// apiTime writes t as encoding/json writes a time.Time (RFC 3339 with
// nanoseconds), or "" (omitted) for the zero time. Strings encode without
// the boxing and re-compaction encoding/json spends on every time.Time with
// omitzero: a tenth of a job list's allocations.
func apiTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func (s *Server) apiSubmit(w http.ResponseWriter, r *http.Request, rq *request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.bodyLimit()+uploadOverhead)
	j, err := s.receiveUpload(r, rq.viewer, nil)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/jobs/"+j.ID)
	writeJSON(w, http.StatusCreated, s.jobJSON(rq.viewer, j))
	return nil
}

type jobListJSON struct {
	Jobs []jobJSON `json:"jobs"`
	Next string    `json:"next,omitempty"` // pass as ?cursor= for the next page
}

func (s *Server) apiList(w http.ResponseWriter, r *http.Request, rq *request) error {
	cursor, limit, err := listParams(r)
	if err != nil {
		return err
	}
	jobs, next, err := s.cfg.Service.ListJobs(r.Context(), *rq.viewer, cursor, limit)
	if err != nil {
		return err
	}
	out := jobListJSON{Jobs: make([]jobJSON, len(jobs)), Next: next}
	for i, j := range jobs {
		out.Jobs[i] = s.jobJSON(rq.viewer, j)
		out.Jobs[i].Summary = nil // only GET /api/v1/jobs/{id} carries it: lists stay small and fast
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listParams reads GET /api/v1/jobs's cursor and limit (1 to
// service.MaxPageSize; absent: service.DefaultPageSize); another
// parameter, or a limit out of range, is a 400 naming it.
func listParams(r *http.Request) (cursor string, limit int, err error) {
	v, err := queryValues(r)
	if err != nil {
		return "", 0, err
	}
	for k := range v {
		if k != "cursor" && k != "limit" {
			return "", 0, domain.UserErrorf(domain.ErrInvalid, "unknown parameter %q (known: cursor, limit)", k)
		}
	}
	if l := v.Get("limit"); l != "" {
		if limit, err = strconv.Atoi(l); err != nil || limit < 1 || limit > service.MaxPageSize {
			return "", 0, domain.UserErrorf(domain.ErrInvalid, "limit %q is not a whole number from 1 to %d", l, service.MaxPageSize)
		}
	}
	return v.Get("cursor"), limit, nil
}

func (s *Server) apiJob(w http.ResponseWriter, r *http.Request, rq *request) error {
	j, owner, err := s.jobAndOwner(r, rq) // owner unknown: no archive countdown
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.jobJSON(owner, j))
	return nil
}

// jobAndOwner reads the job named in the path, as rq's viewer may see it,
// and its owner's profile (nil when the profile is gone, as an auditor may
// find).
func (s *Server) jobAndOwner(r *http.Request, rq *request) (domain.Job, *domain.Profile, error) {
	ctx := r.Context()
	j, err := s.cfg.Service.Job(ctx, *rq.viewer, r.PathValue("id"))
	if err != nil {
		return domain.Job{}, nil, err
	}
	p, err := s.cfg.Service.Owner(ctx, *rq.viewer, j)
	if err != nil {
		return j, nil, nil
	}
	return j, &p, nil
}

func (s *Server) apiInput(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.apiBlob(w, r, rq, service.FileInput)
}

func (s *Server) apiResult(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.sendResult(w, r, rq)
}

func (s *Server) apiLog(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.apiBlob(w, r, rq, service.FileLog)
}

func (s *Server) apiBlob(w http.ResponseWriter, r *http.Request, rq *request, kind service.FileKind) error {
	if s.cfg.Service.Direct() && kind != service.FileLog {
		return s.redirectDownload(w, r, rq.viewer, kind) // follow it (curl -L)
	}
	rc, j, err := s.cfg.Service.OpenJobFile(r.Context(), *rq.viewer, r.PathValue("id"), kind)
	if err != nil {
		return err
	}
	defer rc.Close()
	if kind == service.FileLog {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.Copy(w, rc)
		return nil
	}
	sendFile(w, service.DownloadName(j, kind), "text/plain; charset=utf-8", rc)
	return nil
}

type historyJSON struct {
	Execution *domain.Execution     `json:"execution"` // null until the job has started
	Events    []domain.HistoryEvent `json:"events"`
	MapRuns   []service.MapRun      `json:"map_runs"` // Distributed Map runs and their child executions
}

// jobHistory is the execution history of the job in the path, as the history
// page and its API show it: the execution, its events and its Distributed
// Map runs with their child executions.
func (s *Server) jobHistory(r *http.Request, rq *request) (domain.Job, domain.Execution, []domain.HistoryEvent, []service.MapRun, error) {
	j, ex, events, err := s.cfg.Service.JobHistory(r.Context(), *rq.viewer, r.PathValue("id"))
	if err != nil {
		return j, ex, nil, nil, err
	}
	runs, err := s.cfg.Service.MapRuns(r.Context(), events)
	return j, ex, events, runs, err
}

func (s *Server) apiHistory(w http.ResponseWriter, r *http.Request, rq *request) error {
	j, ex, events, runs, err := s.jobHistory(r, rq)
	if err != nil {
		return err
	}
	out := historyJSON{Events: events, MapRuns: runs}
	if j.ExecutionID != "" {
		out.Execution = &ex
	}
	if out.MapRuns == nil {
		out.MapRuns = []service.MapRun{}
	}
	if out.Events == nil {
		out.Events = []domain.HistoryEvent{}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type accountJSON struct {
	ID          string      `json:"id"`
	Email       string      `json:"email"`
	Name        string      `json:"name"`
	Institution string      `json:"institution,omitempty"`
	Role        domain.Role `json:"role"`
	Auditor     bool        `json:"auditor"`
	UploadLimit int64       `json:"upload_limit_bytes"`
	TestMode    bool        `json:"test_mode_billing,omitempty"`
	CheckoutURL string      `json:"checkout_url,omitempty"` // with a payment provider: pay here to upgrade
}

func (s *Server) account(p *domain.Profile) accountJSON {
	return accountJSON{ID: p.ID, Email: p.Email, Name: p.Name, Institution: p.Institution,
		Role: p.Role, Auditor: p.Auditor, UploadLimit: s.capFor(p)}
}

func (s *Server) apiAccount(w http.ResponseWriter, r *http.Request, rq *request) error {
	writeJSON(w, http.StatusOK, s.account(rq.viewer))
	return nil
}

func (s *Server) apiUpgrade(w http.ResponseWriter, r *http.Request, rq *request) error {
	checkout, p, err := s.upgrade(r, rq.viewer)
	if err != nil {
		return err
	}
	out := s.account(&p)
	out.CheckoutURL, out.TestMode = checkout, checkout == ""
	writeJSON(w, http.StatusOK, out)
	return nil
}
