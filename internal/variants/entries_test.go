package variants

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/annotate"
	"github.com/gasproject/gas/internal/consequence"
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
			if err := eb.Close(PlainResult); err != nil {
				t.Fatalf("%s %s: %v", filepath.Base(path), set, err)
			}
			var want bytes.Buffer
			b := NewBuilder(&want)
			b.Write(out.Bytes())
			if err := b.Close(PlainResult); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(idx.Bytes(), want.Bytes()) {
				got, _ := Open(bytes.NewReader(idx.Bytes()), int64(idx.Len()), bytes.NewReader(out.Bytes()))
				wantIx, _ := Open(bytes.NewReader(want.Bytes()), int64(want.Len()), bytes.NewReader(out.Bytes()))
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

// TestEngineEntryLengthsThatDoNotFit: an Allele length that does not fit an
// entry's text (a bug upstream) never slices it out of its bounds: whatever
// the length, the entry gives one row and no panic. (A length that puts the
// field on another '|' gives a wrong row: the engine's own lengths are
// checked by TestEntryBuilderMatchesBuilder.)
func TestEngineEntryLengthsThatDoNotFit(t *testing.T) {
	vals := map[string]string{"Allele": "T", "Consequence": "missense_variant", "IMPACT": "MODERATE",
		"SYMBOL": "G1", "Gene": "ENSG1", "Feature_type": "Transcript", "Feature": "ENST1", "BIOTYPE": "protein_coding",
		"EXON": "2/5", "HGVSc": "ENST1.1:c.10C>T", "HGVSp": "ENSP1.1:p.Leu4Phe", "CANONICAL": "YES"}
	var fields []string
	for _, f := range strings.Split(annotate.CSQFields, "|") {
		fields = append(fields, vals[f])
	}
	text := []byte(strings.Join(fields, "|"))
	const right = 1 // "T"
	build := func(l uint16, split bool) []byte {
		var buf bytes.Buffer
		p := NewEntryBuilder(&buf).p
		if err := p.startRow([]byte("chr1")); err != nil {
			t.Fatal(err)
		}
		p.rec.set(100, []byte("."), []byte("C"), []byte("T"), nil, nil)
		var err error
		if split {
			err = p.addSplitEntry(0, &p.slots[0], text, 0)
		} else {
			err = p.addEngineEntry(0, text, l, consequence.TextKey{}, 0)
		}
		if err == nil {
			err = p.finish(PlainResult)
		}
		if err != nil {
			t.Fatalf("Allele length %d: %v", l, err)
		}
		f, err := readFooter(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil || f.Rows != 1 {
			t.Fatalf("Allele length %d: %v, %+v", l, err, f)
		}
		return buf.Bytes()
	}
	want := build(right, true)
	if !bytes.Equal(build(right, false), want) {
		t.Fatal("the right length does not give the row of the split text")
	}
	// A wrong length (0, past the end, or on another '|' of the text):
	// one row, and no slice out of the text's bounds.
	for _, n := range []int{0, len(text), len(text) + 1, 0xffff} {
		build(uint16(n), false)
	}
	for i, c := range text {
		if c == '|' {
			build(uint16(i), false)
		}
	}
}

// TestAddRecordsRefusesBadBatches: a batch whose records or entries do not
// fit it (a bug upstream) is an error naming the record, not a panic.
func TestAddRecordsRefusesBadBatches(t *testing.T) {
	line := "21\t100\t.\tC\tT\t.\t.\tKNOWN_AF=0.5;CSQ="
	text := "T|intergenic_variant|MODIFIER||||||||||||||||||SNV|"
	out := []byte(line + text + "\n")
	at := uint32(len(line))
	ok := annotate.IndexEntry{Start: at, End: at + uint32(len(text))}
	af := annotate.Span{Start: at - 8, End: at - 5} // "0.5"
	head := [5]uint32{2, 7, 8, 10, 12}              // of line
	rec := func(pos int, entries int32) annotate.IndexRecord {
		return annotate.IndexRecord{Pos: pos, KnownAF: af, Entries: entries, Head: head}
	}
	batch := func(es []annotate.IndexEntry, rs ...annotate.IndexRecord) annotate.IndexRecords {
		return annotate.IndexRecords{Records: rs, Entries: es, Out: out}
	}
	one := []annotate.IndexEntry{ok}
	for _, c := range []struct {
		name string
		rs   annotate.IndexRecords
		want string
	}{
		{"good", batch(one, rec(100, 1)), ""},
		{"negative POS", batch(one, rec(-1, 1)), "21:-1: POS is not a position"},
		{"more entries than the batch", batch([]annotate.IndexEntry{ok, ok}, rec(100, 1), rec(200, 2)), "21:200: 2 entries, the batch has 1 more"},
		{"negative entries", batch(one, rec(100, -1)), "21:100: -1 entries"},
		{"entry past the output", batch([]annotate.IndexEntry{{Start: 0, End: uint32(len(out) + 1)}}, rec(100, 1)), "21:100: entry 0 is not in the batch's output"},
		{"entry ending before its start", batch([]annotate.IndexEntry{{Start: 5, End: 4}}, rec(100, 1)), "21:100: entry 0 is not in the batch's output"},
		{"line past the output", batch(one, annotate.IndexRecord{Pos: 100, Line: uint32(len(out)), Head: head, Entries: 1}), "record 0 of the batch: its line is not in the batch's output"},
		{"no head", batch(one, annotate.IndexRecord{Pos: 100, Entries: 1}), "record 0 of the batch: its line has no CHROM, POS, ID, REF and ALT where told"},
		{"head past the line", batch(one, annotate.IndexRecord{Pos: 100, Head: [5]uint32{2, 7, 8, 10, uint32(len(out))}, Entries: 1}), "record 0 of the batch: its line has no CHROM"},
		{"head not on tabs", batch(one, annotate.IndexRecord{Pos: 100, Head: [5]uint32{2, 7, 8, 11, 12}, Entries: 1}), "record 0 of the batch: its line has no CHROM"},
		{"head out of order", batch(one, annotate.IndexRecord{Pos: 100, Head: [5]uint32{2, 9, 8, 10, 12}, Entries: 1}), "record 0 of the batch: its line has no CHROM"},
		{"KNOWN_AF past the output", batch(one, annotate.IndexRecord{Pos: 100, KnownAF: annotate.Span{Start: 1, End: uint32(len(out) + 1)}, Head: head, Entries: 1}), "21:100: KNOWN_AF or KNOWN_CLNSIG is not in the batch's output"},
		{"KNOWN_CLNSIG ending before its start", batch(one, annotate.IndexRecord{Pos: 100, KnownClnsig: annotate.Span{Start: 3, End: 2}, Head: head, Entries: 1}), "21:100: KNOWN_AF or KNOWN_CLNSIG is not in the batch's output"},
	} {
		var buf bytes.Buffer
		b := NewEntryBuilder(&buf)
		err := b.AddRecords(&c.rs)
		if err == nil {
			err = b.Close(PlainResult)
		}
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if c.want != "" && b.Part() != nil {
			t.Errorf("%s: a part after the error", c.name)
		}
		if c.want == "" {
			ix, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), bytes.NewReader(out))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			page, err := ix.Query(Query{Limit: 10})
			if rows := page.Rows; err != nil || len(rows) != 1 || rows[0].Chrom != "21" || rows[0].Pos != 100 || rows[0].Ref != "C" || rows[0].Alt != "T" || rows[0].AF == nil || *rows[0].AF != 0.5 {
				t.Fatalf("%s: rows %+v, %v", c.name, page.Rows, err)
			}
		}
	}
}
