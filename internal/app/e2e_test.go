package app

import (
	"context"
	"strings"
	"testing"

	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/tasks"
)

func TestFreeUserResultIsArchived(t *testing.T) {
	a := openApp(t, testConfig(t, t.TempDir()))
	addUser(t, a, "alice", domain.RoleFree)
	j := submit(t, a, "alice", "test.vcf", sharedVCF(t, "test.vcf"))
	e := wait(t, a, j.ExecutionID)
	if e.Status != domain.ExecSucceeded {
		t.Fatalf("execution %s: %s %s", e.Status, e.Error, e.Cause)
	}
	if got := field(t, e.Output, "archive.archived"); got != true {
		t.Errorf("output archive.archived = %v: %s", got, e.Output)
	}
	j = job(t, a, j.ID)
	if j.Status != domain.StatusCompleted || j.ResultState != domain.ResultArchived || j.ResultKey != tasks.ArchiveKey(j) {
		t.Fatalf("job %s %s %s", j.Status, j.ResultState, j.ResultKey)
	}
	info, err := a.Blobs.Head(context.Background(), j.ResultKey)
	if err != nil || info.StorageClass != domain.ClassGlacier || info.Size == 0 {
		t.Errorf("archive %+v %v", info, err)
	}
	if _, err := a.Blobs.Head(context.Background(), tasks.ResultKey(j)); err == nil {
		t.Error("hot copy still there")
	}
	ms := mails(t, a)
	if len(ms) != 1 || !strings.Contains(ms[0], j.ID) || !strings.Contains(ms[0], "http://gas.test/jobs/"+j.ID) {
		t.Errorf("mails: %q", ms)
	}
	for _, s := range steps(history(t, a, j.ExecutionID)) {
		t.Log(s)
	}
}
