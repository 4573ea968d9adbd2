// Package vcftest holds test helpers over package vcf. It links testing:
// only tests import it, never a shipped binary.
package vcftest

import (
	"bytes"
	"testing"

	"github.com/gasproject/gas/internal/vcf"
)

// BGZF returns text compressed the way GAS stores results and parts: BGZF
// blocks ending in the EOF marker (vcf.NewBGZFWriter).
func BGZF(t testing.TB, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := vcf.NewBGZFWriter(&b)
	if _, err := zw.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
