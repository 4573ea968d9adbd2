package consequence

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestCrossCheckBCSQ compares our calls with a bcftools csq -l output over
// the mini reference (a development aid: CSQ_BCSQ=file.vcf go test -run
// CrossCheck -v .). It prints a histogram of disagreements by term pair.
func TestCrossCheckBCSQ(t *testing.T) {
	sc := peerOutput(t, "CSQ_BCSQ", "a bcftools csq -l output")
	m := loadMini(t)
	hist := map[string]int{}
	examples := map[string]string{}
	agree, total := 0, 0
	for sc.Scan() {
		l := sc.Text()
		if l == "" || l[0] == '#' {
			continue
		}
		c := strings.Split(l, "\t")
		bcsq := ""
		for _, kv := range strings.Split(c[7], ";") {
			if v, ok := strings.CutPrefix(kv, "BCSQ="); ok {
				bcsq = v
			}
		}
		if bcsq == "" {
			continue
		}
		pos, _ := strconv.Atoi(c[1])
		alts := strings.Split(c[4], ",")
		if len(alts) != 1 || symbolic(alts) {
			continue
		}
		byTx := map[string]map[string]bool{}
		for _, e := range m.predict(Variant{Chrom: c[0], Pos: pos, Ref: c[3], Alt: alts[0]}) {
			id, _, _ := strings.Cut(e.Feature, ".")
			byTx[id] = map[string]bool{}
			for _, t := range e.Consequences {
				byTx[id][t] = true
			}
		}
		for tx, w := range expectedByTx(bcsq) {
			wl, hl := comparable(w), comparable(byTx[tx])
			total++
			if slices.Equal(wl, hl) {
				agree++
				continue
			}
			k := strings.Join(wl, "&") + " vs " + strings.Join(hl, "&")
			hist[k]++
			if _, ok := examples[k]; !ok {
				examples[k] = fmt.Sprintf("%s %s %s>%s %s %s", c[0], c[1], c[3], c[4], tx, bcsq)
			}
		}
	}
	keys := make([]string, 0, len(hist))
	for k := range hist {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return hist[keys[i]] > hist[keys[j]] })
	t.Logf("agree %d/%d transcript calls", agree, total)
	for _, k := range keys {
		t.Logf("%5d  bcftools %s  e.g. %s", hist[k], k, examples[k])
	}
}

// peerOutput opens the peer annotation named by env for an opt-in
// cross-check, skipping the test when env is unset.
func peerOutput(t *testing.T, env, what string) *bufio.Scanner {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Skipf("set %s to %s on the mini reference", env, what)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	return sc
}
