package webui

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// pages holds one template set per page, each with the shared layout.
type pages struct{ sets map[string]*template.Template }

var funcs = template.FuncMap{
	"bytes":     formatBytes,
	"time":      formatTime,
	"isoTime":   func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"ago":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"duration":  formatDuration,
	"badge":     badgeClass,
	"pathEsc":   url.PathEscape,
	"queryEsc":  url.QueryEscape,
	"isZero":    func(t time.Time) bool { return t.IsZero() },
	"upper":     strings.ToUpper,
	"add":       func(a, b int) int { return a + b },
	"sub":       func(a, b float64) float64 { return a - b },
	"printJSON": func(b []byte) string { return prettyJSON(b) },
	"list":      func(v ...int) []int { return v },
	"strs":      func(v ...string) []string { return v },
	"elapsed":   elapsed,
}

// elapsed is how long an execution ran, or has run so far.
func elapsed(e domain.Execution) time.Duration {
	if e.StoppedAt.IsZero() {
		return time.Since(e.StartedAt)
	}
	return e.StoppedAt.Sub(e.StartedAt)
}

func loadPages() (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", n, err)
		}
		p.sets[base] = t
	}
	return p, nil
}

// view is what every page template receives.
type view struct {
	Title   string
	User    *domain.Profile
	CSRF    string
	Nav     string
	Flash   string
	FreeCap int64
	// TestMode: billing runs without a payment provider and upgrades are
	// free; the layout shows a banner on every page.
	TestMode bool
	Data     any
}

// render writes page name with data; a template error becomes a plain 500
// (the page may be half written, so it cannot be an error page of its own).
func (s *Server) render(w http.ResponseWriter, r *http.Request, rq *request, status int, name, title string, data any) {
	t, ok := s.pages.sets[name]
	if !ok {
		s.cfg.Log.Error("no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v := view{Title: title, User: rq.viewer, CSRF: rq.csrf, Nav: name, Flash: flashes[r.URL.Query().Get("flash")], FreeCap: s.freeCap(), TestMode: s.billingTestMode(), Data: data}
	buf := getBuf()
	defer putBuf(buf)
	if err := t.Execute(buf, v); err != nil {
		s.cfg.Log.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// flashes are the one-line notices a redirect may ask for (?flash=code).
// Only codes travel in the URL, so a crafted link cannot put words on our page.
var flashes = map[string]string{
	"deleted":         "The job and its files were deleted.",
	"saved":           "Profile saved.",
	"revoked":         "Token revoked.",
	"signed-out":      "Signed out.",
	"upgraded":        "You are premium now (test mode). Archived results are being restored; each job shows the estimate.",
	"paid":            "Thank you. Your premium plan starts as soon as the payment is confirmed.",
	"restore-started": "A new restore of your archived results has started; this page shows its progress.",
	"restore-running": "Nothing started: this result is not archived, or a restore of yours is still running (it lists this job again after each round); retry when it has finished.",
}

type errorPage struct {
	Status  int
	Title   string
	Message string
}

// formatBytes uses decimal units, like the caps are given ("150 KB" is 150,000 bytes).
func formatBytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0f KB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func formatDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "—"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d < time.Hour:
		if s := int(d.Seconds()) % 60; s != 0 {
			return fmt.Sprintf("%d min %d s", int(d.Minutes()), s)
		}
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	if m := int(d.Minutes()) % 60; m != 0 {
		return fmt.Sprintf("%d h %d min", int(d.Hours()), m)
	}
	return fmt.Sprintf("%d h", int(d.Hours()))
}

func badgeClass(s string) string {
	switch s {
	case string(domain.StatusCompleted), domain.ExecSucceeded, string(domain.ResultAvailable):
		return "badge ok"
	case string(domain.StatusFailed), domain.ExecTimedOut, domain.ExecAborted: // ExecFailed is "FAILED" too
		return "badge bad"
	case string(domain.StatusRunning), string(domain.ResultRestoring):
		return "badge run"
	case string(domain.ResultArchived):
		return "badge cold"
	}
	return "badge"
}
