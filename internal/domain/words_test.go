package domain

import "testing"

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 results"}, {1, "1 result"}, {2, "2 results"}} {
		if got := Count(tc.n, "result", "results"); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
