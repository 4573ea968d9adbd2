package variants

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/testshared"
)

// TestEntryBuilderMatchesBuilder: the index built from the engine's entries
// during the run is byte for byte the one Builder makes of the run's output,
// on every file of ../shared/vcf and with each transcript set.
func TestEntryBuilderMatchesBuilder(t *testing.T) {
	e := engine(t)
	files, err := filepath.Glob(filepath.Join(testshared.Dir(t), "vcf", "*.vcf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no input: %v", err)
	}
	rows, escaped := int64(0), 0
	for _, path := range files {
		in, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, set := range annotate.TranscriptSets {
			var out, idx bytes.Buffer
			eb := NewEntryBuilder(&idx)
			if _, err := e.Run(context.Background(), bytes.NewReader(in), &out, annotate.Options{Index: eb, Transcripts: set, Workers: 2}); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if err := eb.Close(); err != nil {
				t.Fatalf("%s %s: %v", filepath.Base(path), set, err)
			}
			var want bytes.Buffer
			b := NewBuilder(&want)
			b.Write(out.Bytes())
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(idx.Bytes(), want.Bytes()) {
				got, _ := Open(bytes.NewReader(idx.Bytes()), int64(idx.Len()))
				wantIx, _ := Open(bytes.NewReader(want.Bytes()), int64(want.Len()))
				t.Fatalf("%s, transcripts %s: the entries' index (%d bytes, %d rows) is not the text's (%d bytes, %d rows)",
					filepath.Base(path), set, idx.Len(), rowsOf(got), want.Len(), rowsOf(wantIx))
			}
			if eb.Part() == nil || b.Part() == nil || eb.Part().Footer.Rows != b.Part().Footer.Rows {
				t.Fatalf("%s %s: parts %+v, %+v", filepath.Base(path), set, eb.Part(), b.Part())
			}
			rows += eb.Part().Footer.Rows
			escaped += bytes.Count(out.Bytes(), []byte("%3D"))
		}
	}
	// The comparison covered rows, and fields escaped in the text (HGVSp
	// p.Xaa12=, written p.Xaa12%3D).
	if rows < 10000 || escaped == 0 {
		t.Fatalf("%d rows, %d escaped fields compared", rows, escaped)
	}
}

func rowsOf(ix *Index) int64 {
	if ix == nil {
		return -1
	}
	return ix.Rows()
}
