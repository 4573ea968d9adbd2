package webui

import "testing"

func TestNewJobLinks(t *testing.T) {
	for _, tc := range []struct {
		id          string
		log, result bool
		want        jobLinks
	}{
		{"j1", false, false, jobLinks{Self: "/api/v1/jobs/j1", Page: "/jobs/j1", Input: "/api/v1/jobs/j1/input", History: "/api/v1/jobs/j1/history"}},
		{"job0042", true, true, jobLinks{Self: "/api/v1/jobs/job0042", Page: "/jobs/job0042", Input: "/api/v1/jobs/job0042/input",
			History: "/api/v1/jobs/job0042/history", Log: "/api/v1/jobs/job0042/log", Result: "/api/v1/jobs/job0042/result"}},
		{"x", true, false, jobLinks{Self: "/api/v1/jobs/x", Page: "/jobs/x", Input: "/api/v1/jobs/x/input", History: "/api/v1/jobs/x/history", Log: "/api/v1/jobs/x/log"}},
		{"x", false, true, jobLinks{Self: "/api/v1/jobs/x", Page: "/jobs/x", Input: "/api/v1/jobs/x/input", History: "/api/v1/jobs/x/history", Result: "/api/v1/jobs/x/result"}},
	} {
		if got := newJobLinks(tc.id, tc.log, tc.result); got != tc.want {
			t.Errorf("newJobLinks(%q, %v, %v) = %+v, want %+v", tc.id, tc.log, tc.result, got, tc.want)
		}
	}
}
