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

// FuzzReader: any input, compressed or not, reads to the end or stops with
// an error; never a panic, and bad input is always a *ParseError.
func FuzzReader(f *testing.F) {
	f.Add([]byte(small))
	f.Add([]byte("##fileformat=VCFv3.3\n##INFO=DP,1,Integer,\"x\"\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\r\n1\t5\t.\tA\tC\t-1\t0\tDP=1\r\n"))
	f.Add([]byte("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, err := readAll(bytes.NewReader(data))
		if err == nil {
			return
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v (%T) is not a *ParseError", err, err)
		}
	})
}
