package domain

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestRunOptions(t *testing.T) {
	for _, c := range []struct {
		name    string
		o       RunOptions
		window  int
		text    string
		invalid bool
	}{
		{"defaults", RunOptions{}, 5000, "transcripts=all distance=5000", false},
		{"zero is no window", RunOptions{Distance: new(0)}, 0, "transcripts=all distance=0", false},
		{"one", RunOptions{Transcripts: "pick", Distance: new(1)}, 1, "transcripts=pick distance=1", false},
		{"max", RunOptions{Distance: new(MaxDistance)}, MaxDistance, "transcripts=all distance=1000000", false},
		{"negative", RunOptions{Distance: new(-1)}, -1, "", true},
		{"over max", RunOptions{Distance: new(MaxDistance + 1)}, MaxDistance + 1, "", true},
		{"unknown set", RunOptions{Transcripts: "best"}, 5000, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.o.Window(); got != c.window {
				t.Errorf("Window() = %d, want %d", got, c.window)
			}
			err := c.o.Check()
			if c.invalid != (err != nil) || err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("Check() = %v, want invalid %v", err, c.invalid)
			}
			var ue *UserError
			if err != nil && (!errors.As(err, &ue) || strings.HasSuffix(err.Error(), ErrInvalid.Error())) {
				t.Errorf("Check() = %q, want a message for users without the sentinel's text", err)
			}
			if !c.invalid {
				if got := c.o.String(); got != c.text {
					t.Errorf("String() = %q, want %q", got, c.text)
				}
				if e := c.o.Effective(); e.Distance == nil || *e.Distance != c.window {
					t.Errorf("Effective().Distance = %v, want %d", e.Distance, c.window)
				}
			}
		})
	}
}

// TestRunOptionsRecord: a job record keeps distance 0 as 0, and a record
// without the field (older jobs) still means the default.
func TestRunOptionsRecord(t *testing.T) {
	b, err := json.Marshal(Job{ID: "j", Options: RunOptions{Distance: new(0)}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"options":{"distance":0}`) {
		t.Fatalf("record %s lacks distance 0", b)
	}
	for _, c := range []struct {
		record string
		window int
	}{
		{string(b), 0},
		{`{"id":"j"}`, DefaultDistance},
		{`{"id":"j","options":{"transcripts":"pick"}}`, DefaultDistance},
		{`{"id":"j","options":{"distance":200}}`, 200},
	} {
		var j Job
		if err := json.Unmarshal([]byte(c.record), &j); err != nil {
			t.Fatal(err)
		}
		if got := j.Options.Window(); got != c.window {
			t.Errorf("%s: window %d, want %d", c.record, got, c.window)
		}
	}
	if b, _ := json.Marshal(Job{ID: "j"}); strings.Contains(string(b), "options") {
		t.Errorf("a job without options records %s", b)
	}
}
