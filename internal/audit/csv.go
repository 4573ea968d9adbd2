package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gasproject/gas/internal/domain"
)

// CSVHeader are the columns of a record's CSV form: one row per fact, the
// section column saying which (record, job, execution, object, event,
// child), so one sheet holds the whole trail.
var CSVHeader = []string{"section", "id", "time", "type", "state", "key", "size", "sha256", "error", "detail"}

// WriteCSV writes the record as CSV: the record itself (where the archived
// copy is and its sha256, or "live"), the job, the execution, each object
// with its sha256, each event, then each map run child and its events.
func WriteCSV(w io.Writer, rec Record) error {
	cw := csv.NewWriter(w)
	row := func(f ...string) {
		for i := range f {
			f[i] = Cell(f[i])
		}
		cw.Write(f)
	}
	row(CSVHeader...)
	where, key, sum := "live", "", ""
	if a := rec.Execution.Archived; a != nil {
		where, key, sum = "archived", a.Key, a.SHA256
	}
	row("record", strconv.Itoa(rec.Format), Stamp(rec.ExportedAt), where, "", key, "", sum, "", "execution input sha256 "+rec.InputSHA256)
	if j := rec.Job; j != nil {
		detail := "user " + j.UserID + "; input " + j.InputName + "; completed " + Stamp(j.CompletedAt) + "; result " + j.ResultKey
		if j.Deleted() {
			detail += "; deleted " + Stamp(j.DeletedAt) + " by " + j.DeletedBy
		}
		row("job", j.ID, Stamp(j.SubmittedAt), string(j.Status), string(j.VisibleResultState()), j.InputKey, strconv.FormatInt(j.InputSize, 10), "", j.Error, detail)
	}
	executionRows(row, "execution", rec.Execution, rec.Events)
	for _, o := range rec.Objects {
		row("object", o.Role, "", string(o.StorageClass), "", o.Key, strconv.FormatInt(o.Size, 10), o.SHA256, "", o.Note)
	}
	for _, run := range rec.MapRuns {
		for _, c := range run.Children {
			executionRows(row, "child", c.Execution, c.Events)
		}
	}
	cw.Flush()
	return cw.Error()
}

func executionRows(row func(...string), section string, ex domain.Execution, events []domain.HistoryEvent) {
	row(section, ex.ID, Stamp(ex.StartedAt), ex.Status, ex.StateMachine, ex.Name, "", "", ex.Error, "stopped "+Stamp(ex.StoppedAt)+"; "+ex.Cause)
	for _, e := range events {
		row("event", strconv.FormatInt(e.ID, 10), Stamp(e.Timestamp), e.Type, e.StateName, e.Resource, "", "", e.Error, eventDetail(e))
	}
}

// eventDetail is the event's cause, output or input, compact.
func eventDetail(e domain.HistoryEvent) string {
	switch {
	case e.Cause != "":
		return e.Cause
	case len(e.Output) > 0:
		return compact(e.Output)
	}
	return compact(e.Input)
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// Cell keeps a spreadsheet from reading a value (a user's file name, an
// error text) as a formula: one starting with = + - @ gets a quote first.
// Every CSV GAS writes for auditors passes its cells through it.
func Cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Stamp is a time as the audit CSVs write it: RFC 3339 in UTC, "" for none.
func Stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
