package wire

import (
	"context"
	"strings"
	"testing"

	"github.com/gasproject/gas/functions/awsenv"
)

func setEnv(t *testing.T, skip string) {
	t.Helper()
	for k, v := range map[string]string{
		awsenv.JobsTable: "jobs", awsenv.ProfilesTable: "profiles",
		awsenv.InputsBucket: "in", awsenv.ResultsBucket: "out",
		awsenv.PublicURL: "https://gas.example.org", awsenv.MailFrom: "gas@example.org",
		"AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		if k != skip {
			t.Setenv(k, v)
		} else {
			t.Setenv(k, "")
		}
	}
}

func TestOpenNamesTheMissingSetting(t *testing.T) {
	setEnv(t, awsenv.ResultsBucket)
	if _, err := Open(context.Background()); err == nil || !strings.Contains(err.Error(), awsenv.ResultsBucket) {
		t.Errorf("Open without %s: err = %v", awsenv.ResultsBucket, err)
	}
}

func TestTaskHandlerServesOnlyItsBinarysSteps(t *testing.T) {
	setEnv(t, "")
	st, err := Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		task    string
		binary  string
		wantErr string
	}{
		{"mark-failed", "mark-failed", ""},
		{"check-restore", "restore", ""},
		{"annotate", "restore", "serves only"},
		{"", "archive", awsenv.Task},
	}
	for _, tc := range tests {
		t.Setenv(awsenv.Task, tc.task)
		st.Env = &awsenv.Lookup{} // a fresh lookup: errors are sticky
		h, err := st.TaskHandler(awsenv.TaskBinaries[tc.binary], nil, nil)
		if tc.wantErr == "" && (err != nil || h == nil) {
			t.Errorf("%s in %s: %v", tc.task, tc.binary, err)
		}
		if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s in %s: err = %v, want %q", tc.task, tc.binary, err, tc.wantErr)
		}
	}
}
