package refdata

import (
	"bytes"
	"testing"
)

// The parsers read files from the internet: any input must give transcripts
// or an error, never a panic.
func FuzzParseGenes(f *testing.F) {
	f.Add([]byte("1\tx\texon\t10\t20\t.\t+\t.\tgene_id \"G\"; transcript_id \"T\";\n1\tx\tCDS\t12\t20\t.\t+\t0\ttranscript_id \"T\";\n1\tx\tstop_codon\t21\t23\t.\t+\t0\ttranscript_id \"T\";\n"))
	f.Add([]byte("##gff-version 3\nchr2\tx\tmRNA\t100\t400\t.\t-\t.\tID=transcript:T1;Parent=gene:G1\nchr2\tx\texon\t100\t200\t.\t-\t.\tParent=transcript:T1\nchr2\tx\tCDS\t150\t200\t.\t-\t2\tParent=transcript:T1\n"))
	f.Add([]byte("1\tx\tCDS\t1\t10\t.\t+\t.\tParent=t\n1\tx\tstop_codon\t11\t13\t.\t+\t.\tParent=t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func([]byte) ([]*Transcript, error){
			func(b []byte) ([]*Transcript, error) { return ParseGTF(bytes.NewReader(b), "fuzz") },
			func(b []byte) ([]*Transcript, error) { return ParseGFF3(bytes.NewReader(b), "fuzz") },
		} {
			txs, err := parse(data)
			if err != nil {
				continue
			}
			seq := bytes.Repeat([]byte("ACGT"), 64)
			for _, tx := range txs {
				if tx.Start < 1 || tx.End < tx.Start || len(tx.Exons) == 0 {
					t.Fatalf("bad transcript %+v", tx)
				}
				FlagIncompleteCDS(tx, seq)
			}
		}
	})
}

func FuzzReadKnownVCF(f *testing.F) {
	f.Add([]byte("#CHROM\tPOS\tID\tREF\tALT\n1\t10\trs1\tACG\tA,AT,<DEL>\t.\t.\tGMAF=A:0.1;AF=0.2,0.3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ReadKnownVCF(bytes.NewReader(data), "fuzz", func(r KnownRecord) error {
			if r.Variant.Pos < r.InputPos {
				t.Fatalf("trimming moved %d back to %d", r.InputPos, r.Variant.Pos)
			}
			return nil
		})
	})
}
