package domaintest

import (
	"testing"

	"github.com/gasproject/gas/internal/domain"
)

// maxPages bounds ListAll: pagination that has not ended by then never will.
const maxPages = 100

// ListAll reads a listing page by page, limit items a page, following the
// cursors from the first page to the last, and returns every item in order.
// list reads one page. The test fails on an error, a page over limit or
// pagination that does not end.
func ListAll[T any](t testing.TB, limit int, list func(domain.Page) ([]T, string, error)) []T {
	t.Helper()
	var all []T
	cursor := ""
	for range maxPages {
		page, next, err := list(domain.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatalf("list page after %q: %v", cursor, err)
		}
		if len(page) > limit {
			t.Fatalf("page of %d, limit %d", len(page), limit)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		cursor = next
	}
	t.Fatalf("pagination does not end after %d pages", maxPages)
	return nil
}

// jobIDs are the ids of js in order (nil for none).
func jobIDs(js []domain.Job) []string {
	var ids []string
	for _, j := range js {
		ids = append(ids, j.ID)
	}
	return ids
}
