package vcf

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParseRecord: the record parser never panics, fails only with a
// *ParseError, and on success the fields reassemble into the line.
func FuzzParseRecord(f *testing.F) {
	f.Add([]byte("21\t100\trs1\tA\tG,T\t50\tPASS\tDP=3\tGT\t0/1"))
	f.Add([]byte("MT\t60\t.\tT\t.\t.\t.\tAC=1;AN=1"))
	f.Add([]byte("1\t1\t.\tN\t<DEL>\t.\t.\tSVLEN=-10"))
	f.Add([]byte("1\t1\t.\tacgt\t*,A\t.\t.\t."))
	f.Add([]byte("1\tx\t.\tA\tC\t.\t.\t."))
	f.Fuzz(func(t *testing.T, line []byte) {
		var rec Record
		err := ParseRecord(line, 0, &rec)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Kind == nil || pe.Reason == "" {
				t.Fatalf("error %v is not a complete *ParseError", err)
			}
			return
		}
		if got := rec.AppendWith(nil, rec.ID(), rec.Info()); !bytes.Equal(got, line) {
			t.Fatalf("reassembled %q, want %q", got, line)
		}
		if rec.Pos < 0 || len(rec.Ref()) == 0 || rec.Columns() < 8 {
			t.Fatalf("accepted pos %d ref %q cols %d", rec.Pos, rec.Ref(), rec.Columns())
		}
		if alt := rec.Alt(); !(len(alt) == 1 && alt[0] == '.') && !bytes.Equal(bytes.Join(rec.Alts(), []byte(",")), alt) {
			t.Fatalf("alts %q do not join to %q", rec.Alts(), alt)
		}
	})
}
