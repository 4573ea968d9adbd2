package consequence

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/refdata"
)

// memSeq holds whole chromosomes by canonical name.
type memSeq map[string][]byte

// chromSeq serves one in-memory chromosome as a Sequence.
type chromSeq []byte

func (c chromSeq) Seq(start, end int) (string, error) {
	if start < 1 || end > len(c) || start > end+1 {
		return "", fmt.Errorf("range %d-%d outside 1-%d", start, end, len(c))
	}
	return string(c[start-1 : end]), nil
}

func readFASTA(t testing.TB, path string) memSeq {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := memSeq{}
	err = refdata.ReadFASTA(f, path, func(name, _ string, seq []byte) error {
		out[refdata.CanonicalChrom(name)] = []byte(strings.ToUpper(string(seq)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readGenes(t testing.TB, path string, seqs memSeq) []*refdata.Transcript {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var txs []*refdata.Transcript
	if strings.Contains(filepath.Base(path), ".gtf") {
		txs, err = refdata.ParseGTF(f, path)
	} else {
		txs, err = refdata.ParseGFF3(f, path)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range txs {
		if s, ok := seqs[tx.Chrom]; ok {
			refdata.FlagIncompleteCDS(tx, s)
		}
		if tx.CodonTable == 0 {
			tx.CodonTable = 1
		}
	}
	return txs
}

// near returns the transcripts within 5 kb of [start, end] on chrom.
func near(txs []*refdata.Transcript, chrom string, start, end int) []*refdata.Transcript {
	var out []*refdata.Transcript
	for _, tx := range txs {
		if tx.Chrom == chrom && tx.Start-maxDistance <= end && tx.End+maxDistance >= start {
			out = append(out, tx)
		}
	}
	return out
}
