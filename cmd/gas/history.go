package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gasproject/gas/internal/app"
	"github.com/gasproject/gas/internal/asl"
	"github.com/gasproject/gas/internal/audit"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/fsblob"
	"github.com/gasproject/gas/internal/service"
	"github.com/gasproject/gas/internal/sqlite"
)

// runHistory prints a workflow execution's event history, the way the Step
// Functions console lists it: one line per event with its id, time, time
// since the start, type, state and a summary of its input, output or error.
func runHistory(ctx context.Context, args []string) error {
	return history(ctx, args, os.Stdout)
}

func history(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("history", flag.ContinueOnError)
	data := fs.String("data", app.DataDirFromEnv(), "`DIR` holding gas serve's data (env GAS_DATA)")
	full := fs.Bool("full", false, "print whole inputs and outputs instead of one-line summaries")
	asJSON := fs.Bool("json", false, "print the execution and its events as JSON")
	list := fs.Bool("list", false, "list executions (newest first) instead of printing one history")
	machine := fs.String("machine", "", "with --list: only this state machine (annotation or restore)")
	status := fs.String("status", "", "with --list: only this status (RUNNING, SUCCEEDED, FAILED, ...)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: gas history [--data DIR] [--full] [--json] JOB_ID|EXECUTION_NAME")
		fmt.Fprintln(fs.Output(), "       gas history [--data DIR] --list [--machine M] [--status S]")
		fmt.Fprintln(fs.Output(), "\nPrints the workflow execution history of a job (or of a restore execution such as restore-<user>-1).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *list != (fs.NArg() == 0) || fs.NArg() > 1 {
		fs.Usage()
		return errors.New("want exactly one JOB_ID or execution name, or --list")
	}
	path := app.DBPath(*data)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no GAS database in %s (run `gas serve --data %s` first, or pass --data): %w", *data, *data, err)
	}
	db, err := sqlite.Open(path)
	if err != nil {
		return err
	}
	defer db.Close()

	if *list {
		return listExecutions(ctx, db, domain.ExecutionFilter{StateMachine: *machine, Status: strings.ToUpper(*status)}, stdout)
	}
	exec, events, runs, err := liveHistory(ctx, db, fs.Arg(0))
	if errors.Is(err, domain.ErrNotFound) {
		exec, events, runs, err = archivedHistory(ctx, *data, fs.Arg(0), err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Execution domain.Execution      `json:"execution"`
			Events    []domain.HistoryEvent `json:"events"`
			MapRuns   []service.MapRun      `json:"map_runs,omitempty"`
		}{exec, events, runs})
	}
	if err := printHistory(stdout, exec, events, *full); err != nil {
		return err
	}
	for _, r := range runs {
		fmt.Fprintf(stdout, "\nMap run %s (state %s) %s: items %d, child executions %d (%d succeeded, %d failed, %d running); `gas history ID` prints one\n",
			r.ARN, r.State, r.Status, r.Items, r.Started, r.Count(domain.ExecSucceeded), r.Count(domain.ExecFailed), r.Count(domain.ExecRunning))
		if err := printExecutions(stdout, r.Children, true); err != nil {
			return err
		}
	}
	return nil
}

// liveHistory reads an execution, its events and map runs from the runner's
// database.
func liveHistory(ctx context.Context, db *sqlite.DB, ref string) (domain.Execution, []domain.HistoryEvent, []service.MapRun, error) {
	exec, err := findExecution(ctx, db, ref)
	if err != nil {
		return exec, nil, nil, err
	}
	events, err := db.Executions().History(ctx, exec.ID)
	if err != nil {
		return exec, nil, nil, err
	}
	runs, err := service.FindMapRuns(ctx, func(ctx context.Context, ev domain.HistoryEvent) (domain.MapRunListing, error) {
		return asl.MapRunChildren(ctx, db.Executions(), ev, 0) // the operator's tool lists every child
	}, events)
	return exec, events, runs, err
}

// archivedHistory reads the audit archive's copy of an execution the
// runner's database no longer has (ref: a job id, an execution name or id);
// without one, liveErr stands.
func archivedHistory(ctx context.Context, data, ref string, liveErr error) (domain.Execution, []domain.HistoryEvent, []service.MapRun, error) {
	dir := app.AuditDir(data)
	if _, err := os.Stat(dir); err != nil {
		return domain.Execution{}, nil, nil, liveErr
	}
	store, err := fsblob.Open(dir, fsblob.Options{})
	if err != nil {
		return domain.Execution{}, nil, nil, err
	}
	rec, err := audit.Read(ctx, store, audit.NameOf(ref))
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Execution{}, nil, nil, liveErr
	}
	if err != nil {
		return domain.Execution{}, nil, nil, err
	}
	// The archive keeps each MapRunStarted's children, in event order.
	next := 0
	runs, err := service.FindMapRuns(ctx, func(context.Context, domain.HistoryEvent) (domain.MapRunListing, error) {
		if next >= len(rec.MapRuns) {
			return domain.MapRunListing{}, nil
		}
		r := rec.MapRuns[next]
		next++
		var kids []domain.Execution
		for _, c := range r.Children {
			kids = append(kids, c.Execution)
		}
		return domain.MapRunListing{ARN: r.ARN, Children: kids, Counts: domain.CountChildren(kids)}, nil
	}, rec.Events)
	return rec.Execution, rec.Events, runs, err
}

// findExecution resolves a job id (its annotation execution), an execution
// id, or an execution name.
func findExecution(ctx context.Context, db *sqlite.DB, ref string) (domain.Execution, error) {
	execs := db.Executions()
	if j, err := db.Jobs().Get(ctx, ref); err == nil {
		if j.ExecutionID == "" {
			return domain.Execution{}, fmt.Errorf("job %s has no workflow execution yet", ref)
		}
		rec, err := execs.GetExecution(ctx, j.ExecutionID)
		if err != nil {
			return domain.Execution{}, fmt.Errorf("execution of job %s: %w", ref, err)
		}
		return rec.Execution, nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return domain.Execution{}, err
	}
	if rec, err := execs.GetExecution(ctx, ref); err == nil {
		return rec.Execution, nil
	}
	page := domain.Page{Limit: 100}
	for {
		list, next, err := execs.ListExecutions(ctx, domain.ExecutionFilter{NamePrefix: ref}, page)
		if err != nil {
			return domain.Execution{}, err
		}
		for _, e := range list {
			if e.Name == ref {
				return e, nil
			}
		}
		if next == "" {
			return domain.Execution{}, fmt.Errorf("no job or execution named %q: %w", ref, domain.ErrNotFound)
		}
		page.Cursor = next
	}
}

// listExecutions prints one line per execution matching f, newest first.
func listExecutions(ctx context.Context, db *sqlite.DB, f domain.ExecutionFilter, w io.Writer) error {
	var all []domain.Execution
	page := domain.Page{Limit: 100}
	for {
		execs, next, err := db.Executions().ListExecutions(ctx, f, page)
		if err != nil {
			return err
		}
		all = append(all, execs...)
		if next == "" {
			return printExecutions(w, all, false)
		}
		page.Cursor = next
	}
}

// printExecutions prints one line per execution (with its id for children,
// whose names alone do not find them).
func printExecutions(w io.Writer, execs []domain.Execution, withID bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "STARTED (UTC)\tDURATION\tSTATUS\tMACHINE\tNAME\tERROR"
	if withID {
		head += "\tID"
	}
	fmt.Fprintln(tw, head)
	for _, e := range execs {
		dur := "-"
		if !e.StoppedAt.IsZero() {
			dur = e.StoppedAt.Sub(e.StartedAt).Round(time.Millisecond).String()
		}
		line := fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s", e.StartedAt.UTC().Format(timeLayout), dur, e.Status, e.StateMachine, e.Name, e.Error)
		if withID {
			line += "\t" + e.ID
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

const timeLayout = "2006-01-02 15:04:05.000"

// printHistory writes the execution's header and its events as a table.
func printHistory(w io.Writer, e domain.Execution, events []domain.HistoryEvent, full bool) error {
	fmt.Fprintf(w, "Execution %s (state machine %s): %s\n", e.Name, e.StateMachine, e.Status)
	fmt.Fprintf(w, "  id:       %s\n", e.ID)
	if a := e.Archived; a != nil {
		fmt.Fprintf(w, "  archived: the workflow engine no longer has this execution; this is the audit archive's copy\n")
		fmt.Fprintf(w, "            %s, sha256 %s, exported %s UTC\n", a.Key, a.SHA256, a.ExportedAt.UTC().Format(timeLayout))
	}
	fmt.Fprintf(w, "  started:  %s UTC\n", e.StartedAt.UTC().Format(timeLayout))
	if !e.StoppedAt.IsZero() {
		fmt.Fprintf(w, "  stopped:  %s UTC (after %s)\n", e.StoppedAt.UTC().Format(timeLayout), e.StoppedAt.Sub(e.StartedAt).Round(time.Millisecond))
	}
	fmt.Fprintf(w, "  input:    %s\n", summarize(e.Input, full))
	if len(e.Output) > 0 {
		fmt.Fprintf(w, "  output:   %s\n", summarize(e.Output, full))
	}
	if e.Error != "" {
		fmt.Fprintf(w, "  error:    %s\n  cause:    %s\n", e.Error, oneLine(e.Cause, full))
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tDATE AND TIME (UTC)\tELAPSED\tTYPE\tSTEP\tDETAIL")
	var start time.Time
	if len(events) > 0 {
		start = events[0].Timestamp
	}
	for _, ev := range events {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", ev.ID, ev.Timestamp.UTC().Format(timeLayout),
			ev.Timestamp.Sub(start).Round(time.Millisecond), ev.Type, ev.StateName, eventDetail(ev, full))
	}
	return tw.Flush()
}

// eventDetail is what the console shows when an event is expanded, in brief:
// the error, else the output, else the input, else the resource.
func eventDetail(ev domain.HistoryEvent, full bool) string {
	switch {
	case ev.Error != "" || ev.Cause != "":
		return "error " + ev.Error + ": " + oneLine(ev.Cause, full)
	case len(ev.Output) > 0:
		return "output " + summarize(ev.Output, full)
	case len(ev.Input) > 0:
		return "input " + summarize(ev.Input, full)
	case ev.Resource != "":
		return "resource " + ev.Resource
	}
	return ""
}

// summarize prints JSON compactly on one line, cut short unless full.
func summarize(raw json.RawMessage, full bool) string {
	if len(raw) == 0 {
		return "-"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return oneLine(string(raw), full)
	}
	return oneLine(b.String(), full)
}

const maxDetail = 120

func oneLine(s string, full bool) string {
	if !full {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[:i] + " ..."
		}
		if len(s) > maxDetail {
			s = s[:maxDetail] + "..."
		}
	}
	return s
}
