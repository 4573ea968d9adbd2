package sqlite

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

func TestJobDocsDecodesChangedDocAfresh(t *testing.T) {
	c := newJobDocs()
	for _, tc := range []struct {
		doc, wantStatus, wantSummary string
	}{
		{`{"id":"j1","status":"RUNNING"}`, "RUNNING", ""},
		{`{"id":"j1","status":"RUNNING"}`, "RUNNING", ""}, // hit
		{`{"id":"j1","status":"COMPLETED","summary":{"records":3}}`, "COMPLETED", `{"records":3}`},
		{`{"id":"j1","status":"COMPLETED","summary":{"records":3}}`, "COMPLETED", `{"records":3}`}, // hit
	} {
		j, err := c.decode("j1", tc.doc)
		if err != nil {
			t.Fatal(err)
		}
		if string(j.Status) != tc.wantStatus || string(j.Summary) != tc.wantSummary {
			t.Errorf("decode(%s) = status %q summary %q, want %q %q", tc.doc, j.Status, j.Summary, tc.wantStatus, tc.wantSummary)
		}
		if len(j.Summary) > 0 {
			j.Summary[0] = 'X' // a caller scribbling on its copy must not reach the cache
		}
	}
	if _, err := c.decode("j2", `{"id":`); err == nil {
		t.Error("a broken doc decoded without error")
	}
}

func TestJobDocsStaysBounded(t *testing.T) {
	c := newJobDocs()
	for i := range maxCachedDocs + 10 {
		id := fmt.Sprintf("j%d", i)
		if _, err := c.decode(id, `{"id":"`+id+`"}`); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.m); n > maxCachedDocs {
		t.Errorf("cache holds %d entries, want at most %d", n, maxCachedDocs)
	}
}

// TestProfileDocsShareNothing guards newProfileDocs, which hands out cached
// profiles without copying: that is only safe while domain.Profile holds no
// slices, maps or pointers. Adding one needs an own func there.
func TestProfileDocsShareNothing(t *testing.T) {
	typ := reflect.TypeFor[domain.Profile]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func:
			t.Errorf("domain.Profile.%s is a %s: give newProfileDocs a copying own func", f.Name, f.Type.Kind())
		}
	}
}
