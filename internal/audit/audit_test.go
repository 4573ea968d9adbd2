package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

// mapArchive is a write-once archive in memory.
type mapArchive struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (a *mapArchive) PutOnce(_ context.Context, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.m[key]; ok {
		return fmt.Errorf("%s: %w", key, domain.ErrConflict)
	}
	a.m[key] = b
	return nil
}

func (a *mapArchive) Get(_ context.Context, key string) (io.ReadCloser, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, ok := a.m[key]
	if !ok {
		return nil, fmt.Errorf("%s: %w", key, domain.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func TestReadRefusesWhatIsNotARecord(t *testing.T) {
	a := &mapArchive{m: map[string][]byte{
		Key("damaged"): []byte(`{"format": 1, "events": [`),
		Key("future"):  []byte(`{"format": 2}`),
		Key("good"):    []byte(`{"format": 1, "execution": {"id": "arn:x:good", "name": "good"}}`),
	}}
	tests := []struct {
		name, want string
		is         error
	}{
		{"absent", "executions/absent.json", domain.ErrNotFound},
		{"damaged", "executions/damaged.json is damaged", nil},
		{"future", "has format 2, want 1", nil},
	}
	for _, tc := range tests {
		_, err := Read(context.Background(), a, tc.name)
		if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	rec, err := Read(context.Background(), a, "good")
	if err != nil || rec.Execution.Archived == nil || rec.Execution.Archived.SHA256 != SHA256Hex(a.m[Key("good")]) {
		t.Errorf("good record: %v %+v", err, rec.Execution.Archived)
	}
}

func TestCSVKeepsSpreadsheetsFromRunningCells(t *testing.T) {
	rec := Record{Format: 1, Execution: domain.Execution{ID: "arn:x", Name: "-2+3", Status: "FAILED", Error: "=cmd|' /C calc'!A0"},
		Job: &domain.Job{ID: "j1", InputName: "+sum.vcf", Error: "@SUM(1)"}}
	var b strings.Builder
	if err := WriteCSV(&b, rec); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{",'=cmd|' /C calc'!A0,", ",'-2+3,", "input +sum.vcf", ",'@SUM(1),", "\nrecord,1,,live,"} {
		if !strings.Contains(out, want) {
			t.Errorf("CSV lacks %q:\n%s", want, out)
		}
	}
}

func TestNameOf(t *testing.T) {
	for id, want := range map[string]string{
		"arn:aws:states:eu-west-1:123456789012:execution:Gas-annotation:job-1": "job-1",
		"arn:aws:states:local:000000000000:execution:restore:restore-u1-abc":   "restore-u1-abc",
		"job-2": "job-2",
	} {
		if got := NameOf(id); got != want {
			t.Errorf("NameOf(%q) = %q, want %q", id, got, want)
		}
	}
}
