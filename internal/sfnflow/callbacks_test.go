package sfnflow

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/gasproject/gas/internal/awstest"
	"github.com/gasproject/gas/internal/domain"
	"github.com/gasproject/gas/internal/sfnflow/sfnfake"
)

func newCallbacks(t *testing.T) (*Callbacks, *sfnfake.Server) {
	t.Helper()
	fake := sfnfake.New(restoreARN)
	client := sfn.NewFromConfig(awstest.Serve(t, fake))
	return NewCallbacks(client), fake
}

func TestCallbacks(t *testing.T) {
	c, fake := newCallbacks(t)
	ctx := context.Background()
	fake.WaitForToken("tok-ok")
	fake.WaitForToken("tok-bad")
	if err := c.SendTaskSuccess(ctx, "tok-ok", json.RawMessage(`{"restored":true}`)); err != nil {
		t.Fatal(err)
	}
	if out, _, _, done := fake.TaskResult("tok-ok"); !done || out != `{"restored":true}` {
		t.Errorf("success: %q done %v", out, done)
	}
	long := strings.Repeat("x", 40000)
	if err := c.SendTaskFailure(ctx, "tok-bad", "RestoreExpired", long); err != nil {
		t.Fatal(err)
	}
	if _, name, cause, done := fake.TaskResult("tok-bad"); !done || name != "RestoreExpired" || len(cause) != maxCauseLen {
		t.Errorf("failure: %q, cause of %d bytes, done %v", name, len(cause), done)
	}
	// A task that ended, or a token never handed out, no longer waits.
	for _, tok := range []string{"tok-ok", "never"} {
		if err := c.SendTaskSuccess(ctx, tok, json.RawMessage(`{}`)); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", tok, err)
		}
	}
	if fake.Calls("SendTaskSuccess") != 3 || fake.Calls("SendTaskFailure") != 1 {
		t.Errorf("calls %d, %d", fake.Calls("SendTaskSuccess"), fake.Calls("SendTaskFailure"))
	}
}
