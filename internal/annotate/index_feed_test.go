package annotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gasproject/gas/internal/testshared"
)

// countingSink counts records and entries, and fails at record failAt (0: never).
type countingSink struct {
	records, entries, failAt int
	counted                  int // entries of the batches before
}

var errSink = errors.New("sink full")

func (s *countingSink) AddRecords(rs *IndexRecords) error {
	for _, r := range rs.Records {
		s.records++
		s.entries += int(r.Entries)
		if s.records == s.failAt {
			return errSink
		}
	}
	if n := len(rs.Entries); s.entries-s.counted != n {
		return fmt.Errorf("the records have %d entries, the batch %d", s.entries-s.counted, n)
	}
	s.counted = s.entries
	return nil
}

// TestIndexSinkGetsEveryEntry: the sink sees each record with CSQ once, with
// as many entries as the output's CSQ holds, and its error stops the run.
func TestIndexSinkGetsEveryEntry(t *testing.T) {
	e := miniEngine(t)
	in := testshared.Read(t, "vcf", "free_1.vcf")
	var out bytes.Buffer
	var s countingSink
	if _, err := e.Run(context.Background(), bytes.NewReader(in), &out, Options{Index: &s}); err != nil {
		t.Fatal(err)
	}
	records, entries := 0, 0
	for _, l := range dataLines(out.Bytes()) {
		if i := bytes.Index([]byte(l), []byte(";CSQ=")); i >= 0 {
			records++
			csq, _, _ := bytes.Cut([]byte(l[i+5:]), []byte("\t"))
			entries += bytes.Count(csq, []byte(",")) + 1
		}
	}
	if records == 0 || s.records != records || s.entries != entries {
		t.Fatalf("sink got %d records, %d entries; the output has %d, %d", s.records, s.entries, records, entries)
	}
	fail := countingSink{failAt: records / 2}
	if _, err := e.Run(context.Background(), bytes.NewReader(in), &out, Options{Index: &fail}); !errors.Is(err, errSink) {
		t.Fatalf("run with a failing sink: %v", err)
	}
}
