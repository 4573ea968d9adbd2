package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
)

// Deleting a job through the api Lambda as deployed: the service's deletes
// of the input and of every result file, hot and archived, are calls the
// api role's grants allow (s3fake enforces them).
func TestAPILambdaDeletesAJobsFilesOnAWSAdapters(t *testing.T) {
	ctx := context.Background()
	e := coldStart(t)
	ada, token := e.apiUser(t, "ada@example.org", "Ada")
	// GIVEN two finished jobs of the user: one with its result hot, one archived
	now := time.Now().UTC()
	var keys []string
	e.admin(t, func() {
		for _, tc := range []struct {
			id       string
			archived bool
		}{{"job-hot", false}, {"job-cold", true}} {
			j := domain.Job{ID: tc.id, UserID: ada.ID, InputKey: "inputs/" + ada.ID + "/" + tc.id + "/a.vcf", SubmittedAt: now,
				CompletedAt: now, Status: domain.StatusCompleted, ResultState: domain.ResultAvailable}
			j.ResultKey = tasks.ResultKey(j)
			files := append([]string{j.InputKey}, domain.ResultFiles(j.ResultKey)...)
			files = append(files, domain.DownloadFiles(j.ResultKey)...)
			if tc.archived {
				j.ResultState = domain.ResultArchived
				j.ResultKey = "archive/" + strings.TrimPrefix(j.ResultKey, "results/")
				files = append([]string{j.InputKey}, domain.ResultFiles(j.ResultKey)...)
			}
			if err := e.st.Jobs.Create(ctx, j); err != nil {
				t.Fatal(err)
			}
			for _, k := range files {
				if err := e.st.Blobs.Put(ctx, k, strings.NewReader("x")); err != nil {
					t.Fatalf("put %s: %v", k, err)
				}
			}
			keys = append(keys, files...)
		}
	})
	handler := httpadapter.NewV2(e.portal).ProxyWithContext

	// WHEN the user deletes both through the JSON API
	for _, id := range []string{"job-hot", "job-cold"} {
		req := gatewayRequest(http.MethodDelete, "/api/v1/jobs/"+id, "", nil)
		req.Headers["authorization"] = "Bearer " + token
		resp, err := handler(ctx, req)
		// THEN each is deleted, and answers 404 from then on
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("DELETE %s: %d %s (%v)", id, resp.StatusCode, resp.Body, err)
		}
		req = gatewayRequest(http.MethodGet, "/api/v1/jobs/"+id, "", nil)
		req.Headers["authorization"] = "Bearer " + token
		if resp, _ := handler(ctx, req); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s after delete: %d %s", id, resp.StatusCode, resp.Body)
		}
	}
	// AND none of their files is left in either bucket
	e.admin(t, func() {
		for _, k := range keys {
			if _, err := e.st.Blobs.Head(ctx, k); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("%s after delete: %v", k, err)
			}
		}
	})
}
