package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gasproject/gas/internal/domain"
)

// RestoreResult is one iteration's outcome of the restore machine's Map.
type RestoreResult struct {
	JobID    string `json:"job_id"`
	Restored bool   `json:"restored"`
	Error    string `json:"error,omitempty"`
}

// NotifyRestoredInput names the user and what every round of the restore did.
type NotifyRestoredInput struct {
	UserID string `json:"user_id"`
	// Rounds is every round's results, newest first, nested the way the state
	// machine can build it (ASL has no array concatenation, only States.Array):
	// [latest round's results, earlier], earlier being the same pair again,
	// or [] after the first round. NestRounds builds it.
	Rounds json.RawMessage `json:"rounds"`
}

// NotifyRestoredOutput is the result of NotifyRestored.
type NotifyRestoredOutput struct {
	To       string   `json:"to"`
	Restored int      `json:"restored"`
	Failed   []string `json:"failed"`
	Rounds   int      `json:"rounds"`
}

// NotifyRestored sends one email per restore, after its last round: how many
// results are available again, and which could not be restored and why (the
// job's recorded reason). A job retried in several rounds counts once, with
// its latest outcome.
func (t *Tasks) NotifyRestored(ctx context.Context, in NotifyRestoredInput) (NotifyRestoredOutput, error) {
	results, rounds, err := LatestOutcomes(in.Rounds)
	if err != nil {
		return NotifyRestoredOutput{}, fmt.Errorf("notify restore of %s: %w", in.UserID, err)
	}
	p, err := t.profiles.Get(ctx, in.UserID)
	if err != nil {
		return NotifyRestoredOutput{}, fmt.Errorf("notify restore: load user %s: %w", in.UserID, err)
	}
	out := NotifyRestoredOutput{To: p.Email, Failed: []string{}, Rounds: rounds}
	var restored, failed strings.Builder
	for _, r := range results {
		name, reason := "", r.Error
		if j, err := t.jobs.Get(ctx, r.JobID); err == nil {
			name = " (" + j.InputName + ")"
			if j.RestoreError != "" {
				reason = j.RestoreError
			}
		}
		if r.Restored {
			out.Restored++
			fmt.Fprintf(&restored, "  %s%s\n    %s\n", r.JobID, name, t.JobURL(r.JobID))
			continue
		}
		out.Failed = append(out.Failed, r.JobID)
		fmt.Fprintf(&failed, "  %s%s: %s\n    %s\n", r.JobID, name, reason, t.JobURL(r.JobID))
	}
	text := fmt.Sprintf("Welcome to premium. %d archived result(s) are available again:\n%s\nAll your jobs: %s\n",
		out.Restored, restored.String(), strings.TrimRight(t.cfg.BaseURL, "/")+"/jobs")
	if len(out.Failed) > 0 {
		text += fmt.Sprintf("\n%d result(s) could not be restored in %d round(s) of attempts. They stay safely archived; "+
			"retry from the job's page (Retry restore) or contact support:\n%s",
			len(out.Failed), rounds, failed.String())
	}
	m := domain.Message{To: p.Email, Subject: fmt.Sprintf("GAS: %d archived result(s) restored", out.Restored), Text: text}
	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.JobID
	}
	if err := t.mail.Send(ctx, m); err != nil {
		// Recorded on every job the email was about; the machine retries,
		// then ends the restore without it.
		err = fmt.Errorf("notify restore: send to %s: %w", p.Email, err)
		return NotifyRestoredOutput{}, errors.Join(err, t.recordMail(ctx, ids, m.Subject, err))
	}
	return out, nil
}

// LatestOutcomes flattens the nested rounds of NotifyRestoredInput into one
// result per job, the latest round's outcome winning, in the order the jobs
// first appeared; it also returns the number of rounds.
func LatestOutcomes(rounds json.RawMessage) ([]RestoreResult, int, error) {
	var newestFirst [][]RestoreResult
	rest := rounds
	for {
		var pair []json.RawMessage
		if err := json.Unmarshal(rest, &pair); err != nil {
			return nil, 0, fmt.Errorf("%w: rounds: %v", domain.ErrInvalid, err)
		}
		if len(pair) == 0 {
			break
		}
		if len(pair) != 2 {
			return nil, 0, fmt.Errorf("%w: rounds: want [results, earlier rounds] or [], got %d elements", domain.ErrInvalid, len(pair))
		}
		var results []RestoreResult
		if err := json.Unmarshal(pair[0], &results); err != nil {
			return nil, 0, fmt.Errorf("%w: rounds: round %d from the last: %v", domain.ErrInvalid, len(newestFirst)+1, err)
		}
		newestFirst = append(newestFirst, results)
		rest = pair[1]
	}
	if len(newestFirst) == 0 {
		return nil, 0, fmt.Errorf("%w: rounds: no round ran", domain.ErrInvalid)
	}
	var order []string
	latest := map[string]RestoreResult{}
	for i := len(newestFirst) - 1; i >= 0; i-- {
		for _, r := range newestFirst[i] {
			if _, seen := latest[r.JobID]; !seen {
				order = append(order, r.JobID)
			}
			latest[r.JobID] = r
		}
	}
	out := make([]RestoreResult, len(order))
	for i, id := range order {
		out[i] = latest[id]
	}
	return out, len(newestFirst), nil
}

// NestRounds builds the rounds value of NotifyRestoredInput from rounds in
// the order they ran, as the state machine does (for tests and tools).
func NestRounds(rounds ...[]RestoreResult) json.RawMessage {
	nested := json.RawMessage(`[]`)
	for _, r := range rounds {
		if r == nil {
			r = []RestoreResult{}
		}
		b, _ := json.Marshal([]any{r, nested})
		nested = b
	}
	return nested
}
