package webui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

func TestRowCache(t *testing.T) {
	p, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	page := p.sets["jobs"]
	c := newRowCache()
	running := newJobRow(domain.Job{ID: "j1", InputName: `<b>&.vcf`, Status: domain.StatusRunning})
	done := newJobRow(domain.Job{ID: "j1", InputName: `<b>&.vcf`, Status: domain.StatusCompleted})
	for _, tc := range []struct {
		row  jobRow
		want []string
	}{
		{running, []string{`data-job="j1"`, `&lt;b&gt;&amp;.vcf`, `>RUNNING<`}},
		{running, []string{`>RUNNING<`}}, // from the cache
		{done, []string{`>COMPLETED<`, `>AVAILABLE<`}},
	} {
		h, err := c.html(page, tc.row)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(h), w) {
				t.Errorf("row %+v renders\n%s\nwithout %q", tc.row, h, w)
			}
		}
		if strings.Contains(string(h), "<b>") {
			t.Errorf("row %+v is not escaped:\n%s", tc.row, h)
		}
	}
	for i := range maxCachedRows + 10 {
		if _, err := c.html(page, newJobRow(domain.Job{ID: fmt.Sprint(i)})); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.m); n > maxCachedRows {
		t.Errorf("cache holds %d rows, want at most %d", n, maxCachedRows)
	}
}
